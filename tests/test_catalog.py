"""The catalog: metadata schema, loading one layer, broken layers, the shipped catalog."""

from __future__ import annotations

import json

import pytest
from conftest import CORPUS

from regionmap.catalog import ROOT, Catalog
from regionmap.schema import layer_json_schema
from regionmap.store import NewLayer, add_layer


def test_schema_json_is_in_sync():
    on_disk = json.loads((ROOT / "layers" / "schema.json").read_text(encoding="utf-8"))
    assert on_disk == layer_json_schema(), (
        "layers/schema.json is stale; regenerate it with `python scripts/export_schema.py`"
    )


@pytest.mark.parametrize("layer_id", Catalog(root=ROOT).ids())
def test_shipped_layer_is_valid_and_matches_metadata(layer_id):
    layer = Catalog(root=ROOT).load(layer_id)
    assert layer.ok, [str(p) for p in layer.problems]
    if layer.meta.feature_count is not None:
        assert len(layer.features) == layer.meta.feature_count
    for resolution in layer.meta.resolutions:
        assert Catalog(root=ROOT).load(layer_id, resolution=resolution).ok


def test_loading_one_layer_reads_only_its_files(copy_builtin, monkeypatch):
    (copy_builtin / "layers" / "zz-broken.yaml").write_text("id: [unclosed\n")
    import regionmap.catalog as catalog_module

    read = []
    real = catalog_module.read_geojson
    monkeypatch.setattr(
        catalog_module, "read_geojson", lambda path, **kw: read.append(path) or real(path, **kw)
    )
    catalog = Catalog(copy_builtin, root=copy_builtin)
    first = catalog.ids()[0]
    assert catalog.load(first).ok
    assert len(read) == 1


def test_broken_layer_is_reported_others_load(copy_builtin):
    (copy_builtin / "layers" / "zz-broken.yaml").write_text("id: zz-broken\ntitle: [unclosed\n")
    (copy_builtin / "layers" / "zz-outside.yaml").write_text(
        "id: zz-outside\ntitle: Outside\nlicense: CC0-1.0\ndata: ../../../etc/passwd\n"
        "sources: [{key: a, title: A, publisher: P, url: 'https://example.org',"
        " accessed: 2026-11-25}]\n"
    )
    layers = {layer.id: layer for layer in Catalog(copy_builtin, root=copy_builtin).load_all()}
    broken = layers["zz-broken"]
    assert not broken.ok and broken.problems[0].rule == "yaml-syntax"
    assert broken.problems[0].line is not None
    outside = layers["zz-outside"]
    assert not outside.ok and "outside the catalog" in outside.problems[0].message
    others = [layer for key, layer in layers.items() if not key.startswith("zz-")]
    assert others and all(layer.ok for layer in others)


def test_metadata_errors_name_field_and_fix(tmp_path):
    folder = tmp_path / "cat"
    (folder / "layers").mkdir(parents=True)
    (folder / "layers" / "bad.yaml").write_text(
        "id: bad\ndata: x.geojson\nlicense: NA\nsources:\n"
        "  - {key: a, title: A, publisher: P, url: 'javascript:alert(1)', accessed: 2026-11-25}\n"
    )
    layer = Catalog(folder, root=tmp_path / "none").load("bad")
    text = "\n".join(str(p) for p in layer.problems)
    assert "layers/bad.yaml: error [metadata]: 'title' is missing. Fix: Add a short title" in text
    assert "placeholder, not a licence" in text
    assert "'sources.0.url'" in text and "not an http(s) link" in text


def test_environment_variable_names_second_catalog(tmp_path, monkeypatch):
    folder = tmp_path / "mine"
    add_layer(
        Catalog(folder),
        CORPUS / "valid-point.geojson",
        NewLayer("tokyo", "Tokyo", "CC0-1.0", "S", "https://example.org"),
    )
    monkeypatch.setenv("REGIONMAP_CATALOG", str(folder))
    catalog = Catalog()
    assert "tokyo" in catalog.ids() and catalog.load("tokyo").ok
    assert catalog.write_dir == folder.resolve()


def test_unknown_citation_key_is_an_error(tmp_path):
    folder = tmp_path / "cat"
    (folder / "layers").mkdir(parents=True)
    (folder / "data").mkdir()
    (folder / "data" / "x.geojson").write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","id":"f1",'
        '"properties":{"sources":["nope"]},"geometry":{"type":"Point","coordinates":[1,2]}}]}'
    )
    (folder / "layers" / "x.yaml").write_text(
        "id: x\ntitle: X\nlicense: CC0-1.0\ndata: ../data/x.geojson\nsources:\n"
        "  - {key: a, title: A, publisher: P, url: 'https://example.org', accessed: 2026-11-25}\n"
    )
    layer = Catalog(folder, root=tmp_path / "none").load("x")
    (problem,) = layer.problems
    assert problem.rule == "citation" and problem.feature_id == "f1"
    assert "unknown source key 'nope'" in problem.message


def test_environment_variable_names_second_catalog_in_either_store(catalog_spec, monkeypatch):
    from regionmap.stores import open_catalog

    new = NewLayer("tokyo", "Tokyo", "CC0-1.0", "S", "https://example.org")
    open_catalog(catalog_spec).add(CORPUS / "valid-point.geojson", new)
    monkeypatch.setenv("REGIONMAP_CATALOG", catalog_spec)
    catalog = open_catalog()
    assert "tokyo" in catalog.ids() and catalog.load("tokyo").ok
    assert "countries" in catalog.ids()  # the built-in layers are still there
    assert "tokyo" in catalog.own_ids() and "countries" not in catalog.own_ids()
    assert [la.id for la in catalog.load_all() if not la.ok] == []
