"""Which app-template the model imitates, and the per-render context.

Two families are modelled: 4.x as measured on app-template 4.1.1 (the goldens),
5.x as 5.0.1 with its documented differences (pods do not mount the service
account token by default; a ServiceAccount named after the release is created
and used when the values configure none).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from appt2dispatch.errors import RefusedError
from appt2dispatch.render.app_template.tpl import TemplateScope
from appt2dispatch.render.app_template.values import SUGGESTION

MODELLED = {4: "4.1.1", 5: "5.0.1"}
_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+|x))?(?:\.(\d+|x))?(?:[-+].*)?$")


@dataclass(frozen=True)
class ChartProfile:
    """The behaviour switches that differ between the modelled chart versions."""

    requested: str
    major: int
    modelled: str

    @property
    def chart_version(self) -> str:
        """The version the helm.sh/chart label carries (exact when one was given)."""
        match = _VERSION.match(self.requested)
        if match and match.group(3) and match.group(3) != "x":
            return self.requested.lstrip("v").split("+")[0]
        return self.modelled

    @property
    def exact(self) -> bool:
        """True for exactly 4.1.1: the chart the model is measured against, so behaviour
        that differs between 4.x versions is rendered as 4.1.1 does instead of refused."""
        return self.requested.strip().lstrip("v").split("+")[0] == "4.1.1"

    @property
    def is_v5(self) -> bool:
        return self.major == 5

    @property
    def automount_token_default(self) -> bool:
        return self.major == 4

    @property
    def creates_default_service_account(self) -> bool:
        return self.major == 5

    @property
    def label(self) -> str:
        if self.chart_version == self.modelled:
            return self.modelled
        return f"{self.chart_version}, modelled on {self.modelled}"


def parse_profile(version: str) -> ChartProfile:
    """`4.1.1`, `4.x`, `v5.0.1`, `5` -> a profile; 3.x and anything else is refused."""
    match = _VERSION.match(version.strip())
    if not match:
        raise RefusedError(
            f"app-template version {version!r} is not a version the built-in model knows; "
            f"{SUGGESTION}"
        )
    major = int(match.group(1))
    if major not in MODELLED:
        raise RefusedError(
            f"app-template {version} is outside the built-in model (4.x and 5.x only); {SUGGESTION}"
        )
    return ChartProfile(requested=version.strip(), major=major, modelled=MODELLED[major])


@dataclass(frozen=True)
class RenderContext:
    """Everything a resource builder needs: values, release, names, version."""

    values: Mapping[str, Any]
    release_name: str
    namespace: str
    profile: ChartProfile
    name: str
    fullname: str

    @property
    def scope(self) -> TemplateScope:
        return TemplateScope(release_name=self.release_name, namespace=self.namespace)

    def section(self, key: str) -> dict[str, Any]:
        value = self.values.get(key)
        return dict(value) if isinstance(value, Mapping) else {}
