"""What the app's map component receives: the mounted map's page, and the view's groups.

The app draws its map with a small Streamlit component of its own (the page and the script
in ``static/component/``, declared in ``app.py``), not with streamlit-folium. Both are fed
folium's output, but this one:

* reports the map's view as soon as it stops moving (streamlit-folium waits 250 ms, which
  cannot be set), so a pan reruns the view at once;
* keeps every group it already shows: each group arrives as its own script with a key (a
  hash of the script), and the page re-runs only the groups from the first changed one on,
  so a toggle or a pan that changes the sources numbering re-draws what changed, not all;
* loads the scripts and stylesheets as plain files (published once by
  :mod:`regionmap.appstatic`), with no React bundle or Bootstrap of its own.

This module turns folium objects into those arguments; it never imports streamlit. The map's
JavaScript variable is ``map_div`` in the page (:data:`MAP_VAR`), which the groups of
:mod:`regionmap.appmap` add themselves to. The app replaced streamlit-folium with it because
of the first two points: a pan took 0.46 s, a toggle 0.37 s (``benchmarks/bench_app.py``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    import folium

__all__ = ["COMPONENT_DIR", "MAP_VAR", "component_args", "group_scripts", "mount_args"]

#: The component's page and script (``index.html``, ``mapframe.js``), served by Streamlit.
COMPONENT_DIR = Path(__file__).resolve().parent / "static" / "component"

#: The mounted map's JavaScript variable (and its element's id) in the component's page.
MAP_VAR = "map_div"
_SRC_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]*)\"[^>]*>\s*</script>", re.I)
_STYLESHEET = re.compile(r"<link\b[^>]*\brel=\"stylesheet\"[^>]*\bhref=\"([^\"]*)\"[^>]*/?>", re.I)


def _digest(*parts: str) -> str:
    """A short hash of text: the key that tells a changed script from a kept one."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()[:20]


def mount_args(m: folium.Map) -> dict[str, Any]:
    """The base map as the component's page parts.

    Returns ``header`` (the page's inline styles and scripts), ``html`` (the map's element),
    ``script`` (the map's own script: it creates ``map_div``), ``js_links`` and ``css_links``
    (the scripts and stylesheets, in order: ``data:`` URIs or files of the app's own server)
    and ``key``, a hash of them all: a new key is a new page (e.g. another online basemap).

    Element ids are numbered in tree order, so the same map gives the same arguments.

    Examples
    --------
    >>> from regionmap.offline import OfflineMap
    >>> args = mount_args(OfflineMap())
    >>> args["script"].count("var map_div = L.map(")
    1
    >>> args["key"] == mount_args(OfflineMap())["key"]
    True
    """
    from regionmap.render import number_elements

    number_elements(m.get_root(), lambda n: f"{n:08x}")
    m._id = MAP_VAR.removeprefix("map_")
    root = m.get_root()
    root.render()
    header = root.header.render()
    js_links = _SRC_SCRIPT.findall(header)
    css_links = _STYLESHEET.findall(header)
    header = _STYLESHEET.sub("", _SRC_SCRIPT.sub("", header))
    html = root.html.render().strip()
    script = root.script.render()
    args = {
        "header": header,
        "html": html,
        "script": script,
        "js_links": js_links,
        "css_links": css_links,
    }
    args["key"] = _digest(header, html, script, *js_links, *css_links)
    return args


def component_args(
    page: Mapping[str, Any],
    groups: Sequence[Mapping[str, str]] = (),
    prefetch: Sequence[str] = (),
) -> dict[str, Any]:
    """The component's arguments: the page's text (``mount_args`` without its key), and its
    lists (scripts, stylesheets, ``groups`` and the URLs to ``prefetch``) as one JSON
    document in bytes, ``lists``, with its hash ``lists_key``.

    Streamlit checks every list argument of a component for a data frame, which imports
    pandas (0.24 s of a cold start); text and bytes it passes as they are.

    Examples
    --------
    >>> args = component_args({"header": "", "html": "", "script": "", "js_links": ["a.js"],
    ...                        "css_links": []})
    >>> sorted(args), orjson.loads(args["lists"])["js_links"]
    (['header', 'html', 'lists', 'lists_key', 'script'], ['a.js'])
    """
    lists = {
        "js_links": list(page["js_links"]),
        "css_links": list(page["css_links"]),
        "groups": list(groups),
        "prefetch": list(prefetch),
    }
    text = {name: page[name] for name in ("header", "html", "script")}
    data = orjson.dumps(lists)
    # Streamlit's frontend redraws a component when its JSON arguments change, not when only
    # its bytes do: the lists' hash is one of the JSON arguments.
    return {**text, "lists": data, "lists_key": hashlib.sha256(data).hexdigest()[:20]}


def group_scripts(groups: Sequence[folium.FeatureGroup]) -> list[dict[str, str]]:
    """Each group as ``{"name", "key", "js"}``: its variable, a hash of its script, the script.

    The script creates the group (variable ``name``), fills it and adds it to ``map_div``;
    the page runs it in a function of its own, so its variables never meet another group's.
    Element ids are numbered by the group's place and tree order: the same group in the same
    place gives the same script, and the page keeps it.

    Examples
    --------
    >>> import folium
    >>> g = folium.FeatureGroup(name="Sites")
    >>> _ = folium.CircleMarker((35.0, 139.0), radius=4).add_to(g)
    >>> [s] = group_scripts([g])
    >>> s["name"], s["js"].rstrip().endswith("feature_group_g0.addTo(map_div);")
    ('feature_group_g0', True)
    >>> group_scripts([g])[0]["key"] == s["key"]
    True
    """
    import folium

    from regionmap.render import number_elements

    out = []
    for index, group in enumerate(groups):
        host = folium.Map(tiles=None)  # stands for the mounted map: its variable is map_div
        host._id = MAP_VAR.removeprefix("map_")
        number_elements(group, lambda n, i=index: f"g{i}_{n}" if n else f"g{i}")
        group.add_to(host)
        group.render()
        js = host.get_root().script.render()
        out.append({"name": group.get_name(), "key": _digest(js), "js": js})
    return out
