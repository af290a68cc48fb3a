"""Record what the real app-template 4.1.1 chart renders for each case in fixtures/app-template.

Each case folder holds `helmrelease.yaml` (a Flux HelmRelease; its `spec.values`,
`metadata.name` and `metadata.namespace` are used). The golden `rendered.yaml` is
written beside it: the real chart (../shared/charts/app-template-4.1.1) through the
project's Helm engine (helm-python-sdk), kube version and API versions as in
`appt2dispatch.render.helm`. A case the chart rejects gets `error.txt` instead.

    .venv/bin/python scripts/record_app_template_goldens.py [CASE ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

from ruamel.yaml import YAML

from appt2dispatch.errors import RenderError
from appt2dispatch.render.helm import load_chart, render_chart

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "fixtures" / "app-template"
CHART = REPO.parent / "shared" / "charts" / "app-template-4.1.1"


def record(case: Path) -> str:
    release = YAML(typ="safe").load((case / "helmrelease.yaml").read_text(encoding="utf-8"))
    metadata = release["metadata"]
    values = release["spec"].get("values") or {}
    golden = case / "rendered.yaml"
    error = case / "error.txt"
    try:
        manifests = render_chart(
            load_chart(CHART),
            values,
            release_name=metadata["name"],
            namespace=metadata["namespace"],
        )
    except RenderError as exc:
        golden.unlink(missing_ok=True)
        error.write_text(f"{exc}\n", encoding="utf-8")
        return "chart error"
    error.unlink(missing_ok=True)
    blocks = [
        f"---\n# Source: {template}\n{text}"
        for template, text in sorted(manifests.items())
        if not template.endswith("NOTES.txt") and text.strip()
    ]
    golden.write_text("".join(blocks), encoding="utf-8")
    return "recorded"


def main(argv: list[str]) -> int:
    if not CHART.is_dir():
        print(f"no chart at {CHART}", file=sys.stderr)
        return 2
    names = argv or sorted(p.name for p in CASES.iterdir() if (p / "helmrelease.yaml").is_file())
    for name in names:
        print(f"{name}: {record(CASES / name)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
