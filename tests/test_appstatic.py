"""The app's map files on its own server: countries once per box, scripts once (issue 15)."""

from __future__ import annotations

import base64
import json

from regionmap.appbase import KEY_PREFIX, base_lists, base_part, prepared_base, publish_base
from regionmap.appmap import base_map
from regionmap.appstatic import ASSET_FOLDER, KEEP_FILES, publish_assets, publish_bytes
from regionmap.catalog import Catalog
from regionmap.clip import fit_to_view
from regionmap.layercache import load_layer
from regionmap.view import View, view_contents

JAPAN = (122.0, 24.0, 146.5, 46.0)


def _countries(box=JAPAN):
    layer = load_layer(Catalog(), "countries", "50m")
    return [(layer, fit_to_view(layer.features, box))]


def test_the_countries_file_holds_escaped_shapes_labels_and_inset_for_its_box():
    part = base_part(_countries(), anchor=JAPAN)
    doc = json.loads(part.data)
    names = {
        f["properties"]["tooltip"] for layer in doc["layers"] for f in layer["geojson"]["features"]
    }
    assert any("Japan" in name for name in names)
    assert doc["config"]["labels"]["countries"] and doc["config"]["inset"]["features"]
    assert all(layer["attribution"] for layer in doc["layers"])  # the credit travels with it
    # The same box gives the same file (its name is its hash); another box another file.
    assert base_part(_countries(), anchor=JAPAN).digest == part.digest
    assert base_part(_countries(), anchor=(120.0, 20.0, 150.0, 50.0)).digest != part.digest


def test_country_popups_cite_by_the_view_numbers():
    part = base_part(_countries(), anchor=JAPAN)
    keys = {
        f["properties"]["sources"]
        for layer in json.loads(part.data)["layers"]
        for f in layer["geojson"]["features"]
    }
    assert keys and all(k.startswith(KEY_PREFIX) for k in keys)  # never a data layer's key
    contents = view_contents(Catalog(), View(JAPAN, ("basing", "countries")))
    lists = base_lists(part, contents.bibliography)
    first = contents.bibliography.citations[0]
    assert set(lists) == keys
    assert all(f"[{first.number}]" in html for html in lists.values())


def test_a_published_file_is_written_once_and_never_half(tmp_path):
    part = base_part(_countries(), anchor=JAPAN)
    url = publish_base(part, tmp_path, "/sub/")
    path = tmp_path / "base" / f"{part.digest}.json"
    assert url == f"/sub/app/static/base/{part.digest}.json"
    assert path.read_bytes() == part.data
    stamp = path.stat().st_mtime_ns
    publish_base(part, tmp_path)
    assert path.stat().st_mtime_ns == stamp  # not rewritten
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no staging left


def test_the_cache_folder_keeps_only_the_newest_files(tmp_path):
    for n in range(KEEP_FILES + 5):
        publish_bytes(tmp_path, "base", f"{n:04d}.json", b"{}")
    kept = sorted(p.name for p in (tmp_path / "base").iterdir())
    assert len(kept) == KEEP_FILES and f"{KEEP_FILES + 4:04d}.json" in kept


def test_the_map_scripts_point_at_published_copies_of_the_same_bytes(tmp_path):
    inline = base_map()
    before = {
        name: uri
        for element in [inline, *inline._children.values()]
        for name, uri in getattr(element, "default_js", [])
    }
    m = publish_assets(base_map(), tmp_path)
    after = dict(m.default_js)
    assert set(after) == set(before) and after
    for name, url in after.items():
        assert url.startswith(f"/app/static/{ASSET_FOLDER}/") and url.endswith(".js")
        published = (tmp_path / ASSET_FOLDER / url.rsplit("/", 1)[1]).read_bytes()
        assert published == base64.b64decode(before[name].split(",", 1)[1])


def test_a_prepared_base_is_read_back_by_a_later_run_and_rebuilt_when_its_file_is_gone(tmp_path):
    built: list[int] = []

    def build():
        built.append(1)
        return base_part(_countries(), anchor=JAPAN)

    key = (JAPAN, None, (("countries", ("countries-50m.geojson", 1, 2)),))
    first = prepared_base(tmp_path, key, build)
    again = prepared_base(tmp_path, key, build)
    assert len(built) == 1, "the second run reads the prepared base"
    assert again == first and (tmp_path / "base" / f"{first.digest}.json").is_file()
    other = prepared_base(tmp_path, (JAPAN, "OpenStreetMap", key[2]), build)
    assert len(built) == 2 and other.digest == first.digest  # another key is built again
    (tmp_path / "base" / f"{first.digest}.json").unlink()  # e.g. pruned by the folder's cap
    assert prepared_base(tmp_path, key, build) == first and len(built) == 3
    (tmp_path / "base" / f"{first.digest}.json").write_bytes(b"{}")  # not its bytes
    assert prepared_base(tmp_path, key, build) == first and len(built) == 4


def test_a_folder_that_cannot_be_written_still_gives_the_base(tmp_path):
    blocked = tmp_path / "static"
    blocked.write_text("a file where the folder should be")
    part = prepared_base(blocked, (JAPAN,), lambda: base_part(_countries(), anchor=JAPAN))
    assert json.loads(part.data)["layers"]
