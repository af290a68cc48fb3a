"""Multi-document manifest text <-> parsed objects (both sides use this)."""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from appt2dispatch.errors import InputError
from appt2dispatch.kube import plain_tree
from appt2dispatch.models import Rendered, SourceLocation

if TYPE_CHECKING:
    from ruamel.yaml import YAML


@cache
def manifest_yaml() -> YAML:
    """A safe loader that reads manifests as Kubernetes (go-yaml) does.

    Helm's `toYaml` leaves a string unquoted whenever go-yaml would read it back as
    a string; ruamel disagrees on a few: a plain `=` (YAML 1.1's `value` tag) and a
    plain `<<` outside a key (the merge tag) it cannot construct, and a float that
    overflows (`1e400`) it reads as infinity where go-yaml keeps the string.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import SafeConstructor

    class ManifestConstructor(SafeConstructor):
        def construct_overflow_as_str(self, node: Any) -> Any:
            value = self.construct_yaml_float(node)
            spelled_infinite = node.value.lstrip("+-").lower() in (".inf", ".nan")
            if math.isfinite(value) or spelled_infinite:
                return value
            return str(node.value)

    for tag in ("tag:yaml.org,2002:value", "tag:yaml.org,2002:merge"):
        ManifestConstructor.add_constructor(tag, SafeConstructor.construct_yaml_str)
    ManifestConstructor.add_constructor(
        "tag:yaml.org,2002:float", ManifestConstructor.construct_overflow_as_str
    )
    # libyaml parses (ruamel.yaml.clib; ruamel falls back to Python without it),
    # the constructor above builds the values.
    yaml = YAML(typ="safe", pure=False)
    yaml.Constructor = ManifestConstructor
    return yaml


def parse_manifests(text: str, *, source: str) -> tuple[dict[str, Any], ...]:
    """Parse `helm template`/`helm get manifest` output; empty documents are skipped."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    from appt2dispatch.load.guards import check_depth, check_expansion
    from appt2dispatch.load.yamlio import check_text

    # Given manifests are user input too: the load stage's size, binary, depth and
    # alias-bomb limits apply before and after parsing.
    text = check_text(text, source)
    check_depth(text, source)
    try:
        documents = list(manifest_yaml().load_all(text))
    except RecursionError:
        raise InputError(
            "invalid YAML in manifests: nesting too deep", SourceLocation(source)
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = (
            SourceLocation(source, mark.line + 1, mark.column + 1)
            if mark is not None
            else SourceLocation(source)
        )
        raise InputError(f"invalid YAML in manifests: {exc.problem or exc}", location) from exc
    except YAMLError as exc:
        raise InputError(f"invalid YAML in manifests: {exc}", SourceLocation(source)) from exc
    objects: list[dict[str, Any]] = []
    for index, document in enumerate(documents):
        if document is None:
            continue
        check_expansion(document, source)
        if not isinstance(document, dict) or "kind" not in document:
            raise InputError(
                f"document {index + 1} is not a Kubernetes object", SourceLocation(source)
            )
        objects.append(document)
    return tuple(objects)


def dump_objects(objects: Iterable[Mapping[str, Any]]) -> str:
    """Objects as multi-document YAML, each starting with `---`."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.width = 4096
    buffer = io.StringIO()
    for obj in objects:
        buffer.write("---\n")
        yaml.dump(plain_tree(obj), buffer)
    return buffer.getvalue()


def dump_manifests(rendered: Rendered) -> str:
    """One side's manifests with a header saying what rendered them."""
    header = f"# Rendered by: {rendered.renderer}\n"
    notes = "".join(f"# Note: {note}\n" for note in rendered.notes)
    return header + notes + dump_objects(rendered.objects)
