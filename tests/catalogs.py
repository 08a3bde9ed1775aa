"""Small temporary catalogs for the render and app tests (``from catalogs import ...``).

Layers are written as real files (``layers/<id>.yaml`` + ``data/<id>.geojson``) and loaded
through :class:`regionmap.catalog.Catalog`, so the tests exercise the same path as the app.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

#: Strings that try every way out of escaping: HTML, attributes, Jinja (server-side
#: template evaluation), JS template literals, backslashes and the closing script tag.
PAYLOADS: dict[str, str] = {
    "script": "<script>alert('x')</script>",
    "img": '<img src=x onerror="alert(1)">',
    "svg": '"><svg onload=alert(1)>',
    "jinja-expr": "AAA{{7*7}}ZZZ",
    "jinja-stmt": "{% for i in range(3) %}LOOP{% endfor %}",
    "jinja-comment": "{# unterminated comment",
    "backtick": "`;alert(1);`",
    "template-literal": "${alert(1)}",
    "backslash": "back\\slash\\`\\",
    "close-script": "</script><script>alert(2)</script>",
}


def jinja_exec_payloads(marker: Path) -> dict[str, str]:
    """Jinja payloads that would create ``marker`` if any template evaluated them."""
    touch = f"lipsum.__globals__.os.popen('touch {marker}').read()"
    return {
        "popen-expr": "{{ " + touch + " }}",
        "popen-stmt": "{% set x = " + touch + " %}",
        "popen-raw-escape": "{% endraw %}{{ " + touch + " }}{% raw %}",
    }


def point(fid: str, name: str, lon: float, lat: float, **props: Any) -> dict[str, Any]:
    """A point feature with the shipped layers' core properties."""
    return {
        "type": "Feature",
        "properties": {"id": fid, "name": name, **props},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def source(key: str, title: str = "A public source", url: str = "https://example.org/a") -> dict:
    """A bibliography entry."""
    return {
        "key": key,
        "title": title,
        "publisher": "Example Publisher",
        "url": url,
        "published": "2020-01-02",
        "accessed": "2026-11-25",
    }


def write_layer(
    folder: Path,
    layer_id: str,
    features: list[dict[str, Any]],
    **meta: Any,
) -> Path:
    """Write one layer into a catalog folder; returns the metadata path.

    ``meta`` overrides the defaults (title, license, sources, popup, group, ...).
    """
    (folder / "layers").mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    data = folder / "data" / f"{layer_id}.geojson"
    data.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    doc = {
        "id": layer_id,
        "title": f"Layer {layer_id}",
        "license": "CC0-1.0",
        "data": f"../data/{layer_id}.geojson",
        "sources": [source("src")],
        "group": "Test layers",
        **meta,
    }
    path = folder / "layers" / f"{layer_id}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), "utf-8")
    return path


def payload_layer(folder: Path, marker: Path, layer_id: str = "hostile") -> Path:
    """A layer whose title, group, labels, sources and feature text are all payloads."""
    payloads = {**PAYLOADS, **jinja_exec_payloads(marker)}
    text = " | ".join(payloads.values())
    features = [
        point(
            f"p{i}",
            value,
            130.0 + i * 0.5,
            33.0,
            note=value,
            country="JPN",
            field=value,
            link="javascript:alert(1)",
            sources=["bad"],
        )
        for i, value in enumerate(payloads.values())
    ]
    return write_layer(
        folder,
        layer_id,
        features,
        title=f"T {PAYLOADS['script']} {PAYLOADS['jinja-expr']} {PAYLOADS['backtick']}",
        description=text,
        attribution=text,
        group=PAYLOADS["svg"],
        sources=[
            source("bad", title=text, url="https://example.org/?q=%3Cscript%3E&x='\"`${}"),
        ],
        popup=[{"field": "field", "label": PAYLOADS["img"] + PAYLOADS["jinja-expr"]}],
    )


#: Name of the lone hostile point of :func:`tiled_crowd`.
HOSTILE = f"{PAYLOADS['img']} {PAYLOADS['script']} {PAYLOADS['jinja-expr']}"


def tiled_crowd(folder: Path) -> Path:
    """A layer ``crowd`` of about 3,000 points around Osaka, cut into its PMTiles archive.

    Two lone points, away from the crowd: ``hostile`` at (135.5, 34.7), year 2000, with
    hostile name, note and field, citing only the second source; ``old`` at (135.4, 34.6),
    year 1950. The layer's time field is ``year``; squares in #d55e00.
    """
    import random

    from regionmap.tiles import build_pmtiles

    rng = random.Random(17)
    features = [
        point(f"p{i}", f"Place {i}", rng.uniform(135.0, 136.0), rng.uniform(34.3, 35.0),
              year=str(rng.randint(1990, 2020)))
        for i in range(3000)
    ]  # fmt: skip
    # Keep the crowd off the two lone points, so a click there finds only them.
    lone = ((135.5, 34.7), (135.4, 34.6))
    features = [
        f
        for f in features
        if all(abs(f["geometry"]["coordinates"][0] - x) > 0.02 or
               abs(f["geometry"]["coordinates"][1] - y) > 0.02 for x, y in lone)
    ]  # fmt: skip
    features.append(
        point("hostile", HOSTILE, 135.5, 34.7, year="2000", note=PAYLOADS["close-script"],
              field=PAYLOADS["svg"], sources=["second"])
    )  # fmt: skip
    features.append(point("old", "Too old", 135.4, 34.6, year="1950"))
    write_layer(
        folder,
        "crowd",
        features,
        sources=[source("src"), source("second", "Second source", "https://example.org/b")],
        popup=[{"field": "field", "label": "Field <b>"}, {"field": "year", "label": "Year"}],
        time={"start": "year"},
        style={"color": "#d55e00", "marker": "square", "radius": 5},
    )
    build_pmtiles(folder / "data" / "crowd.geojson", "crowd")
    return folder
