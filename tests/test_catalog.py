"""The catalog: metadata schema, loading one layer, broken layers, the shipped catalog."""

from __future__ import annotations

import json

import pytest
from conftest import CORPUS

from regionmap.catalog import ROOT, Catalog
from regionmap.problems import Problem
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
    real = catalog_module.read_prepared_digest
    monkeypatch.setattr(
        catalog_module,
        "read_prepared_digest",
        lambda path, **kw: read.append(path) or real(path, **kw),
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


# -- issue 13: metadata that once took the catalog down ----------------------------------


def _catalog_with(tmp_path, name: str, text: str | bytes) -> Catalog:
    folder = tmp_path / "cat"
    (folder / "layers").mkdir(parents=True, exist_ok=True)
    path = folder / "layers" / f"{name}.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return Catalog(folder, root=tmp_path / "none")


def test_yaml_aliases_are_refused_without_expanding(tmp_path):
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    layer = _catalog_with(tmp_path, "laughs", "\n".join(lines) + "\nid: *j\n").load("laughs")
    (problem,) = layer.problems
    assert problem.rule == "yaml-unsafe" and "uses a YAML alias (*a)" in problem.message
    assert problem.line == 2 and "lol" not in str(problem)


def test_python_tags_are_refused_as_not_plain_data(tmp_path):
    text = "id: !!python/object/apply:os.system ['echo pwned']\n"
    (problem,) = _catalog_with(tmp_path, "tag", text).load("tag").problems
    assert problem.rule == "yaml-unsafe"
    assert "uses the YAML tag !!python/object/apply:os.system" in problem.message


def test_huge_yaml_integer_and_binary_yaml_are_problems(tmp_path):
    (problem,) = _catalog_with(tmp_path, "n", "feature_count: " + "9" * 5000).load("n").problems
    assert problem.rule == "yaml-unsafe" and "5,000 digits" in problem.message
    binary = _catalog_with(tmp_path, "bin", b"\x00\xff\xfe" * 50).load("bin")
    assert binary.problems[0].message == "this is a binary file, not YAML text."


def test_metadata_caps_name_their_option(tmp_path, monkeypatch):
    sources = "".join(
        f"  - {{key: k{i}, title: T, publisher: P, url: 'https://example.org/{i}',"
        " accessed: 2026-11-25}\n"
        for i in range(20_000)
    )
    text = "id: many\ntitle: Many\nlicense: CC0-1.0\ndata: ../data/x.geojson\nsources:\n" + sources
    catalog = _catalog_with(tmp_path, "many", text)
    problems = catalog.load("many").problems
    assert [p.rule for p in problems] == ["limit-entries"]
    assert "20,000 entries in 'sources'" in problems[0].message
    assert "REGIONMAP_MAX_ENTRIES" in problems[0].fix
    monkeypatch.setenv("REGIONMAP_MAX_METADATA_MB", "0.5")
    (problem,) = catalog.load("many").problems
    assert problem.rule == "limit-metadata" and "REGIONMAP_MAX_METADATA_MB" in problem.fix
    monkeypatch.setenv("REGIONMAP_MAX_METADATA_MB", "10")
    monkeypatch.setenv("REGIONMAP_MAX_ENTRIES", "100000")
    # With the caps raised, the 20,000 sources load (the key checks are linear).
    assert [p.rule for p in catalog.load("many").problems] == ["data-path"]


def test_metadata_links_outside_the_catalog_are_refused(tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("secret_field: 1\n")
    catalog = _catalog_with(tmp_path, "placeholder", "id: placeholder\n")
    (catalog.user_dir / "layers" / "linked.yaml").symlink_to(secret)
    (problem,) = catalog.load("linked").problems
    assert problem.rule == "metadata-path" and "outside the catalog" in problem.message
    assert "secret_field" not in str(problem)
    assert catalog.load("../secret").problems[0].rule == "unknown-layer"


def test_id_mismatch_never_shows_an_expanded_structure(tmp_path):
    text = "id: [" + ", ".join(["x"] * 1000) + "]\n"
    problems = _catalog_with(tmp_path, "shown", text).load("shown").problems
    assert problems[0].rule == "metadata-id" and "<a list of 1000 items>" in problems[0].message
    assert all(len(str(p)) < 400 for p in problems)


def test_fix_hints_read_as_sentences(tmp_path):
    text = (
        "id: hints\ntitle: T\nlicense: CC0-1.0\ndata: ../data/x.geojson\n"
        "style: {color: red}\nsources:\n"
        "  - {key: a, title: A, publisher: P, url: 'https://example.org', accessed: 2026-11-25}\n"
    )
    problems = _catalog_with(tmp_path, "hints", text).load("hints").problems
    assert any("'style.color'" in p.message for p in problems)
    assert not any("Give see" in p.fix for p in problems)
    assert any(p.fix == "Check the field against layers/schema.json." for p in problems)


def test_licences_are_checked_against_the_spdx_list(tmp_path):
    text = (
        "id: lic\ntitle: T\nlicense: ODC-PDDL\ndata: ../data/x.geojson\nsources:\n"
        "  - {key: a, title: A, publisher: P, url: 'https://example.org', accessed: 2026-11-25}\n"
    )
    (problem,) = _catalog_with(tmp_path, "lic", text).load("lic").problems
    assert "'ODC-PDDL' is not an SPDX licence id (did you mean PDDL-1.0?)" in problem.message
    layer = _catalog_with(tmp_path, "lic", text.replace("ODC-PDDL", "pddl-1.0")).load("lic")
    assert [p.rule for p in layer.problems] == ["data-path"]  # the licence itself is fine


def test_ui_escaping_makes_controls_and_bidi_overrides_visible():
    from regionmap.safe_html import escape_markdown, escape_text
    from regionmap.upload import problem_rows

    assert escape_markdown("Publisher \u202eevil") == "Publisher \\\\u202eevil"
    assert "\u202e" not in escape_text("\u202eevil") and "u202e" in escape_text("\u202eevil")
    (row,) = problem_rows([Problem("a\x1b]0;x\x07.geojson", "r", "m\u202e", "f")])
    assert "\x1b" not in row["where"] and "\\u202e" in row["message"]


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
