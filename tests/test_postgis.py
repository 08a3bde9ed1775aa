"""The PostGIS catalog store against a real PostgreSQL + PostGIS server (no mocks).

The issue's "done when" checks: a real-world add lands in a table with a geometry column
and a second process sees it; concurrent adds of one id; a killed add; export and the app
draw the layer; no folder named after the URL. Then the faults, each one line without the
password, and byte-identical copies between the stores.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CORPUS, REALWORLD

from regionmap.catalog import ROOT, Catalog
from regionmap.pg_schema import LATEST
from regionmap.problems import CatalogError
from regionmap.stores import open_catalog

ADMIN1 = REALWORLD / "admin1-us.geojson"
ADD = [
    "--title",
    "US states",
    "--license",
    "CC0-1.0",
    "--source-title",
    "Natural Earth admin-1",
    "--source-url",
    "https://www.naturalearthdata.com/",
]


def cli(*args: str, url: str | None = None, cwd: Path | None = None, **kw) -> subprocess.Popen:
    """Start ``python -m regionmap`` in a new process (REGIONMAP_CATALOG=url)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if url:
        env["REGIONMAP_CATALOG"] = url
    return subprocess.Popen(
        [sys.executable, "-m", "regionmap", *args],
        env=env,
        cwd=cwd or ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def done(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=240)
    return proc.returncode, out, err


def schema_of(url: str) -> str:
    return url.rsplit("schema=", 1)[1]


def points_file(path: Path, count: int) -> Path:
    """A FeatureCollection of ``count`` seeded points."""
    import random

    rng = random.Random(16)
    features = [
        {
            "type": "Feature",
            "properties": {"name": f"p{i}"},
            "geometry": {
                "type": "Point",
                "coordinates": [round(rng.uniform(-170, 170), 5), round(rng.uniform(-80, 80), 5)],
            },
        }
        for i in range(count)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


# --- done when ---------------------------------------------------------------------------
def test_realworld_add_lands_in_a_geometry_table_and_another_process_lists_it(
    pg_cluster, pg_url, tmp_path
):
    if not ADMIN1.exists():
        pytest.skip(f"{ADMIN1} is absent (the shared real-world inputs)")
    code, out, err = done(
        cli("add", str(ADMIN1), "--id", "admin1-us", *ADD, url=pg_url, cwd=tmp_path)
    )
    assert code == 0, err
    assert "Added layer 'admin1-us': 51 features" in out
    schema = schema_of(pg_url)
    rows = pg_cluster.sql(
        "SELECT type, srid FROM geometry_columns WHERE f_table_schema = "
        f"'{schema}' AND f_table_name = 'features' AND f_geometry_column = 'geom'"
    )
    assert rows == [("GEOMETRY", 4326)]
    counted = pg_cluster.sql(
        f"SELECT count(*), count(geom), min(ST_GeometryType(geom)) FROM {schema}.features "
        "WHERE layer_id = 'admin1-us'"
    )
    assert counted[0][0] == counted[0][1] == 51
    indexes = pg_cluster.sql(
        f"SELECT indexdef FROM pg_indexes WHERE schemaname = '{schema}' AND tablename = 'features'"
    )
    assert any("USING gist (geom)" in row[0] for row in indexes)
    code, out, _ = done(cli("layers", url=pg_url, cwd=tmp_path))
    assert code == 0 and "admin1-us" in out and "US states" in out and "51" in out
    assert not list(tmp_path.rglob("postgres*")), "a folder named after the URL appeared"
    assert not (ROOT / "postgresql:").exists()


def test_frame_reads_use_the_spatial_index(pg_cluster, pg_url, tmp_path):
    spread = points_file(tmp_path / "spread.geojson", 5000)
    code, _, err = done(cli("add", str(spread), "--id", "p", *ADD, url=pg_url))
    assert code == 0, err
    schema = schema_of(pg_url)
    pg_cluster.sql(f"ANALYZE {schema}.features")
    plan = pg_cluster.sql(
        f"EXPLAIN SELECT feature FROM {schema}.features WHERE layer_id = 'p' AND file = "
        "'data/p.geojson' AND geom && ST_MakeEnvelope(122, 24, 146, 46, 4326)"
    )
    assert "features_geom" in " ".join(row[0] for row in plan)
    japan = open_catalog(pg_url).load("p", bbox=(122, 24, 146, 46))
    assert 0 < len(japan.features) < 100
    folder = open_catalog(str(tmp_path / "f"))
    assert (
        done(cli("add", str(spread), "--id", "p", *ADD, "--catalog", str(tmp_path / "f")))[0] == 0
    )
    assert folder.load("p", bbox=(122, 24, 146, 46)).features == japan.features


def test_six_concurrent_adds_of_one_id_give_one_success(pg_cluster, pg_url):
    procs = [
        cli("add", str(CORPUS / "valid-point.geojson"), "--id", "same-id", *ADD, url=pg_url)
        for _ in range(6)
    ]
    results = [done(p) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1, 1, 1, 1, 1], results
    refused = [err for code, _, err in results if code == 1]
    assert all("a layer with id 'same-id' already exists" in err for err in refused), refused
    assert all(len(err.strip().splitlines()) == 1 for err in refused), refused
    schema = schema_of(pg_url)
    assert pg_cluster.sql(f"SELECT id FROM {schema}.layers") == [("same-id",)]
    assert pg_cluster.sql(f"SELECT count(*) FROM {schema}.features") == [(1,)]


def test_add_killed_inside_its_transaction_leaves_no_layer(pg_cluster, pg_url, tmp_path):
    big = points_file(tmp_path / "big.geojson", 60_000)
    open_catalog(pg_url)  # create the tables first, so the add goes straight to its work
    schema = schema_of(pg_url)
    proc = cli("add", str(big), "--id", "killed", *ADD, url=pg_url)
    deadline = time.monotonic() + 120
    # Kill it while its transaction holds the layer's advisory lock (writing rows).
    while time.monotonic() < deadline and proc.poll() is None:
        held = pg_cluster.sql(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
            "WHERE l.locktype = 'advisory' AND a.application_name = 'regionmap'"
        )
        if held[0][0]:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the add finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    layers = pg_cluster.sql(f"SELECT feature_count FROM {schema}.layers")
    features = pg_cluster.sql(f"SELECT count(*) FROM {schema}.features")
    if layers:  # killed in the instant after COMMIT: then the layer must be whole
        assert layers == [(60_000,)] and features == [(60_000,)]
        return
    assert features == [(0,)]
    code, out, _ = done(cli("layers", url=pg_url))
    assert code == 0 and "killed" not in out


def test_force_replaces_in_one_transaction(pg_cluster, pg_url):
    args = ["add", str(CORPUS / "valid-point.geojson"), "--id", "swap", *ADD]
    assert done(cli(*args, url=pg_url))[0] == 0
    bad = done(
        cli(
            "add",
            str(CORPUS / "longitude-200.geojson"),
            "--id",
            "swap",
            *ADD,
            "--force",
            url=pg_url,
        )
    )
    assert bad[0] == 1 and "nothing was written" in bad[2]
    assert len(open_catalog(pg_url).load("swap").features) == 1  # the old layer is intact
    code, _, err = done(
        cli(
            "add",
            str(CORPUS / "valid-unicode-names.geojson"),
            "--id",
            "swap",
            *ADD,
            "--force",
            url=pg_url,
        )
    )
    assert code == 0, err
    layer = open_catalog(pg_url).load("swap")
    assert layer.features[0]["properties"]["name"] == "沖縄"
    schema = schema_of(pg_url)
    assert pg_cluster.sql(f"SELECT count(*) FROM {schema}.layer_files") == [(1,)]


def test_export_draws_a_postgis_layer_as_the_folder_store_does(pg_url, tmp_path):
    if not ADMIN1.exists():
        pytest.skip(f"{ADMIN1} is absent (the shared real-world inputs)")
    folder = tmp_path / "folder"
    outputs = []
    for spec in (pg_url, str(folder)):
        assert done(cli("add", str(ADMIN1), "--id", "admin1-us", *ADD, "--catalog", spec))[0] == 0
        out = tmp_path / f"us-{len(outputs)}.svg"
        code, stdout, err = done(
            cli(
                "export",
                "--bbox",
                "-125,24,-66,50",
                "--layers",
                "admin1-us",
                "--date",
                "2026-12-01",
                "--out",
                str(out),
                "--catalog",
                spec,
                cwd=tmp_path,
            )
        )
        assert code == 0, err
        assert stdout.startswith("Wrote") and "feature(s)" in stdout
        assert int(stdout.split(": ")[1].split(" feature")[0]) >= 45  # lower 48 and DC
        outputs.append(out.read_bytes())
    assert b"Natural Earth admin-1" in outputs[0]
    assert outputs[0] == outputs[1]  # the same figure, byte for byte, from either store
    assert not list(tmp_path.rglob("postgres*"))


def test_app_draws_a_postgis_layer(pg_url, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    assert (
        done(
            cli(
                "add",
                str(CORPUS / "valid-unicode-names.geojson"),
                "--id",
                "okinawa",
                *ADD,
                url=pg_url,
            )
        )[0]
        == 0
    )
    monkeypatch.setenv("REGIONMAP_CATALOG", pg_url)
    monkeypatch.chdir(tmp_path)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    assert not at.exception, at.exception
    # Labels lead with the layer's legend swatch (an inline SVG image), then its title.
    labels = [t.label for t in at.toggle] + [c.label for c in at.checkbox]
    assert any(label.endswith(("Test layer", "US states")) for label in labels), labels
    proto = at.get("component_instance")[0].proto
    args = json.loads(proto.json_args)
    for special in proto.special_args:  # the lists travel as JSON bytes (component_args)
        if special.key == "lists":
            args.update(json.loads(special.bytes))
    page = args["script"] + "".join(g["js"] for g in args.get("groups") or [])  # data layers
    assert "沖縄" in page or "\\u6c96\\u7e04" in page
    assert not list(tmp_path.rglob("postgres*"))


def test_a_url_is_never_a_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CatalogError, match="not folders"):
        Catalog("postgresql://u:p@localhost/db")
    monkeypatch.setenv("REGIONMAP_CATALOG", "postgresql://u:p@localhost/db")
    with pytest.raises(CatalogError):
        Catalog()
    assert list(tmp_path.iterdir()) == []


# --- faults: one line, no traceback, never the password -----------------------------------
def assert_one_line(result: tuple[int, str, str], expected: str, *secrets_: str) -> None:
    code, out, err = result
    assert code == 1, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: ") and expected in lines[0], err
    assert "Traceback" not in out + err
    for secret in secrets_:
        assert secret not in out + err


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_server(tmp_path):
    secret = secrets.token_hex(8)
    url = f"postgresql://someone:{secret}@127.0.0.1:{_closed_port()}/maps"
    assert_one_line(
        done(cli("layers", url=url, cwd=tmp_path)), "cannot reach the catalog database", secret
    )
    assert list(tmp_path.iterdir()) == []


def test_wrong_credentials(pg_cluster):
    secret = "wrong-" + secrets.token_hex(8)
    url = pg_cluster.url(password=secret)
    assert_one_line(done(cli("layers", url=url)), "wrong user name or password", secret)


@pytest.fixture
def role(pg_cluster):
    """A login role without superuser rights: (name, password)."""
    name, password = f"r_{secrets.token_hex(4)}", secrets.token_hex(12)
    pg_cluster.sql(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'", db="postgres")
    yield name, password
    pg_cluster.sql(f"DROP OWNED BY {name}", db="regionmap_test")
    for db in [
        r[0]
        for r in pg_cluster.sql(
            f"SELECT datname FROM pg_database WHERE datname LIKE 'nopostgis_{name}'", db="postgres"
        )
    ]:
        pg_cluster.sql(f"DROP DATABASE {db}", db="postgres")
    pg_cluster.sql(f"DROP ROLE {name}", db="postgres")


def test_missing_postgis_extension(pg_cluster, role):
    name, password = role
    db = f"nopostgis_{name}"
    pg_cluster.sql(f"CREATE DATABASE {db} OWNER {name}", db="postgres")
    url = pg_cluster.url(db=db, user=name, password=password)
    for args in (("layers",), ("catalog", "init", url)):
        assert_one_line(done(cli(*args, url=url)), "has no PostGIS extension", password)


def test_read_only_role_reads_but_cannot_add(pg_cluster, pg_url, role):
    name, password = role
    assert (
        done(cli("add", str(CORPUS / "valid-point.geojson"), "--id", "shared", *ADD, url=pg_url))[0]
        == 0
    )
    schema = schema_of(pg_url)
    pg_cluster.sql(
        f"GRANT USAGE ON SCHEMA {schema} TO {name}; "
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {name}"
    )
    url = pg_cluster.url(user=name, password=password) + f"?schema={schema}"
    code, out, err = done(cli("layers", url=url))
    assert code == 0 and "shared" in out, err
    result = done(
        cli("add", str(CORPUS / "valid-unicode-names.geojson"), "--id", "mine", *ADD, url=url)
    )
    assert_one_line(result, f"the role '{name}' may not write to the catalog", password)


def test_read_only_server_reads_but_cannot_add(pg_url):
    """A hot standby (or default_transaction_read_only) refuses writes: one line."""
    assert done(cli("catalog", "init", pg_url))[0] == 0
    url = pg_url + "&options=-c%20default_transaction_read_only%3Don"
    assert done(cli("layers", url=url))[0] == 0
    result = done(cli("add", str(CORPUS / "valid-point.geojson"), "--id", "x", *ADD, url=url))
    assert_one_line(result, "is read-only here", url.split(":")[2].split("@")[0])


def test_catalog_schema_from_a_newer_version(pg_cluster, pg_url):
    secret = pg_cluster.password
    assert done(cli("catalog", "init", pg_url))[0] == 0
    schema = schema_of(pg_url)
    pg_cluster.sql(f"INSERT INTO {schema}.regionmap_schema (version) VALUES ({LATEST + 1})")
    result = done(cli("layers", url=pg_url))
    assert_one_line(result, f"has schema version {LATEST + 1}, newer than this regionmap", secret)


def test_init_is_repeatable_and_names_no_password(pg_cluster, pg_url):
    for _ in range(2):
        code, out, err = done(cli("catalog", "init", pg_url))
        assert code == 0, err
        assert f"schema version {LATEST}" in out and pg_cluster.password not in out + err


# --- copy between stores -------------------------------------------------------------------
def test_copy_folder_to_postgis_and_back_is_byte_identical(pg_url, tmp_path, copy_builtin):
    source = copy_builtin
    ids = ["basing", "countries", "events", "test-ranges"]
    code, out, err = done(cli("catalog", "copy", str(source), pg_url))
    assert code == 0, err
    assert f"Copied {len(ids)} layer(s)" in out
    back = tmp_path / "back"
    code, out, err = done(cli("catalog", "copy", pg_url, str(back)))
    assert code == 0, err
    copied = sorted(
        p.relative_to(back) for p in back.rglob("*") if p.is_file() and not p.name.startswith(".")
    )
    expected = [Path("layers") / f"{i}.yaml" for i in ids]
    expected += [
        Path("data") / n
        for n in (
            "basing.geojson",
            "countries-10m.geojson",
            "countries-110m.geojson",
            "countries-50m.geojson",
            "events.geojson",
            "test-ranges.geojson",
        )
    ]
    assert copied == sorted(expected)
    for path in copied:
        assert (back / path).read_bytes() == (source / path).read_bytes(), path
    # The copy is a working catalog in each store, with the same features.
    pg = open_catalog(pg_url)
    for layer_id in ids:
        a = Catalog(back, root=tmp_path / "none").load(layer_id, resolution="110m")
        b = pg.load(layer_id, resolution="110m")
        assert a.ok and b.ok and a.features == b.features
    # A second copy refuses to overwrite, and --force replaces.
    code, _, err = done(cli("catalog", "copy", str(source), pg_url, "--id", "events"))
    assert code == 1 and "the target has it already" in err
    assert done(cli("catalog", "copy", str(source), pg_url, "--id", "events", "--force"))[0] == 0
