"""The `regionmap` command line, through its real console entry point."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import CORPUS, snapshot

from regionmap.cli import cli

runner = CliRunner()
ADD = [
    "--title",
    "Test layer",
    "--license",
    "CC0-1.0",
    "--source-title",
    "A source",
    "--source-url",
    "https://example.org/a",
]


def run(*args: str, env: dict | None = None):
    return runner.invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_commands_have_help(name):
    result = run(name, "-h")
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and "regionmap" in result.output


def test_validate_shipped_catalog_passes():
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert "error" not in result.output.lower()


def test_layers_lists_shipped_layers():
    result = run("layers")
    assert result.exit_code == 0, result.output
    assert "ID" in result.output and " ok" in result.output


def test_regions_lists_presets():
    result = run("regions")
    assert result.exit_code == 0
    for name in ("world", "indo-pacific", "japan", "korean-peninsula", "hawaii", "white-sea"):
        assert name in result.output


def test_add_then_validate_and_list(tmp_path):
    catalog = tmp_path / "mine"
    result = run(
        "add",
        str(CORPUS / "valid-unicode-names.geojson"),
        "--id",
        "okinawa",
        *ADD,
        "--catalog",
        str(catalog),
    )
    assert result.exit_code == 0, result.output
    assert "Added layer 'okinawa': 1 features" in result.output
    written = json.loads((catalog / "data" / "okinawa.geojson").read_text(encoding="utf-8"))
    assert written["features"][0]["properties"]["name"] == "沖縄"
    result = run("validate", "okinawa", env={"REGIONMAP_CATALOG": str(catalog)})
    assert result.exit_code == 0, result.output
    result = run("layers", "--catalog", str(catalog))
    assert "okinawa" in result.output and "Test layer" in result.output


def test_add_refuses_existing_id_without_force(tmp_path):
    catalog = tmp_path / "mine"
    args = [
        "add",
        str(CORPUS / "valid-point.geojson"),
        "--id",
        "tokyo",
        *ADD,
        "--catalog",
        str(catalog),
    ]
    assert run(*args).exit_code == 0
    before = snapshot(catalog)
    result = run(*args)
    assert result.exit_code == 1
    assert "already exists" in result.output and "--force" in result.output
    assert snapshot(catalog) == before
    assert run(*args, "--force").exit_code == 0


def test_add_refuses_builtin_id(tmp_path):
    result = run(
        "add",
        str(CORPUS / "valid-point.geojson"),
        "--id",
        "countries",
        *ADD,
        "--catalog",
        str(tmp_path / "mine"),
    )
    assert result.exit_code == 1 and "already exists" in result.output


@pytest.mark.parametrize(
    ("file", "extra", "message"),
    [
        ("longitude-200.geojson", [], "longitude 200 outside ±180"),
        ("ring-unclosed.geojson", [], "ring that is not closed"),
        ("json-truncated.geojson", [], "json-truncated.geojson:2:"),
        ("valid-point.geojson", ["--license", "NA"], "placeholder, not a licence"),
        ("valid-point.geojson", ["--source-url", "javascript:alert(1)"], "not an http(s) link"),
    ],
)
def test_failed_add_leaves_catalog_unchanged(copy_builtin, file, extra, message):
    before = snapshot(copy_builtin)
    result = run(
        "add", str(CORPUS / file), "--id", "new-layer", *ADD, *extra, "--catalog", str(copy_builtin)
    )
    assert result.exit_code == 1
    assert message in result.output
    assert "nothing was written" in result.output
    assert "Traceback" not in result.output
    assert snapshot(copy_builtin) == before


@pytest.mark.parametrize("bad_id", ["../escape", "Upper", "a/b", "with space", "-x", "a" * 65])
def test_add_rejects_ids_that_could_escape(tmp_path, bad_id):
    catalog = tmp_path / "mine"
    result = run(
        "add", str(CORPUS / "valid-point.geojson"), "--id", bad_id, *ADD, "--catalog", str(catalog)
    )
    assert result.exit_code == 1 and "kebab-case" in result.output
    assert not catalog.exists() or not any(catalog.rglob("*.geojson"))


def test_usage_errors_exit_2():
    assert run("add").exit_code == 2
    assert run("validate", "no-such-layer").exit_code == 2
    assert run("no-such-command").exit_code == 2


def test_validate_reports_broken_layer_and_exits_1(copy_builtin):
    (copy_builtin / "layers" / "broken.yaml").write_text(
        "id: broken\ntitle: Broken\nlicense: CC0-1.0\ndata: ../data/missing.geojson\nsources: []\n",
        encoding="utf-8",
    )
    result = run("validate", "--catalog", str(copy_builtin))
    assert result.exit_code == 1
    assert "broken.yaml" in result.output and "'sources'" in result.output
    result = run("layers", "--catalog", str(copy_builtin))
    assert result.exit_code == 0 and "broken" in result.output and "problem" in result.output


def test_console_script_is_installed():
    exe = shutil.which("regionmap")
    assert exe, "pip install -e . should install the regionmap console script"


def test_add_layers_export_in_either_store(catalog_spec, tmp_path):
    added = run(
        "add", str(CORPUS / "valid-point.geojson"), "--id", "tokyo", *ADD, "--catalog", catalog_spec
    )
    assert added.exit_code == 0, added.output
    env = {"REGIONMAP_CATALOG": catalog_spec}
    listed = run("layers", env=env)
    assert "tokyo" in listed.output and "Test layer" in listed.output
    out = tmp_path / "tokyo.pdf"
    exported = run("export", "--region", "japan", "--layers", "tokyo", "--out", str(out), env=env)
    assert exported.exit_code == 0, exported.output
    assert "1 feature(s), 1 source(s)" in exported.output  # Tokyo, from either store
    assert out.read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob("postgres*"))
