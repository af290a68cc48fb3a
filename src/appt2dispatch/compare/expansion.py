"""`$(VAR)` references in env values, expanded the way the kubelet expands them.

A reference expands only to a variable defined before it: by an envFrom source or
by an entry listed earlier in `env`; `$$` is an escaped `$`; a reference to nothing
stays as written. The same entries in another order can therefore give a variable
another value, which a comparison of entries by name does not see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

_REFERENCE = re.compile(r"\$\$|\$\(([^)]*)\)")


def expand_references(entries: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, str]:
    """The variables whose value references an earlier `env` entry, expanded, by name.

    `entries` are (name, canonical entry) in the container's order. References to
    envFrom sources are left as written: both sides' sources are compared on their
    own, so only what earlier entries supply can differ here. A `valueFrom` entry
    expands to a token naming its source.
    """
    defined: dict[str, str] = {}
    expanded: dict[str, str] = {}
    for name, entry in entries:
        expanded.pop(name, None)
        if "valueFrom" in entry:
            defined[name] = f"$({name} from {json.dumps(entry['valueFrom'], sort_keys=True)})"
            continue
        raw = str(entry.get("value", ""))
        value = _REFERENCE.sub(lambda match: _resolve(match, defined), raw)
        defined[name] = value
        if value != raw:
            expanded[name] = value
    return expanded


def _resolve(match: re.Match[str], defined: Mapping[str, str]) -> str:
    name = match.group(1)
    if name is None:  # `$$`: stays an escape, never a reference
        return match.group(0)
    return defined.get(name, match.group(0))
