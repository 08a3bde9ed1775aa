"""The check record beside a big layer's GeoJSON: used only for the very bytes it checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import snapshot

import regionmap.prepared as prepared
from regionmap.catalog import Catalog
from regionmap.store import NewLayer, add_layer


@pytest.fixture
def layer_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A catalog with one 60-point layer, added the ordinary way (records from 10 features)."""
    monkeypatch.setattr(prepared, "RECORD_MIN_FEATURES", 10)
    source = tmp_path / "points.geojson"
    features = [
        {
            "type": "Feature",
            "properties": {"name": f"place {i}", "year": 2000 + i % 20},
            "geometry": {"type": "Point", "coordinates": [10 + i * 0.1, 45 + i * 0.05]},
        }
        for i in range(60)
    ]
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    folder = tmp_path / "catalog"
    new = NewLayer("points", "Points", "CC0-1.0", "Synthetic", "https://example.org/points")
    add_layer(Catalog(folder, root=tmp_path / "none"), source, new, tiles=False)
    return folder


def _load(folder: Path, **kw):
    return Catalog(folder, root=folder.parent / "none").load("points", **kw)


def _checks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Count the full checks (the real reader still runs)."""
    calls: list[Path] = []
    real = prepared.read_geojson
    monkeypatch.setattr(
        prepared, "read_geojson", lambda path, **kw: calls.append(path) or real(path, **kw)
    )
    return calls


def test_the_first_load_records_the_check_and_the_next_reuses_it(layer_folder, monkeypatch):
    checks = _checks(monkeypatch)
    first = _load(layer_folder)
    record = layer_folder / "data" / "points.checked.json"
    assert first.ok and record.is_file() and len(checks) == 1
    second = _load(layer_folder)
    assert len(checks) == 1, "the second load should not check the features again"
    assert second.ok and second.collection == first.collection
    assert second.problems == first.problems
    assert second.problems == [] and len(second.features) == 60


def test_the_record_and_columns_are_the_only_new_files_inside_the_catalog(layer_folder, tmp_path):
    outside = {p for p in tmp_path.rglob("*") if not p.is_relative_to(layer_folder)}
    before = snapshot(layer_folder)
    _load(layer_folder)
    after = snapshot(layer_folder)
    assert set(after) - set(before) == {"data/points.checked.json", "data/points.columns.arrow"}
    assert all(after[k] == v for k, v in before.items())
    assert {p for p in tmp_path.rglob("*") if not p.is_relative_to(layer_folder)} == outside


def test_an_edited_file_is_checked_again_and_an_invalid_edit_is_refused(layer_folder):
    _load(layer_folder)
    data = layer_folder / "data" / "points.geojson"
    doc = json.loads(data.read_text())
    doc["features"][3]["geometry"]["coordinates"] = [200.0, 45.0]  # a real range error
    data.write_text(json.dumps(doc))
    broken = _load(layer_folder)
    assert not broken.ok
    assert any(p.rule.startswith("coordinate") and p.feature == 3 for p in broken.problems)

    doc["features"][3]["geometry"]["coordinates"] = [11.5, 46.0]
    data.write_text(json.dumps(doc))
    fixed = _load(layer_folder)
    assert fixed.ok and fixed.features[3]["geometry"]["coordinates"] == [11.5, 46.0]


def test_a_file_that_checking_would_change_gets_no_record(layer_folder):
    data = layer_folder / "data" / "points.geojson"
    doc = json.loads(data.read_text())
    doc["features"][0]["geometry"]["coordinates"] = [10.123456789, 45.0]  # normalised to 6 dp
    data.write_text(json.dumps(doc, indent=1))
    layer = _load(layer_folder)
    assert layer.ok and layer.features[0]["geometry"]["coordinates"] == [10.123457, 45.0]
    assert not (layer_folder / "data" / "points.checked.json").exists()


def test_fix_and_other_limits_always_check_in_full(layer_folder, monkeypatch):
    from regionmap.geojson import Limits

    _load(layer_folder)
    checks = _checks(monkeypatch)
    assert _load(layer_folder, fix=True).ok
    entry = Catalog(layer_folder, root=layer_folder.parent / "none").entry("points")
    from regionmap.catalog import load_entry

    assert load_entry(entry, limits=Limits(max_features=100)).ok
    assert len(checks) == 2


def test_a_damaged_record_falls_back_to_the_full_check(layer_folder, monkeypatch):
    _load(layer_folder)
    record = layer_folder / "data" / "points.checked.json"
    record.write_text('{"format": 1, "sha256": [')
    checks = _checks(monkeypatch)
    layer = _load(layer_folder)
    assert layer.ok and len(layer.features) == 60 and len(checks) == 1
    assert json.loads(record.read_text())["feature_count"] == 60  # written afresh


def test_small_layers_get_no_record(layer_folder, monkeypatch):
    monkeypatch.setattr(prepared, "RECORD_MIN_FEATURES", 61)
    assert _load(layer_folder).ok
    assert not (layer_folder / "data" / "points.checked.json").exists()


def test_the_frame_of_a_big_layer_is_kept_as_geoparquet_for_that_file_only(layer_folder):
    built = _load(layer_folder).frame  # checks in full, records; builds and keeps the frame
    parquet = layer_folder / "data" / "points.frame.parquet"
    assert parquet.is_file()
    written = parquet.stat().st_mtime_ns
    again = _load(layer_folder).frame  # from the record and the GeoParquet copy
    assert parquet.stat().st_mtime_ns == written, "the copy should be read, not rebuilt"
    assert again.equals(built) and again.crs == "EPSG:4326"
    assert list(again.columns) == list(built.columns) == ["geometry", "name", "year"]

    data = layer_folder / "data" / "points.geojson"
    doc = json.loads(data.read_text())
    doc["features"][0]["properties"]["name"] = "renamed"
    data.write_text(json.dumps(doc, separators=(",", ":")))
    edited = _load(layer_folder)
    assert edited.frame["name"].iloc[0] == "renamed"  # not the stale copy


def test_a_filtered_layer_builds_its_own_frame(layer_folder):
    from regionmap.stores import open_catalog

    assert len(_load(layer_folder).frame) == 60  # the full layer keeps its copy
    catalog = open_catalog(layer_folder, root=layer_folder.parent / "none")
    clipped = catalog.load("points", bbox=(10, 45, 11, 46))
    assert 0 < len(clipped.features) < 60
    assert len(clipped.frame) == len(clipped.features)


def test_an_add_that_cuts_tiles_leaves_the_record_so_the_first_load_checks_nothing(
    layer_folder, tmp_path, monkeypatch
):
    """A big layer's add checks its own output while tippecanoe cuts the tiles (issue 17)."""
    source = layer_folder / "data" / "points.geojson"
    copy = tmp_path / "again.geojson"
    copy.write_bytes(source.read_bytes())
    new = NewLayer("tiled", "Tiled", "CC0-1.0", "Synthetic", "https://example.org/points")
    catalog = Catalog(layer_folder, root=tmp_path / "none")
    add_layer(catalog, copy, new, tiles=True)
    assert (layer_folder / "data" / "tiled.checked.json").is_file()
    assert (layer_folder / "data" / "tiled.pmtiles").is_file()
    checks = _checks(monkeypatch)
    loaded = Catalog(layer_folder, root=tmp_path / "none").load("tiled")
    assert loaded.ok and len(loaded.features) == 60 and checks == []
