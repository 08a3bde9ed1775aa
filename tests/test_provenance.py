"""The generated provenance section of data/README.md matches the curated files."""

from __future__ import annotations

import subprocess
import sys

import pytest

from regionmap.catalog import ROOT
from regionmap.provenance import (
    END,
    START,
    load_curated,
    provenance_markdown,
    replace_section,
    summarise,
)

README = ROOT / "data" / "README.md"


def test_readme_provenance_section_is_up_to_date():
    readme = README.read_text(encoding="utf-8")
    wanted = replace_section(readme, provenance_markdown(load_curated(ROOT / "data" / "curated")))
    assert readme == wanted, (
        "data/README.md provenance section is stale: run python scripts/provenance.py"
    )


def test_section_names_each_layer_and_every_encyclopedia_only_feature():
    layers = load_curated(ROOT / "data" / "curated")
    section = provenance_markdown(layers)
    for layer_id, curated in layers.items():
        assert f"| {layer_id} |" in section
        for fid, _, _ in summarise(layer_id, curated).encyclopedia_only:
            assert f"{layer_id} `{fid}`" in section


def test_every_encyclopedia_only_feature_gives_its_reason():
    for layer_id, curated in load_curated(ROOT / "data" / "curated").items():
        summary = summarise(layer_id, curated)
        missing = [fid for fid, _, reason in summary.encyclopedia_only if not reason]
        assert not missing, f"{layer_id}: give an encyclopedia_only_reason for {missing}"


def test_missing_markers_is_a_one_line_error():
    with pytest.raises(ValueError, match="lacks the markers"):
        replace_section("# Data\n", f"{START}\n{END}")


def test_check_mode_reports_current_and_exits_zero():
    result = subprocess.run(
        [sys.executable, "scripts/provenance.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "current" in result.stdout
