"""`serviceAccount.*` and the `serviceAccountName` each pod runs as.

4.x creates only the ServiceAccounts the values list; pods use `default` unless
`controllers.<id>.serviceAccount` names one (by `identifier` or `name`).
5.x creates a ServiceAccount named after the release when the values have no
`serviceAccount` key (unless `global.createDefaultServiceAccount: false`), and a
controller without its own `serviceAccount` runs as the only enabled one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from appt2dispatch.render.app_template.context import RenderContext
from appt2dispatch.render.app_template.naming import (
    NAMING_KEYS,
    object_metadata,
    resource_name,
)
from appt2dispatch.render.app_template.values import (
    check_keys,
    enabled,
    expect_bool,
    expect_mapping,
    expect_str,
    join_path,
    refuse,
)


@dataclass(frozen=True)
class ServiceAccountInfo:
    """A service account to render: its values key, rendered name and values."""

    identifier: str
    name: str
    values: Mapping[str, Any]
    path: str


def _declared(ctx: RenderContext) -> dict[str, dict[str, Any]]:
    if "serviceAccount" in ctx.values:
        return expect_mapping(ctx.values["serviceAccount"], "serviceAccount")
    global_values = expect_mapping(ctx.values.get("global"), "global")
    create = global_values.get("createDefaultServiceAccount", True)
    if ctx.profile.creates_default_service_account and expect_bool(
        create, "global.createDefaultServiceAccount"
    ):
        return {ctx.release_name: {}}
    return {}


def enabled_service_accounts(ctx: RenderContext) -> dict[str, ServiceAccountInfo]:
    declared = _declared(ctx)
    active: dict[str, dict[str, Any]] = {}
    for identifier in sorted(declared):
        path = join_path("serviceAccount", identifier)
        if ctx.profile.exact and not isinstance(declared[identifier], Mapping):
            continue  # 4.1.1 skips entries that are not mappings (e.g. 3.x `create: true`)
        values = expect_mapping(declared[identifier], path)
        allowed: tuple[str, ...] = ("enabled", "annotations", "labels", *NAMING_KEYS)
        if ctx.profile.is_v5:
            allowed = (*allowed, "automountServiceAccountToken")
        check_keys(values, allowed, path)
        if enabled(values, path):
            active[identifier] = values
    return {
        identifier: ServiceAccountInfo(
            identifier=identifier,
            name=resource_name(
                ctx, identifier, values, len(active), join_path("serviceAccount", identifier)
            ),
            values=values,
            path=join_path("serviceAccount", identifier),
        )
        for identifier, values in active.items()
    }


def service_account_name(
    ctx: RenderContext, controller_id: str, controller: Mapping[str, Any]
) -> str:
    path = join_path(join_path("controllers", controller_id), "serviceAccount")
    accounts = enabled_service_accounts(ctx)
    if "serviceAccount" not in controller:
        if ctx.profile.exact:
            if len(accounts) > 1:
                refuse(path, "the chart fails: several ServiceAccounts and none chosen")
            # 4.1.1 uses the only account's identifier here, not its name.
            return next(iter(accounts)) if accounts else "default"
        if ctx.profile.is_v5:
            if len(accounts) == 1:
                account = next(iter(accounts.values()))
                if ctx.profile.chart_version == "5.0.0" and account.name != account.identifier:
                    refuse(path, "5.0.0 used the identifier instead of the name here")
                return account.name
            return "default"
        if accounts:
            refuse(
                path,
                "which ServiceAccount a controller without one uses differs across 4.x versions",
            )
        return "default"
    reference = expect_mapping(controller["serviceAccount"], path)
    check_keys(reference, ("identifier", "name"), path)
    if "identifier" in reference:
        identifier = expect_str(reference["identifier"], join_path(path, "identifier"))
        if identifier not in accounts:
            refuse(join_path(path, "identifier"), f"no enabled serviceAccount {identifier!r}")
        return accounts[identifier].name
    if "name" in reference:
        return expect_str(reference["name"], join_path(path, "name"))
    return "default"


def render_service_account(ctx: RenderContext, account: ServiceAccountInfo) -> dict[str, Any]:
    metadata = object_metadata(ctx, account.name, account.values, account.path)
    rendered: dict[str, Any] = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata}
    if "automountServiceAccountToken" in account.values:
        rendered["automountServiceAccountToken"] = expect_bool(
            account.values["automountServiceAccountToken"],
            join_path(account.path, "automountServiceAccountToken"),
        )
    return rendered
