"""The app map component's arguments (regionmap.mapcomponent): the page and keyed groups."""

from __future__ import annotations

import folium

from regionmap.appmap import base_map
from regionmap.mapcomponent import group_scripts, mount_args
from regionmap.offline import OfflineMap


def _demo() -> OfflineMap:
    m = OfflineMap(location=(26.21, 127.68), zoom_start=5)
    folium.Marker((26.21, 127.68), popup=folium.Popup("Naha"), tooltip="Naha").add_to(m)
    return m


def test_the_same_map_gives_the_same_page_and_key():
    # A new key would mount a new page on every rerun: the ids must not be random.
    assert mount_args(_demo()) == mount_args(_demo())
    assert mount_args(base_map())["key"] == mount_args(base_map())["key"]
    assert mount_args(base_map("OpenStreetMap.Mapnik"))["key"] != mount_args(base_map())["key"]


def test_scripts_and_stylesheets_are_links_not_header_tags():
    page = mount_args(base_map())
    assert page["js_links"] and page["css_links"]
    assert all(u.startswith("data:") for u in page["js_links"] + page["css_links"])
    assert "<script src" not in page["header"] and 'rel="stylesheet"' not in page["header"]
    assert page["script"].count("var map_div = L.map(") == 1
    assert page["html"] == '<div class="folium-map" id="map_div" ></div>'


def _group(names: list[str]) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Sites")
    for i, name in enumerate(names):
        folium.CircleMarker((35.0 + i, 139.0), radius=4, tooltip=name).add_to(group)
    return group


def test_a_group_keeps_its_key_until_its_content_changes():
    first = group_scripts([_group(["Yokosuka"]), _group(["Kadena"])])
    again = group_scripts([_group(["Yokosuka"]), _group(["Kadena"])])
    changed = group_scripts([_group(["Yokosuka"]), _group(["Kadena", "Futenma"])])
    assert [g["key"] for g in first] == [g["key"] for g in again]
    assert first[0]["key"] == changed[0]["key"] and first[1]["key"] != changed[1]["key"]
    # Each script makes its own variable and adds it to the mounted map.
    assert [g["name"] for g in first] == ["feature_group_g0", "feature_group_g1"]
    assert first[1]["js"].rstrip().endswith("feature_group_g1.addTo(map_div);")
