"""Which keys an envFrom Secret or ConfigMap provides, from the manifests beside the release.

An ExternalSecret's keys follow external-secrets' templating rules:

- with `spec.target.template` carrying `data` (and no `templateFrom`), the
  Secret holds exactly the template's keys under the default
  `mergePolicy: Replace`; `mergePolicy: Merge` adds the fetched keys too;
- without a template (or an empty one), the Secret holds the fetched keys:
  `spec.data[].secretKey`, plus whatever `spec.dataFrom` returns;
- keys from `dataFrom`, `templateFrom` or a `creationPolicy` other than
  Owner/Orphan (the Secret pre-exists or is not written) cannot be known: None.

Names go through the release's postBuild substitution (`${APP}-postgres`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from appt2dispatch.kube import dig
from appt2dispatch.load.postbuild import substitute_name
from appt2dispatch.load.yamlio import to_plain
from appt2dispatch.models import HelmRelease, YamlDocument

KNOWN_CREATION_POLICIES = (None, "Owner", "Orphan")


def envfrom_secret_keys(
    release: HelmRelease, secret_names: Iterable[str]
) -> dict[str, frozenset[str] | None]:
    """For each Secret/ConfigMap name used by envFrom: its keys, or None when unknown.

    Looks at the release's siblings (nearest first): an ExternalSecret whose
    target (`spec.target.name`, else `metadata.name`) is the name, a Secret or a
    ConfigMap of that name. Not found: None.
    """
    manifests = [(_plain(doc), doc) for doc in release.siblings]
    return {name: _keys_for(name, manifests, release.substitutions) for name in secret_names}


def _keys_for(
    name: str,
    manifests: list[tuple[Mapping[str, Any], YamlDocument]],
    variables: Mapping[str, str],
) -> frozenset[str] | None:
    for plain, document in manifests:
        kind = document.kind
        if kind == "ExternalSecret" and _target_name(plain, variables) == name:
            return _external_secret_keys(plain, variables)
        if (
            kind in ("Secret", "ConfigMap")
            and substitute_name(dig(plain, "metadata", "name"), variables) == name
        ):
            fields = ("data", "stringData") if kind == "Secret" else ("data", "binaryData")
            return frozenset(
                substitute_name(str(key), variables)
                for field in fields
                if isinstance(plain.get(field), Mapping)
                for key in plain[field]
            )
    return None


def _external_secret_keys(
    plain: Mapping[str, Any], variables: Mapping[str, str]
) -> frozenset[str] | None:
    spec = _mapping(plain.get("spec"))
    target = _mapping(spec.get("target"))
    if target.get("creationPolicy") not in KNOWN_CREATION_POLICIES:
        return None  # Merge: an existing Secret keeps its own keys; None: nothing written
    fetched = _fetched_keys(spec, variables)
    template = target.get("template")
    if not isinstance(template, Mapping):
        return fetched
    if template.get("templateFrom"):
        return None
    template_data = template.get("data")
    template_keys = frozenset(
        substitute_name(str(key), variables)
        for key in (template_data if isinstance(template_data, Mapping) else {})
    )
    if not template_keys:
        return fetched  # an empty template falls back to the fetched data
    if template.get("mergePolicy") == "Merge":
        return None if fetched is None else template_keys | fetched
    return template_keys


def _fetched_keys(spec: Mapping[str, Any], variables: Mapping[str, str]) -> frozenset[str] | None:
    if spec.get("dataFrom"):
        return None
    data = spec.get("data")
    return frozenset(
        substitute_name(str(item["secretKey"]), variables)
        for item in (data if isinstance(data, list) else [])
        if isinstance(item, Mapping) and item.get("secretKey") is not None
    )


def _target_name(plain: Mapping[str, Any], variables: Mapping[str, str]) -> str | None:
    name = dig(plain, "spec", "target", "name") or dig(plain, "metadata", "name")
    return substitute_name(name, variables) if isinstance(name, str) else None


def _plain(document: YamlDocument) -> Mapping[str, Any]:
    plain = to_plain(document.data)
    return plain if isinstance(plain, Mapping) else {}


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
