"""Compare two renders object by object and classify every difference."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from appt2dispatch.compare.canonical import PodFacts, SideFacts, canonicalise_object
from appt2dispatch.compare.classify import (
    PairContext,
    RenderIndex,
    classify_change,
    classify_removed,
    classify_renamed,
    selects_same_pods,
)
from appt2dispatch.compare.diffing import structural_changes
from appt2dispatch.compare.env import EnvComparison, compare_container_env, container_env
from appt2dispatch.compare.migration import judge_added_job, judge_skip_migrations
from appt2dispatch.compare.pairing import format_path, infer_namespace, object_key, pair_objects
from appt2dispatch.compare.spelling import normalise_int_or_string
from appt2dispatch.kube import CONTAINER_LISTS, POD_TEMPLATE_PATHS, plain_tree, pod_template
from appt2dispatch.models import (
    Finding,
    FindingClass,
    ObjectKey,
    Rendered,
    Translation,
    Verdict,
)

SECRET_PLACEHOLDER = "(secret data)"
# Most serious first: the order every report lists findings in.
FINDING_CLASSES: tuple[FindingClass, ...] = ("blocker", "behavior", "expected", "cosmetic")
EnvfromKeys = Mapping[str, frozenset[str] | None] | None


def compare_renders(
    old: Rendered, new: Rendered, translation: Translation | None = None
) -> tuple[Finding, ...]:
    """Every observable difference between the old and the new render, classified."""
    namespace = infer_namespace([*old.objects, *new.objects])
    old_objects = canonical_side(old.objects, namespace)
    new_objects = canonical_side(new.objects, namespace)
    rename_map = dict(translation.rename_map) if translation is not None else {}
    envfrom_keys: EnvfromKeys = dict(translation.envfrom_keys) if translation is not None else None
    pairing = pair_objects(list(old_objects), list(new_objects), rename_map)
    index = RenderIndex(old_objects, new_objects, rename_map, frozenset(pairing.added))
    findings: list[Finding] = []
    for old_key, new_key in pairing.pairs:
        if old_key != new_key:
            klass, message = classify_renamed(old_key, new_key)
            findings.append(
                Finding(klass, str(new_key), "metadata.name", old_key.name, new_key.name, message)
            )
        context = PairContext(new_key, old_objects[old_key], new_objects[new_key], index)
        findings.extend(compare_pair(context, envfrom_keys))
    for key in pairing.removed:
        klass, message = classify_removed(key, old_objects[key])
        findings.append(Finding(klass, str(key), "", "present", None, message))
    for key in pairing.added:
        klass, message = _classify_added(key, new_objects, envfrom_keys)
        findings.append(Finding(klass, str(key), "", None, "present", message))
    return tuple(order_findings(findings))


def order_findings(findings: Iterable[Finding]) -> list[Finding]:
    """By class (most serious first), then resource, then path."""
    rank = {klass: index for index, klass in enumerate(FINDING_CLASSES)}
    return sorted(findings, key=lambda f: (rank[f.klass], f.resource, f.path))


def decide_verdict(findings: Iterable[Finding]) -> Verdict:
    """blocked if any blocker; behavior-change if any behaviour finding; else no change."""
    classes = {finding.klass for finding in findings if not finding.suppressed}
    if "blocker" in classes:
        return "blocked"
    # Only what is known to be harmless is certified: a class the verdict does not know counts.
    if classes - {"expected", "cosmetic"}:
        return "behavior-change"
    return "no-behavior-change"


def canonical_side(
    objects: Iterable[Mapping[str, Any]], namespace: str
) -> dict[ObjectKey, dict[str, Any]]:
    """One render, canonicalised and indexed by identity."""
    objects = list(objects)
    facts = side_facts(objects, namespace)
    return {object_key(obj, namespace): canonicalise_object(obj, facts) for obj in objects}


def side_facts(objects: list[Mapping[str, Any]], namespace: str) -> SideFacts:
    automount: dict[str, bool] = {}
    pods: list[PodFacts] = []
    for obj in objects:
        if obj.get("kind") == "ServiceAccount" and isinstance(
            obj.get("automountServiceAccountToken"), bool
        ):
            name = str((obj.get("metadata") or {}).get("name", ""))
            automount[name] = obj["automountServiceAccountToken"]
        template = pod_template(obj)
        if template is None:
            continue
        labels = dict((template.get("metadata") or {}).get("labels") or {})
        named: dict[str, int] = {}
        for list_name in CONTAINER_LISTS:
            for container in (template.get("spec") or {}).get(list_name) or []:
                for port in container.get("ports") or []:
                    number = normalise_int_or_string(port.get("containerPort"))
                    if isinstance(port.get("name"), str) and isinstance(number, int):
                        named[port["name"]] = number
        pods.append(PodFacts(labels, named))
    return SideFacts(namespace, automount, tuple(pods))


def compare_pair(context: PairContext, envfrom_keys: EnvfromKeys) -> list[Finding]:
    """Findings for one object present on both sides."""
    # Canonical objects are plain trees: a plain copy (far cheaper than deepcopy) will do.
    old_object: dict[str, Any] = plain_tree(context.old_object)
    new_object: dict[str, Any] = plain_tree(context.new_object)
    for tree in (old_object, new_object):
        # Identity was settled by pairing (a rename has its own finding).
        tree.get("metadata", {}).pop("name", None)
        tree.get("metadata", {}).pop("namespace", None)
    findings = _compare_environments(context, old_object, new_object, envfrom_keys)
    changes = structural_changes(old_object, new_object)
    if context.key.kind == "Service" and not any(
        c.segments[:2] == ("spec", "selector") for c in changes
    ):
        findings.extend(_unchanged_selector_findings(context))
    for change in changes:
        klass, message = classify_change(change, context)
        old_value, new_value = change.old, change.new
        if context.key.kind == "Secret" and change.segments[0] in ("data", "stringData"):
            # A Secret's values never leave the comparison, masked or not.
            old_value = None if old_value is None else SECRET_PLACEHOLDER
            new_value = None if new_value is None else SECRET_PLACEHOLDER
        findings.append(
            Finding(klass, str(context.key), change.path, old_value, new_value, message)
        )
    return findings


def _unchanged_selector_findings(context: PairContext) -> list[Finding]:
    """Same selector, different pod labels: the Service may now pick other pods (or none)."""
    old_selector = (context.old_object.get("spec") or {}).get("selector")
    if not old_selector or selects_same_pods(context):
        return []
    return [
        Finding(
            "behavior",
            str(context.key),
            "spec.selector",
            old_selector,
            old_selector,
            "the selector is unchanged but the pod labels changed: the Service sends traffic "
            "to different pods (or none)",
        )
    ]


def _compare_environments(
    context: PairContext,
    old_object: dict[str, Any],
    new_object: dict[str, Any],
    envfrom_keys: EnvfromKeys,
) -> list[Finding]:
    """Compare env/envFrom of containers on both sides, and take them out of the trees.

    The structural diff then sees everything else; a container on one side only
    keeps its env and is reported whole.
    """
    template_path = POD_TEMPLATE_PATHS.get(context.key.kind)
    old_template, new_template = pod_template(old_object), pod_template(new_object)
    if template_path is None or old_template is None or new_template is None:
        return []
    findings: list[Finding] = []
    for list_name in CONTAINER_LISTS:
        old_containers = _by_name((old_template.get("spec") or {}).get(list_name))
        new_containers = _by_name((new_template.get("spec") or {}).get(list_name))
        for name in sorted(set(old_containers) & set(new_containers)):
            old_container, new_container = old_containers[name], new_containers[name]
            segments = [*template_path, "spec", list_name, name]
            comparison = EnvComparison(
                resource=str(context.key),
                container_path=format_path(segments, [False] * (len(segments) - 1) + [True]),
                envfrom_keys=envfrom_keys,
                skip_migrations=judge_skip_migrations(
                    new_container, context.index.new_objects, envfrom_keys
                ),
            )
            findings.extend(
                compare_container_env(
                    container_env(old_container), container_env(new_container), comparison
                )
            )
            for container in (old_container, new_container):
                container.pop("env", None)
                container.pop("envFrom", None)
    return findings


def _by_name(containers: object) -> dict[str, dict[str, Any]]:
    if not isinstance(containers, list):
        return {}
    return {str(c.get("name")): c for c in containers if isinstance(c, dict)}


def _classify_added(
    key: ObjectKey, new_objects: Mapping[ObjectKey, Mapping[str, Any]], envfrom_keys: EnvfromKeys
) -> tuple[Any, str]:
    if key.kind == "ServiceAccount" and key.group == "":
        return ("expected", "the chart creates a ServiceAccount for the pods")
    if key.kind == "Job" and key.group == "batch":
        return judge_added_job(key, new_objects, envfrom_keys)
    if key.kind == "HTTPRoute":
        return ("behavior", "new HTTPRoute: the app answers on new hosts")
    return ("behavior", f"new {key.kind}: Helm creates it")
