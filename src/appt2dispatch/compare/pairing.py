"""Which old object is which new object, and which list item is which.

Objects pair by API group, kind, namespace and name (after the translator's
rename map). Lists with a Kubernetes merge key become `KeyedItems` maps so a
structural diff names items by key (`containers[app]`, `env[FOO]`) instead of
by position; other lists stay atomic values.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from appt2dispatch.compare.canonical import CLUSTER_SCOPED_KINDS, api_group
from appt2dispatch.models import ObjectKey


class KeyedItems(dict[str, Any]):
    """A list turned into a map by its merge key (the diff prints keys as `[key]`)."""


def _port_key(item: Mapping[str, Any]) -> str | None:
    number = item.get("containerPort", item.get("port"))
    if number is None:
        return None
    protocol = item.get("protocol", "TCP")
    return f"{number}" if protocol == "TCP" else f"{number}/{protocol}"


def _parent_ref_key(item: Mapping[str, Any]) -> str | None:
    if "name" not in item:
        return None
    key = f"{item.get('namespace', '')}/{item['name']}"
    if item.get("sectionName"):
        key += f"#{item['sectionName']}"
    if item.get("port") is not None:
        key += f":{item['port']}"
    return key


def _backend_ref_key(item: Mapping[str, Any]) -> str | None:
    if "name" not in item:
        return None
    kind = item.get("kind", "Service")
    prefix = "" if kind == "Service" else f"{kind}/"
    port = f":{item['port']}" if item.get("port") is not None else ""
    return f"{prefix}{item.get('namespace', '')}/{item['name']}{port}"


def _field(name: str) -> Callable[[Mapping[str, Any]], str | None]:
    def key_of(item: Mapping[str, Any]) -> str | None:
        value = item.get(name)
        return None if value is None else str(value)

    return key_of


def _claim_name(item: Mapping[str, Any]) -> str | None:
    metadata = item.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    return None if name is None else str(name)


# Field name -> how to key its items (Kubernetes' patch merge keys, plus route parts).
MERGE_KEYS: Mapping[str, Callable[[Mapping[str, Any]], str | None]] = {
    "containers": _field("name"),
    "initContainers": _field("name"),
    "ephemeralContainers": _field("name"),
    "env": _field("name"),
    "ports": _port_key,
    "volumeMounts": _field("mountPath"),
    "volumeDevices": _field("devicePath"),
    "volumes": _field("name"),
    "imagePullSecrets": _field("name"),
    "hostAliases": _field("ip"),
    "volumeClaimTemplates": _claim_name,
    "parentRefs": _parent_ref_key,
    "backendRefs": _backend_ref_key,
}
# Lists keyed by position: order matters, but their items are still worth naming.
INDEXED_LISTS = frozenset({"rules"})


def key_lists(value: Any, field: str | None = None) -> Any:
    """`value` with every merge-keyed list turned into `KeyedItems` (recursively)."""
    if isinstance(value, Mapping):
        return {key: key_lists(child, key) for key, child in value.items()}
    if not isinstance(value, list):
        return value
    items = [key_lists(item) for item in value]
    if field in INDEXED_LISTS and all(isinstance(item, Mapping) for item in items):
        return KeyedItems((str(index), item) for index, item in enumerate(items))
    key_of = MERGE_KEYS.get(field or "")
    if key_of is None or not all(isinstance(item, Mapping) for item in items):
        return items
    keys = [key_of(item) for item in items]
    if any(key is None for key in keys):
        return items
    # A duplicate key: the later item wins, as with a strategic merge.
    return KeyedItems((str(key), item) for key, item in zip(keys, items, strict=True))


def infer_namespace(objects: Iterable[Mapping[str, Any]]) -> str:
    """The release namespace: the one most objects name (charts may leave it implicit)."""
    counts: Counter[str] = Counter()
    for obj in objects:
        metadata = obj.get("metadata")
        namespace = metadata.get("namespace") if isinstance(metadata, Mapping) else None
        if isinstance(namespace, str) and namespace:
            counts[namespace] += 1
    if not counts:
        return ""
    best = max(counts.values())
    return sorted(name for name, count in counts.items() if count == best)[0]


def object_key(obj: Mapping[str, Any], default_namespace: str) -> ObjectKey:
    """The identity of a rendered object; a namespaced object without one gets the release's."""
    kind = str(obj.get("kind", ""))
    metadata = obj.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    namespace = (
        "" if kind in CLUSTER_SCOPED_KINDS else str(metadata.get("namespace") or default_namespace)
    )
    return ObjectKey(
        api_group(obj.get("apiVersion")), kind, namespace, str(metadata.get("name", ""))
    )


@dataclass(frozen=True)
class Pairing:
    """Old keys matched with new keys; what is left on either side."""

    pairs: tuple[tuple[ObjectKey, ObjectKey], ...]
    removed: tuple[ObjectKey, ...]
    added: tuple[ObjectKey, ...]


def pair_objects(
    old_keys: Sequence[ObjectKey],
    new_keys: Sequence[ObjectKey],
    rename_map: Mapping[ObjectKey, ObjectKey],
) -> Pairing:
    """Pair by identity, after renaming old keys the translator says were renamed."""
    new_set = set(new_keys)
    pairs: list[tuple[ObjectKey, ObjectKey]] = []
    removed: list[ObjectKey] = []
    matched: set[ObjectKey] = set()
    for old_key in old_keys:
        target = rename_map.get(old_key, old_key)
        if target in new_set and target not in matched:
            pairs.append((old_key, target))
            matched.add(target)
        else:
            removed.append(old_key)
    added = [key for key in new_keys if key not in matched]
    return Pairing(tuple(pairs), tuple(removed), tuple(added))


_PLAIN_SEGMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


def format_path(segments: Sequence[str], keyed: Sequence[bool]) -> str:
    """`spec.template.spec.containers[app].env[FOO].value`.

    A segment is a field (`.name`) unless it is an item key (`[key]`); a map key
    that is not a plain word (`reloader.stakater.com/auto`) is bracketed too.
    """
    parts: list[str] = []
    for segment, is_item in zip(segments, keyed, strict=True):
        if is_item or not _PLAIN_SEGMENT.match(segment):
            parts.append(f"[{segment}]")
        else:
            parts.append(f".{segment}" if parts else segment)
    return "".join(parts)
