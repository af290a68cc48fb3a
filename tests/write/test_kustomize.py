from __future__ import annotations

import pytest

from appt2dispatch.errors import InputError
from appt2dispatch.write.kustomize import add_resources

ORIGINAL = """---
# keep this comment
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ./externalsecret.yaml  # the secret
  - "./helmrelease.yaml"
"""


def test_appends_a_new_resource_and_keeps_comments_and_quotes() -> None:
    updated = add_resources(ORIGINAL, ["./ocirepository.yaml"], source="k.yaml")
    assert updated == ORIGINAL + "  - ./ocirepository.yaml\n"


def test_already_listed_in_another_spelling_is_a_no_op() -> None:
    assert add_resources(ORIGINAL, ["externalsecret.yaml"], source="k.yaml") == ORIGINAL


def test_creates_the_list_when_missing() -> None:
    text = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
    updated = add_resources(text, ["./ocirepository.yaml"], source="k.yaml")
    assert updated.endswith("resources:\n  - ./ocirepository.yaml\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("resources: {a: 1}\n", "not a list"),
        ("- a\n", "not a kustomization"),
        ("a: [\n", "invalid"),
    ],
)
def test_bad_kustomization_is_an_input_error(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        add_resources(text, ["./x.yaml"], source="k.yaml")


def test_only_the_extended_list_changes() -> None:
    """Issue 12 item 11: other keys keep their indentation; a trailing comment stays last."""
    text = (
        "apiVersion: kustomize.config.k8s.io/v1beta1\n"
        "kind: Kustomization\n"
        "labels:\n"
        "- pairs:\n"
        "    app: dispatch\n"
        "resources:\n"
        "- ./helmrelease.yaml   # the release\n"
        "# - ./disabled.yaml\n"
        "components:\n"
        "    - ../../components/common\n"
    )
    updated = add_resources(text, ["./ocirepository.yaml"], source="k.yaml")
    assert updated == text.replace("# the release\n", "# the release\n- ./ocirepository.yaml\n")


def test_crlf_kustomization_stays_crlf() -> None:
    text = ORIGINAL.replace("\n", "\r\n")
    updated = add_resources(text, ["./ocirepository.yaml"], source="k.yaml")
    assert updated == text + "  - ./ocirepository.yaml\r\n"


def test_a_flow_list_is_extended() -> None:
    updated = add_resources("resources: [./a.yaml]\n", ["./b.yaml"], source="k.yaml")
    assert updated == "resources: [./a.yaml, ./b.yaml]\n"
