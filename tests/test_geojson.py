"""GeoJSON checks: the corpus of bad and tricky files, the real-world files, the peer suite."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import CORPUS, PEER, REALWORLD

from regionmap.geojson import STRUCTURAL_RULES, Limits, read_geojson
from regionmap.problems import InvalidLayerError, LayerExistsError
from regionmap.store import NewLayer, add_layer

MANIFEST = list(csv.DictReader((CORPUS / "MANIFEST.tsv").open(encoding="utf-8"), delimiter="\t"))
# Small caps so that the "size" files of the corpus stay small on disk.
CORPUS_LIMITS = Limits(max_bytes=2_000_000, max_features=1000, max_vertices=20_000)


def new_layer(layer_id: str = "test-layer") -> NewLayer:
    return NewLayer(layer_id, "Test", "CC0-1.0", "A source", "https://example.org/source")


def test_manifest_lists_every_corpus_file():
    listed = {row["file"] for row in MANIFEST}
    on_disk = {p.name for p in CORPUS.glob("*.geojson")}
    assert listed == on_disk
    assert len(listed) >= 50


@pytest.mark.parametrize("row", MANIFEST, ids=[row["file"] for row in MANIFEST])
def test_corpus_outcome(row, empty_catalog):
    """Each corpus file gets its expected outcome through the same path as `regionmap add`."""
    path = CORPUS / row["file"]
    try:
        result = add_layer(empty_catalog, path, new_layer(), limits=CORPUS_LIMITS)
    except InvalidLayerError as exc:
        problems, outcome = exc.problems, "invalid"
        assert not (empty_catalog.write_dir / "layers").exists() or not any(
            (empty_catalog.write_dir / "layers").glob("*.yaml")
        )
    else:
        problems = result.warnings
        outcome = "warning" if problems else "valid"
    assert outcome == row["expected"], [str(p) for p in problems]
    if row["rule"]:
        assert row["rule"] in {p.rule for p in problems}
    for problem in problems:
        # Every problem names the file, the rule, and says how to fix it.
        assert problem.file.endswith(row["file"]) or problem.file == "metadata"
        assert problem.rule and problem.message and problem.fix
        assert row["file"] in str(problem) or problem.file == "metadata"


def test_feature_problems_name_the_feature():
    result = read_geojson(CORPUS / "duplicate-feature-ids.geojson")
    (problem,) = [p for p in result.problems if p.rule == "duplicate-id"]
    assert problem.feature == 1 and problem.feature_id == "a"
    assert "feature 1 (id 'a')" in str(problem)
    assert "already used by feature 0" in problem.message


def test_syntax_error_has_line_and_column():
    result = read_geojson(CORPUS / "json-truncated.geojson")
    (problem,) = result.problems
    assert problem.rule == "json-syntax" and problem.line == 2 and problem.column
    assert "json-truncated.geojson:2:" in str(problem)


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    path = tmp_path / "many.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[200,0]}},'
        '{"type":"Feature","properties":[],"geometry":null},'
        '{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":["a",1]}}]}'
    )
    problems = read_geojson(path).problems
    assert [(p.feature, p.rule) for p in problems if p.is_error] == [
        (0, "coordinate-range"),
        (1, "member-type"),
        (2, "position"),
    ]


def test_normalisation_keeps_properties_and_fixes_geometry():
    result = read_geojson(CORPUS / "polygon-clockwise.geojson")
    ring = result.collection["features"][0]["geometry"]["coordinates"][0]
    assert ring == [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]  # counter-clockwise now
    result = read_geojson(CORPUS / "valid-3d-positions.geojson")
    assert result.collection["features"][0]["geometry"]["coordinates"][1] == [139.8, 35.7, -3]


def test_coordinates_trimmed_to_six_decimals(tmp_path):
    path = tmp_path / "precise.geojson"
    path.write_text(
        '{"type":"Feature","properties":{"code":"007"},'
        '"geometry":{"type":"Point","coordinates":[139.76712345678,35.68112345678]}}'
    )
    feature = read_geojson(path).collection["features"][0]
    assert feature["geometry"]["coordinates"] == [139.767123, 35.681123]
    assert feature["properties"] == {"code": "007"}  # strings stay strings


def test_declared_crs_is_reprojected():
    result = read_geojson(CORPUS / "crs-epsg3857-declared.geojson")
    lon, lat = result.collection["features"][0]["geometry"]["coordinates"]
    assert lon == pytest.approx(139.76, abs=0.01) and lat == pytest.approx(35.68, abs=0.01)


def test_antimeridian_polygon_is_split():
    result = read_geojson(CORPUS / "antimeridian-crossing-polygon.geojson")
    geometry = result.collection["features"][0]["geometry"]
    assert geometry["type"] == "MultiPolygon" and len(geometry["coordinates"]) == 2


def test_fix_repairs_bowtie_and_reports_it():
    result = read_geojson(CORPUS / "polygon-bowtie.geojson", fix=True)
    assert result.ok
    (problem,) = [p for p in result.problems if p.rule == "polygon-repaired"]
    assert "Self-intersection" in problem.message and problem.severity == "warning"


REALWORLD_FILES = sorted(REALWORLD.glob("*.*json")) if REALWORLD.is_dir() else []


@pytest.mark.skipif(not REALWORLD_FILES, reason=f"shared real-world files not found at {REALWORLD}")
@pytest.mark.parametrize("path", REALWORLD_FILES, ids=lambda p: p.name)
def test_realworld_files_are_accepted(path: Path, empty_catalog):
    result = add_layer(empty_catalog, path, new_layer())
    assert result.feature_count > 0
    written = read_geojson(result.data_path)
    assert written.ok and not [p for p in written.problems if p.rule == "winding"]


def test_realworld_natural_earth_quirks_are_warnings():
    path = REALWORLD / "geo-boundaries-world-110m_countries.geojson"
    if not path.exists():
        pytest.skip(f"shared real-world files not found at {REALWORLD}")
    rules = {p.rule for p in read_geojson(path).problems}
    assert {"crs-obsolete", "coordinate-clamped", "winding"} <= rules


PEER_ROWS = (
    list(csv.DictReader((PEER / "MANIFEST.tsv").open(encoding="utf-8"), delimiter="\t"))
    if PEER.is_dir()
    else []
)
# Where we disagree with geojsonhint, on purpose:
# - issue82.geojson is structurally valid but has latitudes of -107 to -141: impossible on
#   Earth, so our range rule rejects it (geojsonhint checks no ranges).
# - crs members, nested and single-member GeometryCollections are style-level: warnings here.
# - The two historical crs fixtures hold an empty FeatureCollection, an error for a layer.
RANGE_DISAGREEMENT = {"good/issue82.geojson"}
STYLE_LEVEL = {
    "bad/geometrycollection_nested.geojson",
    "bad/geometrycollection_single.geojson",
}


@pytest.mark.skipif(not PEER_ROWS, reason=f"geojsonhint fixtures not found at {PEER}")
@pytest.mark.parametrize("row", PEER_ROWS, ids=[row["file"] for row in PEER_ROWS])
def test_agrees_with_geojsonhint(row):
    problems = read_geojson(PEER / row["file"]).problems
    errors = [p for p in problems if p.is_error]
    structural = [p for p in errors if p.rule in STRUCTURAL_RULES]
    if row["file"] in RANGE_DISAGREEMENT:
        assert not structural and {p.rule for p in errors} == {"coordinate-range"}
    elif row["file"] in STYLE_LEVEL:
        assert not errors and problems
    elif row["expected"] in ("valid", "warning"):
        assert not errors, [str(p) for p in errors]
    else:
        assert errors, f"{row['file']} should be rejected: {row['peer_expected_output']}"


# -- issue 13, item 10: every misleading message rewritten, pinned here ---------------------


@pytest.mark.parametrize(
    ("file", "rule", "message"),
    [
        ("file-png-renamed.geojson", "file-type", "this is a PNG image, not GeoJSON."),
        ("file-zip-renamed.geojson", "file-type", "this is a ZIP archive"),
        ("file-kml-renamed.geojson", "file-type", "this is KML, not GeoJSON."),
        ("json-empty-file.geojson", "json-syntax", "is empty: it holds no data at all."),
        ("json-whitespace-only.geojson", "json-syntax", "holds only whitespace."),
        ("json-truncated.geojson", "json-syntax", "ends early: the JSON stops before"),
        ("json-not-json-text.geojson", "json-syntax", "is not JSON: it starts with 'name,lon"),
        ("json-big-integer.geojson", "json-number", "the longest has 4,301 digits"),
        ("json-lone-surrogate.geojson", "text-surrogate", "lone surrogate escape such as"),
    ],
)
def test_file_problems_say_what_the_file_is(file, rule, message):
    problems = read_geojson(CORPUS / file).problems
    (problem,) = [p for p in problems if p.is_error]
    assert problem.rule == rule and message in problem.message, str(problem)
    assert "Latin-1" not in problem.message and "Expecting" not in problem.message


def test_deep_nesting_names_the_real_cap_and_its_option(tmp_path):
    deep = tmp_path / "deep.geojson"
    deep.write_text('{"type": "Feature", "properties": {"a": ' + "[" * 5000 + "]" * 5000 + "}}")
    (problem,) = read_geojson(deep).problems
    assert problem.rule == "limit-depth"
    assert "more than 40 levels deep" in problem.message and "--max-depth" in problem.message
    (problem,) = read_geojson(deep, limits=Limits(max_depth=10)).problems
    assert "more than 18 levels deep" in problem.message
    assert "recursion" not in problem.message.lower()


def test_million_null_geometries_give_one_warning(tmp_path):
    path = tmp_path / "nulls.geojson"
    feature = '{"type":"Feature","properties":{},"geometry":null}'
    path.write_text(
        '{"type":"FeatureCollection","features":[' + ",".join([feature] * 1_000_000) + "]}"
    )
    result = read_geojson(path)
    assert result.ok and result.feature_count == 1_000_000
    (problem,) = result.problems
    assert problem.rule == "null-geometry" and "1,000,000 feature(s)" in problem.message


def test_repeated_errors_are_capped_and_counted(tmp_path):
    path = tmp_path / "far.geojson"
    feature = '{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[200,0]}}'
    path.write_text('{"type":"FeatureCollection","features":[' + ",".join([feature] * 500) + "]}")
    problems = read_geojson(path).problems
    assert len(problems) == 101
    assert "400 more problem(s) of this rule" in problems[-1].message


def test_linestring_across_the_antimeridian_is_split():
    result = read_geojson(CORPUS / "line-antimeridian.geojson")
    geometry = result.collection["features"][0]["geometry"]
    assert geometry["type"] == "MultiLineString" and len(geometry["coordinates"]) == 2
    east, west = geometry["coordinates"]
    assert east[-1][0] == 180 and west[0][0] == -180
    assert [p.rule for p in result.problems] == ["antimeridian"]


def test_integers_beyond_64_bits_never_reach_the_writer(empty_catalog):
    with pytest.raises(InvalidLayerError) as caught:
        add_layer(empty_catalog, CORPUS / "json-integer-beyond-64-bit.geojson", new_layer())
    assert [p.rule for p in caught.value.problems] == ["json-number"]
    assert "as a string" in caught.value.problems[0].fix


def test_upload_errors_name_the_upload_and_the_form_field(tmp_path, empty_catalog):
    temp = tmp_path / "srv-tmp-abc" / "upload.geojson"
    temp.parent.mkdir()
    temp.write_bytes((CORPUS / "valid-point.geojson").read_bytes())
    bad = NewLayer("my-layer", "T", "ODC-PDDL", "S", "https://example.org/s")
    with pytest.raises(InvalidLayerError) as caught:
        add_layer(empty_catalog, temp, bad, display_name="My bases.geojson", face="app")
    (problem,) = caught.value.problems
    assert problem.file == "My bases.geojson" and str(temp) not in str(problem)
    assert problem.message.startswith("Licence: 'ODC-PDDL' is not an SPDX licence id")
    assert "did you mean PDDL-1.0?" in problem.message
    assert "metadata" not in problem.where() and "My bases.geojson" in str(caught.value)
    with pytest.raises(InvalidLayerError) as caught:
        add_layer(empty_catalog, temp, bad)
    assert caught.value.problems[0].message.startswith("--license: 'ODC-PDDL'")


def test_duplicate_id_hint_follows_the_face(empty_catalog):
    add_layer(empty_catalog, CORPUS / "valid-point.geojson", new_layer("taken"))
    with pytest.raises(LayerExistsError, match="already exists") as caught:
        add_layer(empty_catalog, CORPUS / "valid-point.geojson", new_layer("taken"), face="app")
    assert "--force" not in str(caught.value) and "choose another layer id" in str(caught.value)
    with pytest.raises(LayerExistsError, match="use --force to replace it"):
        add_layer(empty_catalog, CORPUS / "valid-point.geojson", new_layer("taken"))
