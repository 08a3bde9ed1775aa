"""Build the curated layers (basing, test-ranges, events) from data/curated/<id>.yaml.

Each curated file holds the bibliography (with a `verified` note of what each page states),
the agreements table (basing) and the features with their coordinates as the cited page
gives them. This script writes data/<id>.geojson (RFC 7946 points) and layers/<id>.yaml
(metadata with the bibliography, without the internal `verified` notes), then checks both
with the catalog loader. Run: python scripts/build_layers.py
"""

from __future__ import annotations

import json
import sys
from typing import Any

import yaml

from regionmap.catalog import ROOT, Catalog

COMMON = ("id", "name", "country", "location", "note", "sources")
LAYERS: dict[str, dict[str, Any]] = {
    "basing": {
        "title": "Declared basing and access agreements",
        "description": (
            "Sites that one state hosts for another under a publicly declared agreement, "
            "each with the agreement it falls under. Points are installation reference points "
            "at the precision of the cited source; they are not boundaries or footprints."
        ),
        "fields": ("host", "user", "agreement", "agreement_name", "since", "until", "status"),
        "style": {
            "color": "#d55e00",
            "fill_color": "#d55e00",
            "fill_opacity": 0.9,
            "radius": 6,
            "weight": 1.5,
            "marker": "circle",
        },
        "popup": [
            ("host", "Host"),
            ("user", "User"),
            ("agreement_name", "Agreement"),
            ("since", "Since"),
            ("until", "Until"),
            ("status", "Status"),
        ],
        "time": {"start": "since", "end": "until"},
        "group": "Declared presence",
    },
    "test-ranges": {
        "title": "Test ranges and launch sites",
        "description": (
            "Publicly declared missile test ranges and launch sites, each as one reference "
            "point from the cited source. No range areas, rings or envelopes are drawn."
        ),
        "fields": ("operator", "established", "until", "purpose"),
        "style": {
            "color": "#0072b2",
            "fill_color": "#0072b2",
            "fill_opacity": 0.9,
            "radius": 6,
            "weight": 1.5,
            "marker": "square",
        },
        "popup": [
            ("operator", "Operator"),
            ("established", "Established"),
            ("until", "Until"),
            ("purpose", "Purpose"),
        ],
        "time": {"start": "established", "end": "until"},
        "group": "Test ranges",
    },
    "events": {
        "title": "Dated public events",
        "description": (
            "Agreements signed and publicly announced tests, each placed at the place the "
            "cited source names, with its date (month precision where that is all the "
            "source gives)."
        ),
        "fields": ("date", "date_precision", "place", "summary"),
        "style": {
            "color": "#009e73",
            "fill_color": "#009e73",
            "fill_opacity": 0.9,
            "radius": 6,
            "weight": 1.5,
            "marker": "diamond",
        },
        "popup": [("date", "Date"), ("place", "Place"), ("summary", "Summary")],
        "time": {"start": "date", "precision": "date_precision"},
        "group": "Events",
    },
}


def build(layer_id: str) -> None:
    """Write one layer's GeoJSON and metadata from its curated file."""
    spec = LAYERS[layer_id]
    curated = yaml.safe_load((ROOT / "data" / "curated" / f"{layer_id}.yaml").read_text())
    agreements = {a["key"]: a for a in curated.get("agreements") or []}
    features = []
    for item in curated["features"]:
        props = {key: item.get(key) for key in COMMON[:-1]}
        for key in spec["fields"]:
            if key == "agreement_name":
                agreement = agreements.get(item.get("agreement"))
                props[key] = agreement["name"] if agreement else None
            else:
                props[key] = item.get(key)
        props["sources"] = list(item["sources"])
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "Point", "coordinates": [item["lon"], item["lat"]]},
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    meta = {
        "id": layer_id,
        "title": spec["title"],
        "description": spec["description"],
        "license": "CC0-1.0",
        "attribution": "Compiled by regionmap from the cited public sources",
        "data": f"../data/{layer_id}.geojson",
        "sources": [
            {k: v for k, v in s.items() if k != "verified" and v is not None}
            for s in curated["sources"]
        ],
        "agreements": [{k: v for k, v in a.items() if v is not None} for a in agreements.values()],
        "style": spec["style"],
        "popup": [{"field": f, "label": label} for f, label in spec["popup"]],
        "time": spec["time"],
        "group": spec["group"],
        "default_visible": True,
        "geometry_type": "Point",
        "feature_count": len(features),
    }
    if not meta["agreements"]:
        del meta["agreements"]
    data_path = ROOT / "data" / f"{layer_id}.geojson"
    data_path.write_text(
        json.dumps(collection, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    header = f"# Built by scripts/build_layers.py from data/curated/{layer_id}.yaml; edit that.\n"
    (ROOT / "layers" / f"{layer_id}.yaml").write_text(
        header + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8",
    )
    layer = Catalog(root=ROOT).load(layer_id)
    status = "ok" if layer.ok else "BROKEN"
    print(f"{layer_id}: {len(features)} features, {len(meta['sources'])} sources: {status}")
    for problem in layer.problems:
        print(f"  {problem}")
    if not layer.ok:
        sys.exit(1)


if __name__ == "__main__":
    for name in sys.argv[1:] or list(LAYERS):
        build(name)
