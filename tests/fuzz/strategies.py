"""Hypothesis strategies for HelmRelease-shaped input: valid, almost valid, and wrong.

Valid releases stay inside what the built-in app-template model renders and the
dispatch chart can carry (a dispatch container with env from the contract,
lanes, probes, resources, a Service and maybe an HTTPRoute), so the whole
pipeline has to produce a result for them. Almost-valid ones are valid releases
with one or two random mutations (a key removed, a node replaced by a value of
the wrong type, an unknown key added). Wrong ones are anything: random text,
random bytes, random YAML of any shape.
"""

from __future__ import annotations

import copy
import io
import json
import re
import string
from typing import Any

from hypothesis import strategies as st
from ruamel.yaml import YAML

NAMESPACE = "llm"
FLUX_API = "helm.toolkit.fluxcd.io/v2"
REPOSITORIES = ("ghcr.io/misospace/dispatch", "ghcr.io/misospace/mission-control")
DIGEST = "sha256:" + "0a" * 32

# Text the app-template model passes through untouched: no `{{` (the chart runs tpl on
# env values), no control characters (YAML cannot carry most of them plainly).
SAFE_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Co", "Cn"), blacklist_characters="{}"
    ),
    max_size=16,
)
NAME = st.from_regex(r"[a-z]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
ENV_NAME = st.from_regex(r"[A-Z][A-Z0-9_]{0,14}", fullmatch=True)
FLAG = st.one_of(st.booleans(), st.sampled_from(["true", "false", "True", "1", ""]))
INTERVAL = st.one_of(
    st.integers(min_value=0, max_value=2**40),
    st.sampled_from(["0", "900000", "86400000", "15m", "0900", " 5"]),
)
HEX_COLOR = st.from_regex(r"#[0-9a-f]{6}", fullmatch=True)

# What dispatch reads (reference/dispatch-env-contract.md), lanes apart.
CONTRACT: dict[str, st.SearchStrategy[Any]] = {
    "DISPATCH_AUTH_MODE": st.sampled_from(["basic", "oidc", "disabled", "legacy"]),
    "DISPATCH_EXCLUDED_LABELS": st.sampled_from(["renovate", "renovate, wontfix", "a,b", "a,"]),
    "DISPATCH_LLM_BASE_URL": st.one_of(
        SAFE_TEXT, st.just("http://litellm.llm:4000/v1"), st.just("https://api.example/v1")
    ),
    "DISPATCH_HOSTED_GROOMER_ENABLED": FLAG,
    "DISPATCH_GROOMER_MODEL": SAFE_TEXT,
    "DISPATCH_GROOMER_DRY_RUN": FLAG,
    "DISPATCH_GROOMER_REPO_CONTEXT_ENABLED": FLAG,
    "DISPATCH_SCHEDULER_ENABLED": FLAG,
    "DISPATCH_SYNC_INTERVAL_MS": INTERVAL,
    "DISPATCH_GROOMER_INTERVAL_MS": INTERVAL,
    "DISPATCH_PR_FOLLOWUP_INTERVAL_MS": INTERVAL,
    "DISPATCH_PRUNE_CLOSED_INTERVAL_MS": INTERVAL,
    "DISPATCH_RECONCILE_INTERVAL_MS": INTERVAL,
    "HOSTNAME": st.just("0.0.0.0"),
    "SKIP_DB_MIGRATIONS": st.sampled_from(["true", "false"]),
}
LANE_VAR = "DISPATCH_LANE_CONFIG_JSON"


@st.composite
def valid_lane_config(draw: st.DrawFn) -> dict[str, Any]:
    """A lane set dispatch's `validateLaneConfigSet` accepts."""
    ids = draw(st.lists(NAME, min_size=1, max_size=4, unique=True))
    claimable = [draw(st.booleans()) for _ in ids]
    claimable[draw(st.integers(0, len(ids) - 1))] = True
    roles_left = ["default", "escalation"]
    lanes: list[dict[str, Any]] = []
    for lane_id, is_claimable in zip(ids, claimable, strict=True):
        lane: dict[str, Any] = {
            "id": lane_id,
            "title": draw(SAFE_TEXT.filter(lambda text: text.strip() != "")),
            "claimable": is_claimable,
        }
        if is_claimable and roles_left and draw(st.booleans()):
            lane["role"] = roles_left.pop(draw(st.integers(0, len(roles_left) - 1)))
        if draw(st.booleans()):
            lane["description"] = draw(SAFE_TEXT)
        if draw(st.booleans()):
            lane["color"] = draw(HEX_COLOR)
        lanes.append(lane)
    config: dict[str, Any] = {"lanes": lanes}
    if draw(st.booleans()):
        aliases = draw(st.dictionaries(NAME, st.sampled_from(ids), max_size=3))
        config["laneAliases"] = aliases
    return config


INVALID_LANES = st.one_of(
    st.sampled_from(
        [
            "{not json",
            '{"lanes": []}',
            '{"lanes":[{"id":{"x":1},"title":"X","claimable":true}]}',
            '{"lanes":[{"id":"a","title":"A","claimable":"true"}]}',
            '{"lanes":[{"id":"a","title":"A","claimable":false}]}',
            "[]",
            "NaN",
        ]
    ),
    SAFE_TEXT,
)


@st.composite
def lanes_json(draw: st.DrawFn, *, valid: bool) -> str:
    if valid:
        config = draw(valid_lane_config())
        return json.dumps(config, ensure_ascii=draw(st.booleans()))
    return draw(INVALID_LANES)


@st.composite
def dispatch_env(draw: st.DrawFn, *, lanes_valid: bool = True) -> dict[str, Any]:
    """app-template's map form of env: contract variables, lanes, a database ref, extras."""
    env: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(sorted(CONTRACT)), unique=True, max_size=8)):
        env[name] = draw(CONTRACT[name])
    if draw(st.booleans()):
        env[LANE_VAR] = draw(lanes_json(valid=lanes_valid))
    if draw(st.booleans()):
        env["DATABASE_URL"] = {
            "valueFrom": {
                "secretKeyRef": {
                    "name": draw(st.sampled_from(["{{ .Release.Name }}-app", "dispatch-db"])),
                    "key": draw(st.sampled_from(["uri", "pgbouncer-uri"])),
                }
            }
        }
    for name in draw(st.lists(ENV_NAME, max_size=3)):
        env.setdefault(name, draw(SAFE_TEXT))
    return env


QUANTITY_CPU = st.sampled_from(["10m", "50m", "100m", "0.5", "1", 2])
QUANTITY_MEMORY = st.sampled_from(["64Mi", "256Mi", "512M", "1Gi"])


@st.composite
def resources(draw: st.DrawFn) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if draw(st.booleans()):
        result["requests"] = {"cpu": draw(QUANTITY_CPU), "memory": draw(QUANTITY_MEMORY)}
    if draw(st.booleans()):
        result["limits"] = {"memory": draw(QUANTITY_MEMORY)}
    return result


@st.composite
def probe(draw: st.DrawFn, port: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(["custom-http", "custom-tcp", "generated-http", "generated-tcp"]))
    timings = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "initialDelaySeconds": st.integers(0, 60),
                "periodSeconds": st.integers(1, 60),
                "failureThreshold": st.integers(1, 10),
                "timeoutSeconds": st.integers(1, 10),
            },
        )
    )
    path = draw(st.sampled_from(["/", "/healthz", "/api/health"]))
    if kind == "custom-http":
        spec = {"httpGet": {"path": path, "port": port}, **timings}
        return {"enabled": True, "custom": True, "spec": spec}
    if kind == "custom-tcp":
        return {"enabled": True, "custom": True, "spec": {"tcpSocket": {"port": port}, **timings}}
    generated: dict[str, Any] = {"enabled": draw(st.booleans()), "spec": timings}
    if kind == "generated-http":
        generated.update(type="HTTP", path=path)
    return generated


@st.composite
def valid_release(draw: st.DrawFn, *, lanes_valid: bool = True) -> dict[str, Any]:
    """A dispatch HelmRelease on app-template that the whole pipeline must handle."""
    name = draw(st.sampled_from(["dispatch", "mission-control", "dispatch-prod"]))
    port = draw(st.sampled_from([3000, 8080, 80]))
    container: dict[str, Any] = {
        "image": {
            "repository": draw(st.sampled_from(REPOSITORIES)),
            "tag": f"0.5.{draw(st.integers(3, 40))}" + draw(st.sampled_from(["", f"@{DIGEST}"])),
        },
        "env": draw(dispatch_env(lanes_valid=lanes_valid)),
    }
    # dispatch needs a database: DATABASE_URL, or a Secret that may provide it (without
    # one the pods' start-up migration and the chart's hook Job have nothing to compare).
    if draw(st.booleans()) or "DATABASE_URL" not in container["env"]:
        container["envFrom"] = [{"secretRef": {"name": draw(st.sampled_from([name, "dispatch"]))}}]
    if draw(st.booleans()):
        container["resources"] = draw(resources())
    probes = draw(
        st.dictionaries(st.sampled_from(["liveness", "readiness", "startup"]), probe(port))
    )
    if probes:
        container["probes"] = probes
    controller: dict[str, Any] = {"containers": {"app": container}}
    if draw(st.booleans()):
        controller["replicas"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        controller["annotations"] = {"reloader.stakater.com/auto": "true"}
    values: dict[str, Any] = {
        "controllers": {name: controller},
        "service": {"app": {"ports": {"http": {"port": port}}}},
    }
    if draw(st.booleans()):
        values["service"]["app"]["controller"] = name
    if draw(st.booleans()):
        values["route"] = {
            "app": {
                "hostnames": draw(
                    st.lists(
                        st.from_regex(r"[a-z]{1,8}\.example\.com", fullmatch=True),
                        min_size=1,
                        max_size=2,
                        unique=True,
                    )
                ),
                "parentRefs": [{"name": "envoy-internal", "namespace": "network"}],
                "rules": [
                    {"backendRefs": [{"identifier": "app", "port": port}]}
                    if draw(st.booleans())
                    else {"backendRefs": [{"name": name, "port": port}]}
                ],
            }
        }
    metadata: dict[str, Any] = {"name": name}
    if draw(st.booleans()):
        metadata["namespace"] = NAMESPACE
    return {
        "apiVersion": FLUX_API,
        "kind": "HelmRelease",
        "metadata": metadata,
        "spec": {
            "interval": "15m",
            "chartRef": {"kind": "OCIRepository", "name": name},
            "values": values,
        },
    }


# A value of any JSON shape, for wrong-type replacements and random documents.
ANY_VALUE = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63),
        st.floats(allow_nan=False, allow_infinity=False),
        SAFE_TEXT,
        st.sampled_from(["{{ .Release.Name }}", "${UNSET_VAR}", "~", "yes", "0x1f", "-", "*"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.one_of(SAFE_TEXT, ENV_NAME), children, max_size=3),
    ),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a node of `node` (the root excluded)."""
    found: list[tuple[Any, ...]] = []
    children: list[tuple[Any, Any]] = []
    if isinstance(node, dict):
        children = list(node.items())
    elif isinstance(node, list):
        children = list(enumerate(node))
    for key, child in children:
        found.append((*prefix, key))
        found.extend(_paths(child, (*prefix, key)))
    return found


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    node = document
    for key in path[:-1]:
        node = node[key]
    return node


@st.composite
def mutated(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    """`document` after one or two random mutations at random paths."""
    result = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 2))):
        paths = _paths(result)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(result, path)
        operation = draw(st.sampled_from(["delete", "replace", "add-key"]))
        if operation == "delete":
            del parent[path[-1]]
        elif operation == "replace":
            parent[path[-1]] = draw(ANY_VALUE)
        else:
            target = parent[path[-1]]
            if isinstance(target, dict):
                target[draw(st.one_of(NAME, ENV_NAME))] = draw(ANY_VALUE)
            else:
                parent[path[-1]] = {draw(NAME): target}
    return result


def almost_valid_release() -> st.SearchStrategy[dict[str, Any]]:
    return valid_release(lanes_valid=False).flatmap(mutated)


def dump_yaml(document: Any, *, flow: bool = False) -> str:
    """`document` as YAML text (block style, or flow style: JSON-like)."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    yaml.allow_unicode = True
    yaml.width = 4096
    stream = io.StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()


@st.composite
def release_text(draw: st.DrawFn, documents: st.SearchStrategy[Any]) -> str:
    document = draw(documents)
    style = draw(st.sampled_from(["block", "flow", "json"]))
    if style == "json":
        # Not ensure_ascii: a character above U+FFFF would become a surrogate-pair
        # escape, which go-yaml (and so Flux) rejects: not a valid release any more.
        return json.dumps(document, ensure_ascii=False)
    return dump_yaml(document, flow=style == "flow")


YAML_PUNCTUATION = st.sampled_from(
    [":", "- ", "&a ", "*a", "!!binary ", "? ", "|", ">", "---\n", "...\n", "\t", "'", '"', "%YAML"]
)
# Text that tends to look like YAML: keys, indentation, punctuation, HelmRelease words.
YAMLISH_TEXT = st.lists(
    st.one_of(
        YAML_PUNCTUATION,
        st.sampled_from(["apiVersion", "kind", "HelmRelease", "spec", "values", FLUX_API]),
        st.sampled_from(["\n", "  ", "\n  ", "\n    "]),
        st.text(alphabet=string.printable, max_size=6),
    ),
    max_size=40,
).map("".join)


@st.composite
def wrong_document(draw: st.DrawFn) -> Any:
    """A HelmRelease skeleton with random contents, or any YAML value at all."""
    if draw(st.booleans()):
        return draw(ANY_VALUE)
    return {
        "apiVersion": draw(st.sampled_from([FLUX_API, "helm.toolkit.fluxcd.io/v2beta1", "v1"])),
        "kind": "HelmRelease",
        "metadata": draw(st.one_of(ANY_VALUE, st.just({"name": "dispatch"}))),
        "spec": draw(st.one_of(ANY_VALUE, st.builds(dict, values=ANY_VALUE))),
    }


def wrong_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=200),
        YAMLISH_TEXT,
        release_text(wrong_document()),
    )


# YAML features real repositories use (issue 12). Each rewrites a block-style dump
# without changing what it means: a valid release must keep its verdict.
BIG_NUMBER_DOCUMENT = (
    "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  n: x\n"
    "big: " + "9" * 5000 + "\n"
)
YAML_FEATURES = ("merge-keys", "anchors", "comments", "tabs", "big-numbers", "crlf")


def with_yaml_features(text: str, features: frozenset[str]) -> str:
    """`text` (a block-style dump) rewritten with `features`, meaning unchanged."""
    if "merge-keys" in features:
        text = re.sub(
            r"^( *)kind: OCIRepository$",
            r"\1<<: &ref {kind: OCIRepository}",
            text,
            count=1,
            flags=re.M,
        )
        text = re.sub(r"^( *)repository: (\S+)$", r"\1<<: {repository: \2}", text, flags=re.M)
    if "anchors" in features:
        text = re.sub(r"^( *)interval: (\S+)$", r"\1interval: &every \2", text, count=1, flags=re.M)
    lines = text.split("\n")
    if "tabs" in features:  # after every value (and before the comment below)
        lines = [f"{line}\t" if line.strip() else line for line in lines]
    if "comments" in features:  # on every line, `values:` included
        lines = [f"{line}  # note" if line.strip() else line for line in lines]
    text = "\n".join(lines)
    if "big-numbers" in features:
        text += BIG_NUMBER_DOCUMENT
    if "crlf" in features:
        text = text.replace("\n", "\r\n")
    return text


@st.composite
def featured_release_text(draw: st.DrawFn) -> tuple[str, str]:
    """(plain block-style text, the same release with real-world YAML features)."""
    plain = dump_yaml(draw(valid_release()))
    features = frozenset(draw(st.sets(st.sampled_from(YAML_FEATURES), min_size=1)))
    return plain, with_yaml_features(plain, features)
