"""compare: behaviour model of both renders -> classified findings.

`compare_renders(old, new, translation)` canonicalises both renders (API
defaults, quantities, ports, null/absent/empty), pairs objects by identity and
list items by merge key, compares each container's effective environment, and
classifies every difference as behavior, blocker, expected or cosmetic.
"""

from __future__ import annotations

from appt2dispatch.compare.renders import (
    FINDING_CLASSES,
    compare_renders,
    decide_verdict,
    order_findings,
)

__all__ = ["FINDING_CLASSES", "compare_renders", "decide_verdict", "order_findings"]
