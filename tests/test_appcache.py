"""What the app prepares once for every process (regionmap.appcache): the map's arguments."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from regionmap.appcache import MAP_FOLDER, prepared_map

ROOT = Path(__file__).resolve().parents[1]


def _entry(js: str = "var g0 = 1;", link: str = "data:text/javascript,1") -> dict:
    page = {"header": "", "html": "", "script": "", "js_links": [link], "css_links": []}
    return {"page": page, "groups": [{"name": "g0", "key": "k", "js": js}]}


def test_a_view_is_built_once_then_read_by_any_process(tmp_path):
    built = []

    def build() -> dict:
        built.append(1)
        return _entry()

    first = prepared_map(tmp_path, ("world",), build)
    again = prepared_map(tmp_path, ("world",), build)
    other = prepared_map(tmp_path, ("japan",), build)
    assert first == again == other == _entry() and len(built) == 2
    assert len(list((tmp_path / MAP_FOLDER).glob("*.json"))) == 2


def test_an_entry_naming_a_file_that_is_gone_is_built_again(tmp_path):
    script = tmp_path / "assets" / "leaflet-1.js"
    script.parent.mkdir()
    script.write_text("// leaflet", encoding="utf-8")
    entry = _entry(link="/app/static/assets/leaflet-1.js")
    assert prepared_map(tmp_path, ("world",), lambda: entry) == entry
    assert prepared_map(tmp_path, ("world",), lambda: {"rebuilt": True}) == entry  # read
    script.unlink()
    assert prepared_map(tmp_path, ("world",), lambda: {"rebuilt": True}) == {"rebuilt": True}


def test_a_prepared_view_is_read_without_folium_or_pandas(tmp_path):
    prepared_map(tmp_path, ("world",), _entry)
    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from regionmap.appcache import prepared_map
        entry = prepared_map(Path({str(tmp_path)!r}), ("world",), lambda: {{}})
        assert entry["groups"][0]["js"] == "var g0 = 1;", entry
        print(sorted(m for m in ("folium", "pandas", "branca") if m in sys.modules))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]", out.stderr
