"""The floor of ``bench_app.py``: a bare Streamlit page with an inline offline Leaflet map.

No regionmap code: Leaflet's JavaScript and CSS (the files vendored from npm under
``regionmap/assets/leaflet``) are inlined as text in one HTML page with the same 1:110m
countries (``data/countries-110m.geojson``, geometry only) and one marker, drawn with
``streamlit.components.v1.html``. A sidebar region choice and marker checkbox redraw the page
(the floor of the app's region change and layer toggle). Run it with
``streamlit run benchmarks/floor_app.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

ROOT = Path(__file__).resolve().parents[1]
LEAFLET = ROOT / "regionmap" / "assets" / "leaflet"


#: The floor's region choices (as the app's presets): (west, south, east, north).
REGIONS = {"World": (-180.0, -60.0, 180.0, 84.0), "Japan": (122.0, 24.0, 146.5, 46.0)}


def floor_page(region: str = "World", marker: bool = True) -> str:
    """The floor's HTML page: Leaflet, the 110m countries and one marker, all inline."""
    west, south, east, north = REGIONS[region]
    collection = json.loads((ROOT / "data" / "countries-110m.geojson").read_text("utf-8"))
    geometry = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": f["geometry"]}
            for f in collection["features"]
        ],
    }
    data = json.dumps(geometry, separators=(",", ":")).replace("</", "<\\/")
    js = (LEAFLET / "leaflet.js").read_text("utf-8").replace("//# sourceMappingURL=", "// ")
    css = (LEAFLET / "leaflet.css").read_text("utf-8")
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<style>{css}</style><style>html,body,#map{{height:100%;margin:0}}</style>
<script>{js}</script></head><body><div id="map"></div><script>
var map = L.map("map").fitBounds([[{south}, {west}], [{north}, {east}]]);
L.geoJSON({data}, {{style: {{color: "#777", weight: 1, fillColor: "#eee", fillOpacity: 1}}}})
  .addTo(map);
if ({"true" if marker else "false"}) {{
  L.circleMarker([35.68, 139.69], {{radius: 6}}).addTo(map);
}}
</script></body></html>"""


if __name__ == "__main__":
    st.set_page_config(page_title="floor", layout="wide")
    choice = st.sidebar.selectbox("Region", list(REGIONS))
    shown = st.sidebar.checkbox("Marker", value=True)
    components.html(floor_page(choice, shown), height=560)
