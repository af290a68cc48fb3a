"""`spec_paths`, the event-level probe the Flux Kustomization lookup trusts to skip
files: it must never say a spec.path that the full parse would not find, and must
say "cannot tell" (None) whenever it cannot be sure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from appt2dispatch.errors import InputError
from appt2dispatch.kube import dig
from appt2dispatch.load.quickload import scan_documents, spec_paths

KS = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: a\n"


def full_parse(text: str) -> list[Any]:
    """What the index finds: spec.path of each Kustomization document (None: absent)."""
    return [
        dig(doc.data, "spec", "path")
        for doc in scan_documents(text, source="t.yaml")
        if isinstance(doc.data, dict) and doc.data.get("kind") == "Kustomization"
    ]


def assert_sound(text: str) -> list[Any] | None:
    """Every spec.path the full parse finds is among what the probe says (it may say
    more: a path it stops at before learning the kind, or one the parse rejects)."""
    found = spec_paths(text)
    if found is None:
        return None
    try:
        paths = full_parse(text)
    except InputError:
        return found
    assert all(path in found for path in paths), (found, paths)
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (KS + "spec:\n  interval: 1h\n  path: ./apps\n  prune: true\n", ["./apps"]),
        (KS + "spec:\n  interval: 1h\n", [None]),
        (KS + "spec: {path: './x', prune: true}\n", ["./x"]),
        (KS + "spec:\n  path: ~\n", [None]),
        (KS + "spec:\n  path: 5\n", [5]),
        (KS + "spec:\n  patches:\n    - path: /spec/x\n  path: ./real\n", ["./real"]),
        (KS + "spec:\n  patches: [{patch: 'path: ./nope'}]\n", [None]),
        ("kind: ConfigMap\nmetadata: {}\n", []),
        (f"---\n{KS}spec:\n  path: ./a\n---\n{KS}spec:\n  path: ./b\n...\n", ["./a", "./b"]),
        (f"{KS}spec:\n  path: ./a\n---\nkind: Secret\n---\n{KS}spec: {{}}\n", ["./a", None]),
        # An explicit key wins over a merged one; a merged kind is read as written.
        (KS + "x: &m {path: ./m}\nspec:\n  <<: *m\n  path: ./own\n", ["./own"]),
        ("x: &k {kind: Kustomization}\n<<: *k\nspec:\n  interval: 1h\n", [None]),
        # The whole spec as a scalar: no path (Flux applies the root).
        (KS + "spec: nothing\n", [None]),
        ("- kind: Kustomization\n", []),
        # Said before the kind is known, or before the error: the full parse decides.
        ("spec:\n  path: ./before\nkind: ConfigMap\n", ["./before"]),
        ("kind: Kustomization\nspec: {path: ./x\n", ["./x"]),
    ],
)
def test_the_probe_says_every_path_the_full_parse_finds(text: str, expected: list[Any]) -> None:
    assert assert_sound(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        KS + "x: &p ./aliased\nspec:\n  path: *p\n",  # an alias
        KS + "x: &s {path: ./s}\nspec: *s\n",
        KS + "x: &m {path: ./m}\nspec:\n  <<: *m\n",  # a merged path
        "x: &r {spec: {path: ./r}}\n<<: *r\nkind: Kustomization\n",  # a merged spec
        KS + "spec:\n  ? [complex]\n  : key\n",
        KS + "spec:\n  path: [a, b]\n",
        "kind: Kustomization\nspec: {interval: [unclosed\n",  # broken before any path
        # A document after "..." without "---": libyaml refuses what ruamel reads.
        f"{KS}spec:\n  path: ./a\n...\n{KS}spec:\n  path: ./c\n",
    ],
)
def test_what_it_cannot_be_sure_of_is_left_to_the_full_parse(text: str) -> None:
    assert spec_paths(text) is None


def test_a_directive_reads_the_text_whole() -> None:
    text = f"%YAML 1.2\n---\n{KS}spec:\n  path: ./d\n"
    assert assert_sound(text) == ["./d"]


def test_every_flux_file_of_the_real_trees_probes_as_it_parses(corpus_dir: Path) -> None:
    files = [
        path
        for tree in sorted(corpus_dir.glob("home-ops-tree-*"))
        for path in sorted(tree.rglob("*.yaml"))
        if "kustomize.toolkit.fluxcd.io" in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert len(files) > 300
    probed = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        found = assert_sound(text)
        if found is not None:
            probed += 1
            assert found == full_parse(text), path  # exact on real files
    assert probed > 300
