"""Rebuild the countries layer (``data/countries-{110m,50m,10m}.geojson``) from scratch.

Source: the npm registry package ``world-atlas@2.0.2`` (TopoJSON packaging by Mike Bostock,
ISC licence), which holds Natural Earth 4.1.0 admin-0 countries at 1:110m, 1:50m and 1:10m.
The data is Natural Earth's (public domain, https://www.naturalearthdata.com/about/terms-of-use/).

What the script does, for each scale:

1. ``npm pack world-atlas@2.0.2`` into a temporary directory, check the tarball against the
   pinned sha512 integrity, and extract ``package/countries-<scale>.json``.
2. Read the TopoJSON object ``countries`` with geopandas/pyogrio and set EPSG:4326 (TopoJSON
   carries no CRS).
3. Repair invalid geometries with ``shapely.make_valid`` (keeping only Polygon/MultiPolygon
   parts), drop geometries that are empty (printed; the 10m Vatican is empty in the source
   because TopoJSON quantisation collapsed it), snap coordinates to a decimal grid with
   ``shapely.set_precision`` (110m and 50m: 3 decimals, 10m: 4 decimals; snap-rounding keeps
   polygons valid, and the result is checked and re-repaired if needed), and orient rings as
   RFC 7946 asks (exteriors counter-clockwise, holes clockwise).
4. Set the properties ``id``, ``name``, ``ne_name``, ``iso_a3``, ``iso_n3``, ``iso_status``:
   ``id`` is the ISO 3166-1 alpha-3 code when Natural Earth gives an ISO numeric code, else
   ``ne-<slug of the Natural Earth name>``; ``name`` is pycountry's ``common_name`` or ``name``
   (Natural Earth's name for features without an ISO code). Ids are made unique per file: when
   several features share one ISO code, the largest keeps the bare code and the others get
   ``-<slug of the Natural Earth name>`` appended (printed).
5. Write compact RFC 7946 FeatureCollections (UTF-8, no ``crs`` member) atomically and print a
   summary per file.

Needs npm on PATH (or ``--npm``) with access to the npm registry or its cache, and geopandas,
pyogrio, shapely >= 2.1 and pycountry. Run from anywhere; re-running rewrites the same files:

    python scripts/build_countries.py                  # writes <repo>/data/countries-*.geojson
    python scripts/build_countries.py --out-dir /tmp/x
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import antimeridian
import geopandas as gpd
import numpy as np
import pandas as pd
import pycountry
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

PACKAGE = "world-atlas"
VERSION = "2.0.2"
NATURAL_EARTH_VERSION = "4.1.0"
# `npm view world-atlas@2.0.2 dist.integrity`; registry tarballs are immutable.
INTEGRITY = (
    "sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/"
    "MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ=="
)
# Scale -> number of decimals kept in the output coordinates.
DECIMALS: dict[str, int] = {"110m": 3, "50m": 3, "10m": 4}

ISO_STATUS_ISO = "ISO 3166-1"
ISO_STATUS_NONE = "no ISO 3166-1 code in Natural Earth (de facto entity or special area)"

REPO_ROOT = Path(__file__).resolve().parent.parent
MAX_REPAIR_ROUNDS = 3


@dataclass
class Report:
    """What happened to one scale, for the printed summary."""

    scale: str
    features: int = 0
    vertices: int = 0
    split: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    repaired_after_rounding: list[str] = field(default_factory=list)
    dropped_empty: list[str] = field(default_factory=list)
    without_iso: list[str] = field(default_factory=list)
    renamed_ids: list[str] = field(default_factory=list)
    bytes: int = 0


def fail(message: str) -> NoReturn:
    """Stop the script with a message on stderr."""
    sys.exit(f"build_countries: error: {message}")


def npm_pack(npm: str, dest: Path) -> Path:
    """Run ``npm pack world-atlas@<VERSION>`` in ``dest`` and return the verified tarball."""
    spec = f"{PACKAGE}@{VERSION}"
    try:
        proc = subprocess.run(
            [npm, "pack", spec], cwd=dest, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        fail(
            f"'{npm}' not found: install Node.js/npm (https://nodejs.org/) or pass --npm "
            "with the path to npm"
        )
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-10:])
        fail(f"'{npm} pack {spec}' exited with {proc.returncode}:\n{tail}")
    tarballs = sorted(dest.glob("*.tgz"))
    if len(tarballs) != 1:
        fail(f"expected one tarball from npm pack in {dest}, found {[p.name for p in tarballs]}")
    tarball = tarballs[0]
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if f"sha512-{digest}" != INTEGRITY:
        fail(f"{tarball.name}: sha512 integrity mismatch (got sha512-{digest}, want {INTEGRITY})")
    return tarball


def extract_countries(tarball: Path, dest: Path) -> dict[str, Path]:
    """Extract ``package/countries-<scale>.json`` for every scale; return scale -> path."""
    paths: dict[str, Path] = {}
    with tarfile.open(tarball, "r:gz") as tar:
        meta = tar.extractfile("package/package.json")
        if meta is None or json.load(meta).get("version") != VERSION:
            fail(f"{tarball.name}: package/package.json does not say version {VERSION}")
        for scale in DECIMALS:
            member = tar.extractfile(f"package/countries-{scale}.json")
            if member is None:
                fail(f"{tarball.name}: package/countries-{scale}.json is missing")
            path = dest / f"countries-{scale}.json"
            path.write_bytes(member.read())
            paths[scale] = path
    return paths


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Return only the Polygon/MultiPolygon part of ``geom`` (an empty Polygon if none)."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    polys = [
        part
        for part in shapely.get_parts(geom)
        if isinstance(part, Polygon | MultiPolygon) and not part.is_empty
    ]
    if not polys:
        return Polygon()
    if len(polys) == 1:
        return polys[0]
    return shapely.union_all(polys)


def off_grid(geom: BaseGeometry, decimals: int) -> bool:
    """True when some coordinate of ``geom`` has more than ``decimals`` decimals."""
    coords = shapely.get_coordinates(geom)
    return bool(np.any(np.round(coords, decimals) != coords))


def round_valid(geom: BaseGeometry, decimals: int) -> tuple[BaseGeometry, bool]:
    """Snap ``geom`` to a 10**-decimals grid, keeping it valid.

    Returns the geometry and whether a ``make_valid`` pass was needed after the snapping.
    """
    grid = 10.0**-decimals
    rounded = polygonal(shapely.set_precision(geom, grid))
    repaired = False
    for _ in range(MAX_REPAIR_ROUNDS):
        if rounded.is_valid and not off_grid(rounded, decimals):
            return rounded, repaired
        repaired = True
        rounded = polygonal(shapely.set_precision(polygonal(shapely.make_valid(rounded)), grid))
    raise RuntimeError(f"could not make a valid geometry on a {grid} grid")


def slugify(text: str) -> str:
    """Kebab-case ASCII slug: 'N. Cyprus' -> 'n-cyprus'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "unnamed"


def iso_properties(ne_id: Any, ne_name: str) -> dict[str, Any]:
    """Properties for one feature from Natural Earth's ISO numeric ``id`` and ``name``."""
    if pd.isna(ne_id):
        return {
            "id": f"ne-{slugify(ne_name)}",
            "name": ne_name,
            "ne_name": ne_name,
            "iso_a3": None,
            "iso_n3": None,
            "iso_status": ISO_STATUS_NONE,
        }
    numeric = str(ne_id)
    if not re.fullmatch(r"\d{3}", numeric):
        raise ValueError(f"{ne_name!r}: unexpected ISO numeric id {numeric!r}")
    country = pycountry.countries.get(numeric=numeric)
    if country is None:
        raise ValueError(f"{ne_name!r}: ISO numeric {numeric} is unknown to pycountry")
    return {
        "id": country.alpha_3,
        "name": getattr(country, "common_name", None) or country.name,
        "ne_name": ne_name,
        "iso_a3": country.alpha_3,
        "iso_n3": numeric,
        "iso_status": ISO_STATUS_ISO,
    }


def make_ids_unique(features: list[dict[str, Any]], report: Report) -> None:
    """Give every feature a distinct ``id``; the largest feature keeps a shared ISO code."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for feature in features:
        groups.setdefault(feature["properties"]["id"], []).append(feature)
    taken = set(groups)
    for base, group in groups.items():
        if len(group) == 1:
            continue
        group.sort(key=lambda f: -f["_area"])
        for feature in group[1:]:
            props = feature["properties"]
            candidate = f"{base}-{slugify(props['ne_name'])}"
            n = 2
            while candidate in taken:
                candidate = f"{base}-{slugify(props['ne_name'])}-{n}"
                n += 1
            taken.add(candidate)
            props["id"] = candidate
            report.renamed_ids.append(
                f"{candidate} ({props['ne_name']}; shares ISO {props['iso_n3'] or '-'} "
                f"with {group[0]['properties']['ne_name']}, which keeps {base})"
            )


def _crosses_antimeridian(geom: BaseGeometry) -> bool:
    """True if a ring has an edge that jumps more than 180° of longitude."""
    for polygon in shapely.get_parts(geom):
        for ring in [polygon.exterior, *polygon.interiors]:
            xs = shapely.get_coordinates(ring)[:, 0]
            if len(xs) > 1 and float(abs(xs[1:] - xs[:-1]).max()) > 180:
                return True
    return False


def build_scale(source: Path, scale: str) -> tuple[dict[str, Any], Report]:
    """Read one TopoJSON file and return the cleaned FeatureCollection and its report."""
    decimals = DECIMALS[scale]
    report = Report(scale)
    frame = gpd.read_file(source, layer="countries", engine="pyogrio")
    if frame.crs is None:
        frame = frame.set_crs(4326)
    elif frame.crs.to_epsg() != 4326:
        raise ValueError(f"{source.name}: unexpected CRS {frame.crs}")
    missing = {"id", "name"} - set(frame.columns)
    if missing:
        raise ValueError(f"{source.name}: missing columns {sorted(missing)}")

    features: list[dict[str, Any]] = []
    for ne_id, ne_name, geom in zip(frame["id"], frame["name"], frame.geometry, strict=True):
        ne_name = str(ne_name)
        if geom is None or geom.is_empty:
            report.dropped_empty.append(f"{ne_name} (empty in source)")
            continue
        if _crosses_antimeridian(geom):
            # world-atlas keeps spherical rings that cross ±180 (Russia, Fiji, Antarctica
            # around the pole); in the plane they become globe-wide bands, so split first.
            # Antarctica's ring runs round the South Pole: say so, or it is closed the
            # wrong way round at 1:10m (the rest of the globe).
            # (At 1:110m the ring already reaches the pole and forcing it is refused.)
            south_pole = geom.bounds[1] < -85
            try:
                fixed = antimeridian.fix_shape(geom, fix_winding=True, force_south_pole=south_pole)
            except AssertionError:
                fixed = antimeridian.fix_shape(geom, fix_winding=True)
            geom = shape(fixed)
            report.split.append(ne_name)
        if not geom.is_valid:
            report.repaired.append(ne_name)
            geom = polygonal(shapely.make_valid(geom))
        if geom.is_empty:
            report.dropped_empty.append(f"{ne_name} (empty after make_valid)")
            continue
        geom, repaired_again = round_valid(geom, decimals)
        if repaired_again:
            report.repaired_after_rounding.append(ne_name)
        if geom.is_empty:
            report.dropped_empty.append(f"{ne_name} (collapsed at {decimals} decimals)")
            continue
        geom = shapely.orient_polygons(geom, exterior_cw=False)
        props = iso_properties(ne_id, ne_name)
        if props["iso_a3"] is None:
            report.without_iso.append(ne_name)
        report.vertices += int(shapely.get_num_coordinates(geom))
        features.append(
            {"type": "Feature", "properties": props, "geometry": geom, "_area": geom.area}
        )

    make_ids_unique(features, report)
    report.features = len(features)
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": f["properties"], "geometry": mapping(f["geometry"])}
            for f in features
        ],
    }
    return collection, report


def write_atomic(path: Path, collection: dict[str, Any]) -> int:
    """Write ``collection`` as compact UTF-8 JSON via a temp file + os.replace; return bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            json.dump(collection, handle, ensure_ascii=False, separators=(",", ":"))
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(0o644)  # mkstemp creates 0600 files
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path.stat().st_size


def print_report(report: Report, path: Path) -> None:
    """Print the summary of one scale."""

    def names(items: list[str]) -> str:
        return f"{len(items)}" + (f": {', '.join(items)}" if items else "")

    print(f"{path.name}  (Natural Earth {NATURAL_EARTH_VERSION} via {PACKAGE}@{VERSION})")
    print(f"  features:                 {report.features}")
    print(f"  vertices:                 {report.vertices:,}")
    print(f"  decimals:                 {DECIMALS[report.scale]}")
    print(f"  invalid repaired:         {names(report.repaired)}")
    print(f"  split at antimeridian:    {names(report.split)}")
    print(f"  re-repaired after round:  {names(report.repaired_after_rounding)}")
    print(f"  dropped (empty):          {names(report.dropped_empty)}")
    print(f"  without ISO id:           {names(report.without_iso)}")
    print(f"  ids given a suffix:       {names(report.renamed_ids)}")
    print(f"  bytes:                    {report.bytes:,}")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=REPO_ROOT / "data",
        help="directory for countries-<scale>.geojson (default: <repo>/data)",
    )
    parser.add_argument("--npm", default="npm", help="npm executable (default: npm on PATH)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="build_countries-") as tmp_name:
        tmp = Path(tmp_name)
        tarball = npm_pack(args.npm, tmp)
        sources = extract_countries(tarball, tmp)
        for scale, source in sources.items():
            collection, report = build_scale(source, scale)
            out = args.out_dir / f"countries-{scale}.geojson"
            report.bytes = write_atomic(out, collection)
            print_report(report, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
