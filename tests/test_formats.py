"""Reading the formats users hold: real files from ../shared/realworld-formats, and made ones."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas
import pyogrio
import pytest
import yaml
from click.testing import CliRunner
from shapely.geometry import Point, box

from regionmap.catalog import ROOT, Catalog
from regionmap.cli import cli
from regionmap.downloads import download_bytes
from regionmap.formats import ReadOptions, read_any, sniff

REAL = ROOT.parent / "shared" / "realworld-formats"
needs_real = pytest.mark.skipif(
    not REAL.is_dir(), reason=f"{REAL} is absent (the shared real-world format files)"
)
SOURCE = ["--license", "CC0-1.0", "--source-title", "S", "--source-url", "https://example.org/"]


def add(catalog: Path, file: Path, layer_id: str, *extra: str):
    return CliRunner().invoke(
        cli,
        [
            "add",
            str(file),
            "--id",
            layer_id,
            "--title",
            "T",
            *SOURCE,
            "--catalog",
            str(catalog),
            *extra,
        ],
    )


def features(result):
    assert result.ok, [str(p) for p in result.problems]
    return result.collection["features"]


def errors(result) -> list[str]:
    return [str(p) for p in result.problems if p.is_error]


@needs_real
def test_zipped_shapefile_gives_67_polygons():
    got = features(read_any(REAL / "fiona-coutwildrnp.zip"))
    assert len(got) == 67
    assert {f["geometry"]["type"] for f in got} <= {"Polygon", "MultiPolygon"}
    assert all(f["properties"]["NAME"] for f in got)


@needs_real
def test_airports_csv_points_in_place_and_codes_kept_as_text():
    got = features(read_any(REAL / "vega-airports.csv"))
    assert len(got) == 3376
    by_code = {f["properties"]["iata"]: f for f in got}
    thigpen = by_code["00M"]  # the first row: 31.95376472, -89.23450472
    assert thigpen["properties"]["name"] == "Thigpen"
    lon, lat = thigpen["geometry"]["coordinates"]
    assert (round(lon, 4), round(lat, 4)) == (-89.2345, 31.9538)
    assert all(isinstance(f["properties"]["iata"], str) for f in got)
    assert "latitude" not in thigpen["properties"]  # the coordinates became the geometry


@needs_real
def test_kml_and_gpx_give_their_features():
    kml = features(read_any(REAL / "togeojson-addresses.kml"))
    assert len(kml) == 15
    gpx = features(read_any(REAL / "fiona-test_gpx.gpx"))
    assert [f["geometry"]["type"] for f in gpx] == ["MultiLineString"]
    track = features(read_any(REAL / "togeojson-blue_hills.gpx"))
    assert len(track) > 1 and {f["properties"]["source_layer"] for f in track} >= {"tracks"}
    assert len(features(read_any(REAL / "togeojson-osm.gpx"))) == 3


@needs_real
def test_topojson_and_multigeometry_kml():
    topo = features(read_any(REAL / "fiona-example.topojson"))
    assert sorted(f["geometry"]["type"] for f in topo) == ["LineString", "Point", "Polygon"]
    assert features(read_any(REAL / "togeojson-multigeometry.kml"))


@needs_real
def test_broken_kml_is_refused_naming_the_coordinates():
    result = read_any(REAL / "togeojson-bad.kml")
    assert not result.ok
    messages = errors(result)
    assert any("placemark without valid coordinates" in m and "'no,no'" in m for m in messages)


@needs_real
def test_gpx_layer_option_picks_one_and_names_the_choices():
    result = read_any(REAL / "fiona-test_gpx.gpx", options=ReadOptions(layer="track_points"))
    assert len(features(result)) > 1
    assert all("source_layer" not in f["properties"] for f in result.collection["features"])
    wrong = errors(read_any(REAL / "fiona-test_gpx.gpx", options=ReadOptions(layer="nope")))
    assert "has no layer 'nope'. Fix: Choose one of: 'waypoints'" in wrong[0]


@needs_real
def test_add_and_draw_csv_and_shapefile(tmp_path):
    assert add(tmp_path, REAL / "vega-airports.csv", "airports").exit_code == 0
    result = add(tmp_path, REAL / "fiona-coutwildrnp.zip", "wilderness")
    assert result.exit_code == 0, result.output
    catalog = Catalog(tmp_path)
    assert len(catalog.load("airports").features) == 3376
    assert len(catalog.load("wilderness").features) == 67


def frame(n: int = 3) -> geopandas.GeoDataFrame:
    return geopandas.GeoDataFrame(
        {"name": [f"site {i}" for i in range(n)], "code": ["007"] * n, "size": list(range(n))},
        geometry=[Point(139.5 + i, 35.5 + i / 10) for i in range(n)],
        crs=4326,
    )


@pytest.mark.parametrize(("driver", "suffix"), [("GPKG", ".gpkg"), ("FlatGeobuf", ".fgb")])
def test_geopackage_and_flatgeobuf(tmp_path, driver, suffix):
    path = tmp_path / f"sites{suffix}"
    pyogrio.write_dataframe(frame(), path, driver=driver)
    got = sorted(features(read_any(path)), key=lambda f: f["properties"]["name"])
    assert [f["properties"]["name"] for f in got] == ["site 0", "site 1", "site 2"]
    assert got[1]["geometry"]["coordinates"] == [140.5, 35.6]
    assert got[0]["properties"]["code"] == "007"


def test_kmz(tmp_path):
    kml = tmp_path / "doc.kml"
    pyogrio.write_dataframe(frame(), kml, driver="KML")
    kmz = tmp_path / "sites.kmz"
    with zipfile.ZipFile(kmz, "w") as archive:
        archive.write(kml, "doc.kml")
    assert sniff(kmz) == "kmz"
    assert len(features(read_any(kmz))) == 3


def test_projected_file_is_reprojected(tmp_path):
    path = tmp_path / "utm.gpkg"
    pyogrio.write_dataframe(frame().to_crs(32654), path, driver="GPKG")
    lon, lat = features(read_any(path))[0]["geometry"]["coordinates"]
    assert (round(lon, 5), round(lat, 5)) == (139.5, 35.5)


def test_shapefile_without_prj_and_projected_coordinates_names_the_fix(tmp_path):
    shp = tmp_path / "utm.shp"
    projected = frame().to_crs(32654)
    pyogrio.write_dataframe(projected.set_crs(None, allow_override=True), shp)
    archive = tmp_path / "utm.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("utm.*"):
            if part.suffix != ".zip":
                z.write(part, part.name)
    message = errors(read_any(archive))[0]
    assert "no coordinate reference system" in message and "--crs" in message
    fixed = read_any(archive, options=ReadOptions(crs="EPSG:32654"))
    assert round(features(fixed)[0]["geometry"]["coordinates"][0], 4) == 139.5


def test_csv_bad_row_names_the_row_and_column(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("Name,LAT,Lng\nA,35.1,139.1\nB,north,139.2\n", encoding="utf-8")
    message = errors(read_any(path))[0]
    assert message.startswith(f"{path}: row 3: error [row-coordinates]: column 'LAT' holds")


def test_csv_without_coordinate_columns_lists_the_columns(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("site,place\nA,Tokyo\n", encoding="utf-8")
    message = errors(read_any(path))[0]
    assert "--lat COL --lon COL" in message and "'site', 'place'" in message


def test_csv_named_columns_wkt_and_zip_codes(tmp_path):
    path = tmp_path / "sites.tsv"
    path.write_text("zip\tN\tE\n02134\t42.35\t-71.13\n", encoding="utf-8")
    got = features(read_any(path, options=ReadOptions(lat="n", lon="E")))
    assert got[0]["properties"] == {"zip": "02134"}
    wkt = tmp_path / "lines.csv"
    wkt.write_text('name,WKT,n\nA,"LINESTRING (1 2, 3 4)",5\n', encoding="utf-8")
    got = features(read_any(wkt))
    assert got[0]["geometry"]["type"] == "LineString" and got[0]["properties"]["n"] == 5


def test_row_error_after_validation_says_row(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("name,lat,lon\nA,35,139\nB,95,139\n", encoding="utf-8")
    message = errors(read_any(path))[0]
    assert ": row 3: error [coordinate-range]" in message


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "this is a PNG image"),
        (b"PK\x03\x04" + b"\0" * 30, "ZIP archive is damaged"),
        (b"", "the file is empty"),
        (b"<html><body>hi</body></html>", "web page (HTML)"),
    ],
)
def test_files_that_are_no_layer_say_what_they_are(tmp_path, content, said):
    path = tmp_path / "layer.dat"
    path.write_bytes(content)
    assert said in errors(read_any(path))[0]


def test_zip_of_other_files_names_them(tmp_path):
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.jpg", b"x")
    assert "holds no map layer (a.jpg)" in errors(read_any(archive))[0]


def test_mapping_options_write_popup_time_style_and_row_sources(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "name,date,lat,lon,link\n"
        "A,2024-01-02,35,139,https://example.org/a\n"
        "B,2023-05,36,140,https://example.org/b\n"
        "C,2022,37,141,\n",
        encoding="utf-8",
    )
    extra = ["--popup", "name,date", "--date", "date", "--color", "#0072b2"]
    extra += ["--marker", "square", "--source-column", "link"]
    result = add(tmp_path / "cat", path, "events-csv", *extra)
    assert result.exit_code == 0, result.output
    meta = yaml.safe_load((tmp_path / "cat" / "layers" / "events-csv.yaml").read_text())
    assert meta["popup"] == [{"field": "name", "label": "name"}, {"field": "date", "label": "date"}]
    assert meta["time"] == {"start": "date"}
    assert meta["style"]["color"] == "#0072b2" and meta["style"]["marker"] == "square"
    urls = [s["url"] for s in meta["sources"]]
    assert urls == ["https://example.org/", "https://example.org/a", "https://example.org/b"]
    layer = Catalog(tmp_path / "cat").load("events-csv")
    assert layer.ok, [str(p) for p in layer.problems]
    cited = [f["properties"].get("sources") for f in layer.features]
    assert cited == [["row-source-1"], ["row-source-2"], None]


def test_mapping_with_unknown_field_is_refused(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("name,lat,lon\nA,35,139\n", encoding="utf-8")
    result = add(tmp_path / "cat", path, "sites", "--popup", "name,city")
    assert result.exit_code == 1
    assert "has no property 'city'" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "cat" / "layers" / "sites.yaml").exists()


@pytest.mark.parametrize("fmt", ["csv", "kml", "gpkg"])
def test_downloads_reimport_with_same_features(tmp_path, fmt):
    source = {
        "type": "FeatureCollection",
        "sources": [{"number": 1, "title": "T", "publisher": "P", "url": "https://e.org/"}],
        "features": [
            {
                "type": "Feature",
                "properties": {"name": n, "code": "00M", "count": i, "regionmap_sources": [1]},
                "geometry": {"type": "Point", "coordinates": [139.0 + i, 35.0 + i]},
            }
            for i, n in enumerate(["Alpha", "Beta"])
        ],
    }
    path = tmp_path / f"out.{fmt}"
    path.write_bytes(download_bytes(source, fmt))
    got = features(read_any(path))
    assert [f["geometry"]["coordinates"][:2] for f in got] == [[139.0, 35.0], [140.0, 36.0]]
    for feature, i in zip(got, range(2), strict=True):
        props = feature["properties"]
        assert props["name"] == ["Alpha", "Beta"][i]
        assert props["code"] == "00M" and props["count"] == i
        assert props["sources"] == "[1] T. P. https://e.org/"


def test_polygon_download_csv_uses_wkt(tmp_path):
    source = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Box"},
                "geometry": json.loads(json.dumps(box(0, 0, 1, 1).__geo_interface__)),
            }
        ],
    }
    path = tmp_path / "out.csv"
    path.write_bytes(download_bytes(source, "csv"))
    assert features(read_any(path))[0]["geometry"]["type"] == "Polygon"
