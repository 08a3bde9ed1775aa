"""Hostile and random input: no traceback, no damaged catalog, concurrent adds are safe."""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CORPUS, snapshot
from hostile import BROKEN, GOOD, NULL_FEATURES, SECRET_FIELD, WARNED, build_hostile_catalog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regionmap.catalog import ROOT
from regionmap.geojson import GEOMETRY_TYPES, Limits, nesting_depth, read_geojson
from regionmap.geojson import decode as decode_module

ADD = [
    "--title",
    "T",
    "--license",
    "CC0-1.0",
    "--source-title",
    "S",
    "--source-url",
    "https://example.org/s",
]

numbers = st.one_of(
    st.integers(-400, 400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=3),
    st.none(),
)
positions = st.lists(numbers, max_size=4)
nested = st.recursive(positions, lambda inner: st.lists(inner, max_size=4), max_leaves=20)
# Every real type, plus near misses: a lower-case name, an unknown one, null and a number.
geometry_types = st.sampled_from([*sorted(GEOMETRY_TYPES), "point", "Circle", None, 7])
geometries = st.fixed_dictionaries(
    {"type": geometry_types},
    optional={
        "coordinates": nested,
        "geometries": st.lists(st.none() | st.just({}), max_size=2),
        "bbox": st.lists(numbers, max_size=7),
    },
)
properties = st.one_of(
    st.none(),
    st.dictionaries(st.text(max_size=5), st.one_of(st.text(max_size=20), numbers), max_size=4),
    st.lists(st.integers(), max_size=2),
)
features = st.fixed_dictionaries(
    {"type": st.sampled_from(["Feature", "feature", "FeatureCollection", None])},
    optional={
        "geometry": st.one_of(st.none(), geometries),
        "properties": properties,
        "id": st.one_of(st.text(max_size=3), st.integers(), st.just({})),
    },
)
documents = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("FeatureCollection"), "features": st.lists(features, max_size=4)},
        optional={
            "crs": st.one_of(
                st.none(),
                st.just({}),
                st.just({"type": "name", "properties": {"name": "EPSG:3857"}}),
            ),
            "bbox": st.lists(numbers),
        },
    ),
    features,
    geometries,
    st.lists(features, max_size=2),
    numbers,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_random_documents_give_problems_or_a_layer(tmp_path_factory, document):
    """The validator never raises: it returns problems, or a normalised collection."""
    path = tmp_path_factory.mktemp("h") / "doc.geojson"
    path.write_text(json.dumps(document, allow_nan=True), encoding="utf-8")
    result = read_geojson(path)
    assert result.ok == (result.collection is not None)
    for problem in result.problems:
        assert problem.rule and problem.message and problem.severity in ("error", "warning")
    if result.collection is not None:
        json.dumps(result.collection, allow_nan=False)  # output is always valid JSON


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_raise(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("b") / "doc.geojson"
    path.write_bytes(raw)
    result = read_geojson(path)
    assert result.problems or result.collection is not None


def test_limits_name_the_cap_and_how_to_raise_it(tmp_path):
    path = CORPUS / "valid-mixed-geometries.geojson"
    result = read_geojson(path, limits=Limits(max_features=2))
    (problem,) = result.problems
    assert "cap of 2" in problem.message and "--max-features" in problem.fix
    result = read_geojson(path, limits=Limits(max_bytes=10))
    assert "--max-mb" in result.problems[0].fix
    result = read_geojson(path, limits=Limits(max_vertices=2))
    assert any("--max-vertices" in p.fix for p in result.problems)
    deep = tmp_path / "deep.geojson"
    deep.write_text(
        '{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    assert read_geojson(deep).problems[0].rule in (
        "limit-depth",
        "coordinates-shape",
        "member-type",
    )


def _add(catalog: Path, layer_id: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "regionmap",
            "add",
            str(CORPUS / "valid-point.geojson"),
            "--id",
            layer_id,
            *ADD,
            "--catalog",
            str(catalog),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_concurrent_adds_of_one_id_give_one_layer_and_one_error(tmp_path):
    catalog = tmp_path / "cat"
    procs = [_add(catalog, "same-id") for _ in range(2)]
    outputs = [(p.wait(timeout=120), p.stdout.read()) for p in procs]
    codes = sorted(code for code, _ in outputs)
    assert codes == [0, 1], outputs
    assert any("already exists" in out for _, out in outputs)
    assert sorted(p.name for p in (catalog / "layers").glob("*.yaml")) == ["same-id.yaml"]
    assert not [p for p in catalog.rglob("*.tmp")]


def test_killed_add_leaves_no_partial_layer(tmp_path):
    """SIGKILL at any moment of an add: either a whole layer or none, never half."""
    catalog = tmp_path / "cat"
    for delay in (0.05, 0.2, 0.4, 0.8):
        proc = _add(catalog, "killed")
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        meta = catalog / "layers" / "killed.yaml"
        if meta.exists():  # the add finished: the layer must be whole and valid
            assert (catalog / "data" / "killed.geojson").exists()
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "regionmap",
                    "validate",
                    "killed",
                    "--catalog",
                    str(catalog),
                ],
                capture_output=True,
                text=True,
            )
            assert result.returncode == 0, result.stdout + result.stderr
            return
    before = snapshot(catalog) if catalog.exists() else {}
    assert not any(name.endswith(".yaml") for name in before)


# -- issue 13: a hostile catalog, run under a 3 GB address-space cap ------------------------

ADDRESS_SPACE_CAP = 3 * 1024**3
# What must never reach a terminal: C0/C1 controls (but tab and newline) and bidi controls.
CONTROL_CHARS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))


def run_capped(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the CLI in a subprocess under the address-space cap, from this worktree."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("REGIONMAP_CATALOG", None)
    return subprocess.run(
        [sys.executable, "-m", "regionmap", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        preexec_fn=_cap_memory,
    )


def assert_clean_output(result: subprocess.CompletedProcess) -> str:
    """No traceback and no control characters; returns stdout + stderr."""
    out = result.stdout + result.stderr
    assert "Traceback" not in out, out[-3000:]
    assert not CONTROL_CHARS.search(out), CONTROL_CHARS.findall(out)[:5]
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    return build_hostile_catalog(tmp_path_factory.mktemp("hostile") / "catalog")


def test_hostile_catalog_layers_lists_good_ok_and_the_rest_with_problems(hostile):
    result = run_capped("layers", "--catalog", str(hostile))
    out = assert_clean_output(result)
    assert result.returncode == 0, out
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:] if line.strip()}
    assert rows[GOOD].rstrip().endswith("ok")
    for layer_id in BROKEN:
        assert re.search(r"\d+ problems?$", rows[layer_id].rstrip()), rows.get(layer_id)
    for layer_id in WARNED:
        assert rows[layer_id].rstrip().endswith("ok"), rows[layer_id]
    assert "\\x1b]0;owned\\x07" in rows["terminal-escapes"]  # shown, not obeyed
    assert SECRET_FIELD not in out


def test_hostile_catalog_validate_names_every_rule_and_exits_1_quickly(hostile):
    start = time.monotonic()
    result = run_capped("validate", "--catalog", str(hostile))
    elapsed = time.monotonic() - start
    out = assert_clean_output(result)
    assert result.returncode == 1, out
    assert elapsed < 30, f"validate took {elapsed:.0f} s"
    lines = out.splitlines()
    for layer_id, rule in BROKEN.items():
        assert f"{layer_id}: " in out and f"[{rule}]" in out, layer_id
        assert any(layer_id in line and f"[{rule}]" in line for line in lines), layer_id
        assert any(line.startswith(f"{layer_id}: ") and "error(s)" in line for line in lines)
    assert any(line.startswith(f"{GOOD}: ok") for line in lines)
    nulls = [line for line in lines if "[null-geometry]" in line]
    assert len(nulls) == 1 and f"{NULL_FEATURES:,} feature(s)" in nulls[0]
    assert SECRET_FIELD not in out


def test_hostile_catalog_export_of_the_good_layer_and_of_the_defaults(hostile, tmp_path):
    out_file = tmp_path / "good.svg"
    result = run_capped(
        "export",
        "--bbox",
        "130,30,150,45",
        "--layers",
        GOOD,
        "--out",
        str(out_file),
        "--catalog",
        str(hostile),
    )
    out = assert_clean_output(result)
    assert result.returncode == 0, out
    assert out_file.stat().st_size > 1000 and "1 feature(s)" in out
    default = tmp_path / "default.svg"
    result = run_capped(
        "export", "--bbox", "130,30,150,45", "--out", str(default), "--catalog", str(hostile)
    )
    out = assert_clean_output(result)
    assert result.returncode == 0, out
    assert default.exists()


def test_validate_takes_ids_never_paths(hostile, tmp_path):
    (tmp_path / "secret.yaml").write_text(f"{SECRET_FIELD}: 1\n")
    for bad in (str(tmp_path / "secret"), "../../elsewhere/secret", "a/b", "Upper"):
        result = run_capped("validate", bad, "--catalog", str(hostile))
        out = assert_clean_output(result)
        assert result.returncode == 2 and "is not a layer id" in out, out
        assert SECRET_FIELD not in out


def test_hostile_catalog_in_the_app(hostile, monkeypatch):
    """The app draws its map and lists every broken layer with its problems."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("REGIONMAP_CATALOG", str(hostile))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.get("component_instance"), "the map is missing"
    (expander,) = [e for e in at.expander if e.label.startswith("Layer problems")]
    shown = " ".join(m.value for m in expander.markdown)
    for layer_id in BROKEN:
        assert layer_id.replace("-", "\\-") in shown, layer_id
    assert "Traceback" not in str(at)


# -- safe writes ----------------------------------------------------------------------------

VALID = CORPUS / "valid-mixed-geometries.geojson"


def _add_args(catalog: Path, layer_id: str = "new-layer", source: Path = VALID) -> list[str]:
    return ["add", str(source), "--id", layer_id, *ADD, "--catalog", str(catalog)]


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every entry below a folder (directories as None), the lock file included."""
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def small_disk(tmp_path):
    """A 64 kB tmpfs (needs root); unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)])
    if done.returncode:
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)])


def test_disk_full_is_one_line_and_the_catalog_is_unchanged(small_disk, tmp_path):
    catalog = small_disk / "catalog"
    catalog.mkdir()
    big = tmp_path / "big.geojson"
    big.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"note": "x" * 200},
                        "geometry": {"type": "Point", "coordinates": [i % 180, 0]},
                    }
                    for i in range(2000)
                ],
            }
        )
    )
    before = _tree(catalog)
    result = run_capped(*_add_args(catalog, source=big))
    out = assert_clean_output(result)
    assert result.returncode == 1
    assert "No space left on device (ENOSPC)" in out and "data/new-layer.geojson" in out, out
    assert len([line for line in out.splitlines() if line.strip()]) == 1, out
    assert _tree(catalog) == before == {}


def test_read_only_catalog_is_one_line(small_disk):
    catalog = small_disk / "catalog"
    catalog.mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = run_capped(*_add_args(catalog))
    out = assert_clean_output(result)
    assert result.returncode == 1 and "Read-only file system (EROFS)" in out, out
    assert str(catalog) in out


def test_permission_denied_is_one_line(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("runs the add as user nobody, which needs root")
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    tmp_path.chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "regionmap", *_add_args(catalog)],
            capture_output=True,
            text=True,
            env=env,
            user=65534,
            group=65534,
            cwd=tmp_path,
        )
    except PermissionError:
        pytest.skip(f"user nobody may not run {sys.executable}")
    out = assert_clean_output(result)
    assert result.returncode == 1 and "Permission denied (EACCES)" in out, out
    assert _tree(catalog) == {}


def test_added_files_follow_the_umask(tmp_path):
    catalog = tmp_path / "catalog"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = (
        "import os, sys; os.umask(0o022); from regionmap.cli import cli; "
        "sys.argv = ['regionmap', *sys.argv[1:]]; cli()"
    )
    subprocess.run([sys.executable, "-c", script, *_add_args(catalog)], env=env, check=True)
    for path in (catalog / "layers" / "new-layer.yaml", catalog / "data" / "new-layer.geojson"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, oct(path.stat().st_mode)


def test_stale_temporary_files_are_removed_at_the_next_add(tmp_path):
    catalog = tmp_path / "catalog"
    (catalog / "data").mkdir(parents=True)
    (catalog / "layers").mkdir()
    stale = catalog / "data" / ".killed.geojson.abc123.tmp"
    stale.write_bytes(b"x" * 1000)
    result = run_capped(*_add_args(catalog))
    assert result.returncode == 0, result.stdout + result.stderr
    assert not stale.exists()
    assert not list(catalog.rglob("*.tmp")) and not list(catalog.rglob("*.lock"))


def test_failed_add_into_an_empty_catalog_leaves_nothing(tmp_path):
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    result = run_capped(*_add_args(catalog, source=CORPUS / "longitude-200.geojson"))
    assert result.returncode == 1
    assert _tree(catalog) == {}
    missing = tmp_path / "not-yet"
    result = run_capped(*_add_args(missing, source=CORPUS / "file-png-renamed.geojson"))
    assert result.returncode == 1 and "this is a PNG image" in result.stderr
    assert not missing.exists()


def test_png_pixel_budget_says_what_to_lower(tmp_path):
    result = run_capped(
        "export", "--region", "world", "--dpi", "1200", "--out", str(tmp_path / "w.png")
    )
    out = assert_clean_output(result)
    assert result.returncode == 2, out
    assert "above the budget of 30" in out and "lower --dpi to 782 or less" in out
    assert not (tmp_path / "w.png").exists()


@pytest.mark.browser
def test_hostile_catalog_in_chromium(hostile, tmp_path):
    """In a real browser: the map draws, broken layers are listed, the override is visible."""
    from browser import chromium_page, chromium_skip_reason, streamlit_server

    reason = chromium_skip_reason()
    if reason:
        pytest.skip(reason)
    env = {**os.environ, "REGIONMAP_CATALOG": str(hostile), "PYTHONPATH": str(ROOT)}
    log = tmp_path / "streamlit.log"
    with (
        streamlit_server(ROOT / "app.py", cwd=ROOT, env=env, log=log) as url,
        chromium_page(viewport=(1200, 900)) as page,
    ):
        page.goto(url, timeout=120_000)
        handle = page.wait_for_selector("iframe[title='app.regionmap_map']", timeout=120_000)
        handle.content_frame().wait_for_selector(".leaflet-container", timeout=60_000)
        page.get_by_text("Layer problems").first.wait_for(timeout=60_000)
        text = page.inner_text("body")
        assert f"{len(BROKEN)} broken" in text, text[:2000]
        for layer_id in ("big-integer", "billion-laughs", "lone-surrogate", "png-as-geojson"):
            assert layer_id in text
        page.get_by_role("tab", name="Sources").click()
        page.get_by_text("evil").first.wait_for(timeout=30_000)
        text = page.inner_text("body")
        assert "\\u202eevil" in text and "\u202e" not in text
        assert "Traceback" not in text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab', max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=25,
)


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_nesting_scan_agrees_with_the_parsed_document(value):
    """Brackets and quotes inside strings (escaped or not) never count as nesting."""
    text = json.dumps(value, ensure_ascii=False)
    assert nesting_depth(text.encode("utf-8"), cap=10_000) == _depth(value)
    chunk = decode_module._CHUNK
    decode_module._CHUNK = 5  # strings and escapes that straddle chunk boundaries
    try:
        assert nesting_depth(text.encode("utf-8"), cap=10_000) == _depth(value)
    finally:
        decode_module._CHUNK = chunk
