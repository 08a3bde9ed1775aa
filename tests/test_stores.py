"""The same commands and the same messages against both catalog stores (folder, PostGIS).

``catalog_spec`` (conftest) runs each test on a fresh temporary folder and on a fresh
schema of the test PostGIS database.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPUS

from regionmap.cli import cli
from regionmap.stores import open_catalog

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


def contents(spec: str) -> object:
    """Everything a store holds, to prove a refused write changed nothing."""
    catalog = open_catalog(spec)
    return {layer_id: catalog.load(layer_id).collection for layer_id in sorted(catalog.own_ids())}


def test_add_then_layers_validate_and_export(catalog_spec, tmp_path):
    result = run(
        "add",
        str(CORPUS / "valid-unicode-names.geojson"),
        "--id",
        "okinawa",
        *ADD,
        "--catalog",
        catalog_spec,
    )
    assert result.exit_code == 0, result.output
    assert "Added layer 'okinawa': 1 features" in result.output
    layer = open_catalog(catalog_spec).load("okinawa")
    assert layer.ok and layer.features[0]["properties"]["name"] == "沖縄"
    assert layer.meta.sources[0].url == "https://example.org/a"
    result = run("validate", "okinawa", env={"REGIONMAP_CATALOG": catalog_spec})
    assert result.exit_code == 0, result.output
    assert "okinawa: ok (1 features, 0 warning(s))" in result.output
    result = run("layers", "--catalog", catalog_spec)
    assert "okinawa" in result.output and "Test layer" in result.output
    assert "countries" in result.output  # the built-in layers stay in the catalog
    out = tmp_path / "view.svg"
    bbox = "120,20,135,35"
    result = run(
        "export",
        "--bbox",
        bbox,
        "--layers",
        "okinawa",
        "--out",
        str(out),
        "--catalog",
        catalog_spec,
    )
    assert result.exit_code == 0, result.output
    assert "1 feature(s), 1 source(s)" in result.output
    assert "沖縄" in out.read_text(encoding="utf-8") or out.stat().st_size > 1000


def test_add_refuses_existing_id_then_force_replaces(catalog_spec):
    args = ["add", str(CORPUS / "valid-point.geojson"), "--id", "tokyo", *ADD]
    assert run(*args, "--catalog", catalog_spec).exit_code == 0
    before = contents(catalog_spec)
    result = run(*args, "--catalog", catalog_spec)
    assert result.exit_code == 1
    assert "a layer with id 'tokyo' already exists" in result.output
    assert "--force" in result.output
    assert contents(catalog_spec) == before
    replaced = run(
        "add",
        str(CORPUS / "valid-unicode-names.geojson"),
        "--id",
        "tokyo",
        *ADD,
        "--force",
        "--catalog",
        catalog_spec,
    )
    assert replaced.exit_code == 0, replaced.output
    assert contents(catalog_spec) != before


def test_add_refuses_builtin_id(catalog_spec):
    result = run(
        "add",
        str(CORPUS / "valid-point.geojson"),
        "--id",
        "countries",
        *ADD,
        "--catalog",
        catalog_spec,
    )
    assert result.exit_code == 1 and "already exists" in result.output


@pytest.mark.parametrize(
    ("file", "extra", "message"),
    [
        ("longitude-200.geojson", [], "longitude 200 outside ±180"),
        ("json-truncated.geojson", [], "json-truncated.geojson:2:"),
        ("valid-point.geojson", ["--license", "NA"], "placeholder, not a licence"),
        ("valid-point.geojson", ["--id", "Upper"], "kebab-case"),
    ],
)
def test_failed_add_writes_nothing_with_the_same_message(catalog_spec, file, extra, message):
    result = run(
        "add", str(CORPUS / file), "--id", "new-layer", *ADD, *extra, "--catalog", catalog_spec
    )
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert contents(catalog_spec) == {}


def test_load_with_bbox_keeps_features_whose_bounds_meet_it(catalog_spec):
    catalog = open_catalog(catalog_spec)
    result = run(
        "add",
        str(CORPUS / "valid-unicode-names.geojson"),
        "--id",
        "one",
        *ADD,
        "--catalog",
        catalog_spec,
    )
    assert result.exit_code == 0, result.output
    layer = catalog.load("one")
    (lon, lat) = layer.features[0]["geometry"]["coordinates"][:2]
    inside = catalog.load("one", bbox=(lon - 1, lat - 1, lon + 1, lat + 1))
    outside = catalog.load("one", bbox=(lon + 5, lat + 5, lon + 6, lat + 6))
    assert len(inside.features) == 1 and outside.features == []
    assert inside.meta == layer.meta


def test_both_stores_give_the_same_layer(tmp_path, pg_url):
    """A layer added to each store loads as the same Layer (meta, features, problems)."""
    folder = tmp_path / "folder"
    source = Path("/work/shared/realworld/admin1-us.geojson")
    source = source if source.exists() else CORPUS / "valid-unicode-names.geojson"
    for spec in (str(folder), pg_url):
        result = run("add", str(source), "--id", "same", *ADD, "--catalog", spec)
        assert result.exit_code == 0, result.output
    a, b = open_catalog(str(folder)).load("same"), open_catalog(pg_url).load("same")
    assert a.meta == b.meta
    assert json.dumps(a.collection) == json.dumps(b.collection)
    assert a.problems == b.problems
    va = run("validate", "same", "--catalog", str(folder)).output
    vb = run("validate", "same", "--catalog", pg_url).output
    assert va == vb
