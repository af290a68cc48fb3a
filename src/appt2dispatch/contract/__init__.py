"""The dispatch app's side of the migration: what the running app reads and does.

translate maps these facts onto the chart's values; compare judges both renders
by them. Keeping them in one place means the two stages cannot disagree about
what a value means to the app.

- environment: the variables the app reads, their defaults when unset, the chart
  key of each structured one, `envFrom` sources and Kubernetes' precedence;
- lanes: `DISPATCH_LANE_CONFIG_JSON` judged by the app's start-up rules;
- images: the repositories that run dispatch.
"""

from __future__ import annotations

from appt2dispatch.contract.environment import (
    APP_VARIABLES,
    AUTH_MODES,
    DATABASE_URL_VARIABLE,
    DATABASE_URL_VARIABLES,
    LANE_CONFIG_VARIABLE,
    LEGACY_DATABASE_URL_VARIABLES,
    OTHER_VARIABLES,
    SKIP_MIGRATIONS_VARIABLE,
    STRUCTURED_VARIABLES,
    AppVariable,
    EnvFromSource,
    VariableKind,
    means_app_default,
    read_envfrom,
    same_meaning,
)
from appt2dispatch.contract.images import (
    DISPATCH_IMAGE_REPOSITORIES,
    ImageRef,
    is_dispatch_image,
    parse_image_reference,
)
from appt2dispatch.contract.lanes import (
    KNOWN_LANE_KEYS,
    KNOWN_ROLES,
    KNOWN_TOP_LEVEL_KEYS,
    js_trim,
    parse_lane_config,
)

__all__ = [
    "APP_VARIABLES",
    "AUTH_MODES",
    "DATABASE_URL_VARIABLE",
    "DATABASE_URL_VARIABLES",
    "DISPATCH_IMAGE_REPOSITORIES",
    "KNOWN_LANE_KEYS",
    "KNOWN_ROLES",
    "KNOWN_TOP_LEVEL_KEYS",
    "LANE_CONFIG_VARIABLE",
    "LEGACY_DATABASE_URL_VARIABLES",
    "OTHER_VARIABLES",
    "SKIP_MIGRATIONS_VARIABLE",
    "STRUCTURED_VARIABLES",
    "AppVariable",
    "EnvFromSource",
    "ImageRef",
    "VariableKind",
    "is_dispatch_image",
    "js_trim",
    "means_app_default",
    "parse_image_reference",
    "parse_lane_config",
    "read_envfrom",
    "same_meaning",
]
