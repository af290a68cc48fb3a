"""load_release: Flux's view of one HelmRelease file (names, namespace, substitution, values)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from appt2dispatch.errors import InputError, ReleaseError
from appt2dispatch.load.release import load_release, release_ocirepository

HISTORY = "home-ops-history"
LAST = f"{HISTORY}/26-2026-07-02-dispatch-da5427f22.yaml"
TREE = "home-ops-tree-app-template-era"
TREE_RELEASE = "kubernetes/apps/base/llm/dispatch/helmrelease.yaml"


def helm_release(name: str = "dispatch", *, metadata: str = "", spec: str = "") -> str:
    return (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n"
        f"  name: {name}\n{metadata}spec:\n  chartRef:\n    kind: OCIRepository\n"
        f"    name: app-template\n{spec}"
    )


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def refused(path: Path, **kwargs: object) -> ReleaseError:
    with pytest.raises(ReleaseError) as caught:
        load_release(path, **kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(caught.value)
    return caught.value


# --- the real corpus -----------------------------------------------------------------------


def test_corpus_release_loads_with_its_own_ocirepository(corpus_dir: Path) -> None:
    release = load_release(corpus_dir / LAST, namespace="llm")
    assert (release.name, release.namespace, release.release_name) == (
        "dispatch",
        "llm",
        "dispatch",
    )
    assert release.chart_ref == {"kind": "OCIRepository", "name": "dispatch"}
    image = release.values["controllers"]["dispatch"]["containers"]["app"]["image"]
    assert image["repository"] == "ghcr.io/misospace/dispatch"
    env = release.values["controllers"]["dispatch"]["containers"]["app"]["env"]
    assert env["DISPATCH_GROOMER_DRY_RUN"] is False
    oci = release_ocirepository(release)
    assert oci is not None
    assert oci.path.name == "26-2026-07-02-dispatch-da5427f22.ocirepository.yaml"
    # The round-trip document is kept for rewriting, comments included.
    assert release.document.path == corpus_dir / LAST
    assert "yaml-language-server" in str(release.document.data.ca.comment)


def test_corpus_broken_file_is_an_input_error(corpus_dir: Path) -> None:
    with pytest.raises(InputError, match=r":25:45: invalid YAML"):
        load_release(corpus_dir / HISTORY / "02-2026-06-21-openclaw-dispatch-3c4767809.yaml")


def test_tree_release_gets_its_flux_kustomization_substitutions(corpus_dir: Path) -> None:
    root = corpus_dir / TREE
    release = load_release(root / TREE_RELEASE, tree_root=root)
    # APP from its own postBuild; CLUSTER and SECRET_DOMAIN from the parent
    # cluster-apps, whose spec.patches add them to every child and substitute them.
    assert release.substitutions == {
        "APP": "dispatch",
        "CLUSTER": "main",
        "SECRET_DOMAIN": "jory.dev",
    }
    assert release.namespace == "llm"
    assert [note.message for note in release.provenance] == [
        "namespace llm: kubernetes/apps/main/llm/kustomization.yaml (namespace) via replacements"
        " kubernetes/components/replacements/ks.yaml",
        # cluster-apps' spec.patches give every child a HelmRelease patch (install/upgrade
        # settings): applied by Flux, it changes nothing that is rendered.
        "Flux Kustomization dispatch (kubernetes/apps/main/llm/dispatch.yaml:3) patches this"
        " HelmRelease (spec.install, spec.rollback, spec.timeout, spec.upgrade): how Helm"
        " runs, not what it renders",
    ]
    kinds = [(sibling.kind, sibling.name) for sibling in release.siblings]
    assert kinds[0] == ("OCIRepository", "dispatch")
    assert ("ExternalSecret", "dispatch") in kinds
    oci = release_ocirepository(release)
    assert (
        oci is not None
        and oci.path == root / "kubernetes/apps/base/llm/dispatch/ocirepository.yaml"
    )


# --- choosing the HelmRelease -----------------------------------------------------------------


def test_no_helm_release(tmp_path: Path) -> None:
    path = write(tmp_path, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    assert refused(path).message == f"no HelmRelease in {path}"


def test_several_helm_releases_ask_for_a_name(tmp_path: Path) -> None:
    path = write(tmp_path, "two.yaml", helm_release("one") + "---\n" + helm_release("two"))
    error = refused(path, namespace="llm")
    assert "2 HelmReleases" in error.message and "(one, two)" in error.message
    assert "pick one by name" in error.message
    assert load_release(path, namespace="llm", release="two").name == "two"
    assert "no HelmRelease named 'three'" in refused(path, release="three").message


def test_flux_v1_helm_release_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "old.yaml", "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\n")
    assert "apiVersion helm.fluxcd.io/v1" in refused(path).message


def test_stdin_text(tmp_path: Path) -> None:
    release = load_release(Path("<stdin>"), text=helm_release("piped"), namespace="llm")
    assert release.name == "piped"
    assert release.siblings == ()


# --- names and namespaces ----------------------------------------------------------------------


def test_release_name_rules(tmp_path: Path) -> None:
    plain = write(tmp_path / "a", "hr.yaml", helm_release(metadata="  namespace: apps\n"))
    assert load_release(plain).release_name == "dispatch"
    targeted = write(tmp_path / "b", "hr.yaml", helm_release(spec="  targetNamespace: llm\n"))
    loaded = load_release(targeted)
    assert (loaded.namespace, loaded.release_name) == ("llm", "llm-dispatch")
    explicit = write(tmp_path / "c", "hr.yaml", helm_release(spec="  releaseName: mc\n"))
    assert load_release(explicit, namespace="x").release_name == "mc"


def test_namespace_precedence(tmp_path: Path) -> None:
    both = helm_release(metadata="  namespace: meta\n", spec="  targetNamespace: target\n")
    assert load_release(write(tmp_path / "a", "hr.yaml", both)).namespace == "target"
    meta = helm_release(metadata="  namespace: meta\n")
    assert load_release(write(tmp_path / "b", "hr.yaml", meta)).namespace == "meta"
    bare = write(tmp_path / "c", "hr.yaml", helm_release())
    assert load_release(bare, namespace="arg").namespace == "arg"
    error = refused(bare)
    assert "--namespace" in error.message
    assert error.location is not None and error.location.line == 1


def test_kustomize_namespace_overrides_metadata(tmp_path: Path) -> None:
    directory = tmp_path / "app"
    write(directory, "hr.yaml", helm_release(metadata="  namespace: meta\n"))
    write(
        directory,
        "kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: kns\n"
        "resources: [./hr.yaml]\n",
    )
    assert load_release(directory / "hr.yaml").namespace == "kns"


def test_given_namespace_overrides_what_the_repository_states(tmp_path: Path) -> None:
    both = helm_release(metadata="  namespace: meta\n", spec="  targetNamespace: target\n")
    loaded = load_release(write(tmp_path, "hr.yaml", both), namespace="arg")
    assert loaded.namespace == "arg"
    (origin,) = [note for note in loaded.provenance if note.message.startswith("namespace ")]
    assert origin.level == "warning"
    assert "--namespace, overriding target" in origin.message
    assert "spec.targetNamespace" in origin.message


def test_given_namespace_that_agrees_is_not_a_warning(tmp_path: Path) -> None:
    meta = helm_release(metadata="  namespace: meta\n")
    loaded = load_release(write(tmp_path, "hr.yaml", meta), namespace="meta")
    (origin,) = [note for note in loaded.provenance if note.message.startswith("namespace ")]
    assert origin.level == "info"
    assert "as the repository states" in origin.message


def test_flux_kustomization_target_namespace_in_a_tree(tmp_path: Path) -> None:
    write(tmp_path, "apps/dispatch/hr.yaml", helm_release())
    write(
        tmp_path,
        "clusters/dispatch.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: d}\n"
        "spec:\n  path: ./apps/dispatch\n  targetNamespace: from-flux\n",
    )
    release = load_release(tmp_path / "apps/dispatch/hr.yaml", tree_root=tmp_path)
    assert release.namespace == "from-flux"
    assert release.substitutions == {}  # no postBuild: Flux substitutes nothing


def test_path_outside_the_tree_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "elsewhere", "hr.yaml", helm_release())
    (tmp_path / "tree").mkdir()
    assert "is not inside the tree" in refused(path, tree_root=tmp_path / "tree").message


# --- substitution ------------------------------------------------------------------------------


SUBSTITUTED = helm_release(
    "${APP}",
    spec=(
        "  values:\n"
        "    # ${IN_A_COMMENT} is not substituted: kustomize output has no comments\n"
        "    host: ${APP}.${DOMAIN:=example.com}\n"
        "    literal: $${NOT_A_VARIABLE}\n"
        "    replicas: ${REPLICAS}\n"
        '    quoted: "${REPLICAS}"\n'
        "    shell: echo $HOME\n"
    ),
)


def test_substitution_from_arguments(tmp_path: Path) -> None:
    path = write(tmp_path, "hr.yaml", SUBSTITUTED)
    release = load_release(
        path, namespace="llm", substitutions={"APP": "dispatch", "REPLICAS": "2"}
    )
    assert release.name == "dispatch"
    assert release.values == {
        "host": "dispatch.example.com",
        "literal": "${NOT_A_VARIABLE}",
        "replicas": 2,
        "quoted": "2",
        "shell": "echo $HOME",
    }
    assert release.substitutions == {"APP": "dispatch", "REPLICAS": "2"}
    # The round-trip document stays as written, for rewriting.
    assert release.document.data["metadata"]["name"] == "${APP}"


def test_unresolved_variable_names_it_and_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "hr.yaml", SUBSTITUTED)
    error = refused(path, namespace="llm", substitutions={"APP": "dispatch"})
    assert error.message == (
        "postBuild variable REPLICAS has no value: no --substitute value, and no Flux"
        " Kustomization in view; pass --substitute REPLICAS=VALUE"
    )
    assert error.location is not None
    assert (error.location.path, error.location.line, error.location.column) == (str(path), 13, 15)


def test_substitution_can_be_disabled_per_object(tmp_path: Path) -> None:
    text = helm_release(
        metadata="  labels:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n",
        spec="  values:\n    script: echo ${HOME}\n",
    )
    release = load_release(write(tmp_path, "hr.yaml", text), namespace="llm")
    assert release.values == {"script": "echo ${HOME}"}


def test_variable_of_a_parent_kustomization_is_taken_from_it(
    corpus_dir: Path, tmp_path: Path
) -> None:
    shutil.copytree(corpus_dir / TREE, tmp_path, dirs_exist_ok=True)
    bridge = tmp_path / "kubernetes/apps/base/llm/dispatch/foreman-dispatch-bridge/helmrelease.yaml"
    bridge.write_text(bridge.read_text().replace("FOREMAN_NAMESPACE: llm", "CLUSTER: ${CLUSTER}"))
    # dispatch.yaml sets CLUSTER: ${CLUSTER}; cluster-apps (clusters/main/apps.yaml)
    # patches it into every child and substitutes CLUSTER: main.
    release = load_release(bridge, tree_root=tmp_path)
    env = release.values["controllers"]["foreman-dispatch-bridge"]["containers"]["app"]["env"]
    assert env["CLUSTER"] == "main"
    assert release.substitutions["APP"] == "foreman-dispatch-bridge"
    (variables,) = [n.message for n in release.provenance if n.message.startswith("postBuild")]
    assert "CLUSTER='main' from Flux Kustomization cluster-apps" in variables
    assert "spec.patches[0]" in variables


def test_unknown_variable_of_a_parent_kustomization_is_explained(
    corpus_dir: Path, tmp_path: Path
) -> None:
    shutil.copytree(corpus_dir / TREE, tmp_path, dirs_exist_ok=True)
    (tmp_path / "kubernetes/clusters/main/apps.yaml").unlink()  # the parent leaves the tree
    bridge = tmp_path / "kubernetes/apps/base/llm/dispatch/foreman-dispatch-bridge/helmrelease.yaml"
    bridge.write_text(bridge.read_text().replace("FOREMAN_NAMESPACE: llm", "CLUSTER: ${CLUSTER}"))
    error = refused(bridge, namespace="llm", tree_root=tmp_path)
    assert "postBuild variable CLUSTER has no value" in error.message
    assert "a parent Flux Kustomization not in the tree" in error.message
    substituted = load_release(
        bridge, namespace="llm", tree_root=tmp_path, substitutions={"CLUSTER": "main"}
    )
    env = substituted.values["controllers"]["foreman-dispatch-bridge"]["containers"]["app"]["env"]
    assert env["CLUSTER"] == "main"
    assert substituted.substitutions["APP"] == "foreman-dispatch-bridge"
    assert "CLUSTER='main' from --substitute" in substituted.provenance[-1].message


def test_substitute_from_config_map_in_the_tree(tmp_path: Path) -> None:
    write(tmp_path, "apps/x/hr.yaml", helm_release(spec="  values:\n    domain: ${DOMAIN}\n"))
    write(
        tmp_path,
        "flux/vars.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-settings}\n"
        "data:\n  DOMAIN: example.org\n",
    )
    write(
        tmp_path,
        "flux/x.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: x}\n"
        "spec:\n  path: ./apps/x\n  postBuild:\n    substituteFrom:\n"
        "      - {kind: ConfigMap, name: cluster-settings}\n"
        "      - {kind: Secret, name: cluster-secrets, optional: true}\n",
    )
    release = load_release(tmp_path / "apps/x/hr.yaml", namespace="n", tree_root=tmp_path)
    assert release.values == {"domain": "example.org"}


def test_unset_variable_names_the_substitute_from_sources_not_in_the_tree(tmp_path: Path) -> None:
    write(tmp_path, "apps/x/hr.yaml", helm_release(spec="  values:\n    host: ${SECRET_DOMAIN}\n"))
    write(
        tmp_path,
        "flux/x.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: x}\n"
        "spec:\n  path: ./apps/x\n  postBuild:\n    substitute: {APP: x}\n"
        "    substituteFrom:\n      - {kind: Secret, name: cluster-secrets}\n",
    )
    error = refused(tmp_path / "apps/x/hr.yaml", namespace="n", tree_root=tmp_path)
    kustomization = tmp_path / "flux/x.yaml"
    assert error.message.startswith(
        f"postBuild variable SECRET_DOMAIN has no value: Flux Kustomization x ({kustomization}:"
    )
    assert (
        "it may come from Secret cluster-secrets (postBuild.substituteFrom, not in the tree)"
        in (error.message)
    )


# --- values ------------------------------------------------------------------------------------


def test_values_not_a_mapping_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, "hr.yaml", helm_release(spec="  interval: 5m\n  values:\n    - a\n"))
    error = refused(path, namespace="llm")
    assert error.message == "spec.values must be a mapping, not a list"
    assert error.location is not None and error.location.line == 10


def test_absent_values_are_empty(tmp_path: Path) -> None:
    assert load_release(write(tmp_path, "hr.yaml", helm_release()), namespace="x").values == {}


def test_values_from_beside_the_release(tmp_path: Path) -> None:
    spec = (
        "  valuesFrom:\n    - {kind: ConfigMap, name: same-file}\n"
        "    - {kind: Secret, name: same-dir, targetPath: auth.token}\n"
        "  values:\n    fromInline: true\n"
    )
    same_file = (
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: same-file}\n"
        "data:\n  values.yaml: |\n    fromConfigMap: 1\n"
    )
    write(tmp_path, "hr.yaml", helm_release(spec=spec) + same_file)
    write(
        tmp_path,
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: same-dir}\nstringData:\n"
        "  values.yaml: s3cr3t\n",
    )
    release = load_release(tmp_path / "hr.yaml", namespace="x")
    assert release.values == {"fromConfigMap": 1, "auth": {"token": "s3cr3t"}, "fromInline": True}
    assert {sibling.kind for sibling in release.siblings} == {"ConfigMap", "Secret"}


def test_values_from_missing_source(tmp_path: Path) -> None:
    spec = "  valuesFrom:\n    - kind: Secret\n      name: nowhere\n"
    error = refused(write(tmp_path, "hr.yaml", helm_release(spec=spec)), namespace="x")
    assert "Secret nowhere is not beside the release" in error.message
    assert error.location is not None and error.location.line == 9
