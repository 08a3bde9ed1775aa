"""Vendor the browser assets regionmap ships so folium maps work offline.

Runs ``npm pack leaflet@1.9.4 jquery@3.7.1 leaflet.markercluster@1.5.3 leaflet-minimap@3.6.1
html-to-image@1.11.13 protomaps-leaflet@5.1.0 pmtiles@4.4.1`` in a temporary directory, takes
the few files the maps need out of the tarballs (without extracting anything else to disk) and
writes them under ``regionmap/assets/``::

    regionmap/assets/leaflet/leaflet.js
    regionmap/assets/leaflet/leaflet.css
    regionmap/assets/leaflet/images/{marker-icon,marker-icon-2x,marker-shadow,layers,layers-2x}.png
    regionmap/assets/leaflet/LICENSE
    regionmap/assets/jquery/jquery.min.js
    regionmap/assets/jquery/LICENSE.txt
    regionmap/assets/markercluster/{leaflet.markercluster.js,MarkerCluster.css,
                                    MarkerCluster.Default.css,MIT-LICENCE.txt}
    regionmap/assets/minimap/{Control.MiniMap.min.js,Control.MiniMap.min.css,LICENSE.txt}
    regionmap/assets/minimap/images/{toggle.svg,toggle.png}
    regionmap/assets/html-to-image/{html-to-image.js,LICENSE}
    regionmap/assets/protomaps-leaflet/{protomaps-leaflet.js,LICENSE}
    regionmap/assets/pmtiles/{pmtiles.js,package.json}
    regionmap/assets/VERSIONS.txt

``VERSIONS.txt`` records, for every file, the package it came from (``name@version``), its
sha256 and its path inside the npm tarball, plus each tarball's npm integrity string. The output
is deterministic: re-running the script with the same pins rewrites identical files.

Usage::

    python scripts/vendor_assets.py           # fetch with npm and (re)write the assets
    python scripts/vendor_assets.py --check   # verify the files on disk against VERSIONS.txt

Only the npm registry is used, through the ordinary ``npm`` client; nothing is fetched at run
time by the package itself.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "regionmap" / "assets"
VERSIONS_FILE = ASSETS / "VERSIONS.txt"


@dataclass(frozen=True)
class Package:
    """One pinned npm package and the files regionmap takes from it."""

    name: str
    version: str
    # (path inside the tarball, path relative to regionmap/assets)
    files: tuple[tuple[str, str], ...]

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"


PACKAGES: tuple[Package, ...] = (
    Package(
        "leaflet",
        "1.9.4",
        (
            ("package/dist/leaflet.js", "leaflet/leaflet.js"),
            ("package/dist/leaflet.css", "leaflet/leaflet.css"),
            ("package/dist/images/marker-icon.png", "leaflet/images/marker-icon.png"),
            ("package/dist/images/marker-icon-2x.png", "leaflet/images/marker-icon-2x.png"),
            ("package/dist/images/marker-shadow.png", "leaflet/images/marker-shadow.png"),
            ("package/dist/images/layers.png", "leaflet/images/layers.png"),
            ("package/dist/images/layers-2x.png", "leaflet/images/layers-2x.png"),
            ("package/LICENSE", "leaflet/LICENSE"),
        ),
    ),
    Package(
        "jquery",
        "3.7.1",
        (
            ("package/dist/jquery.min.js", "jquery/jquery.min.js"),
            ("package/LICENSE.txt", "jquery/LICENSE.txt"),
        ),
    ),
    Package(
        "leaflet.markercluster",
        "1.5.3",
        (
            ("package/dist/leaflet.markercluster.js", "markercluster/leaflet.markercluster.js"),
            ("package/dist/MarkerCluster.css", "markercluster/MarkerCluster.css"),
            ("package/dist/MarkerCluster.Default.css", "markercluster/MarkerCluster.Default.css"),
            ("package/MIT-LICENCE.txt", "markercluster/MIT-LICENCE.txt"),
        ),
    ),
    Package(
        "leaflet-minimap",
        "3.6.1",
        (
            ("package/dist/Control.MiniMap.min.js", "minimap/Control.MiniMap.min.js"),
            ("package/dist/Control.MiniMap.min.css", "minimap/Control.MiniMap.min.css"),
            ("package/dist/images/toggle.svg", "minimap/images/toggle.svg"),
            ("package/dist/images/toggle.png", "minimap/images/toggle.png"),
            ("package/LICENSE.txt", "minimap/LICENSE.txt"),
        ),
    ),
    # The map's Screenshot control: the map's DOM drawn into a canvas (issue 19).
    Package(
        "html-to-image",
        "1.11.13",
        (
            ("package/dist/html-to-image.js", "html-to-image/html-to-image.js"),
            ("package/LICENSE", "html-to-image/LICENSE"),
        ),
    ),
    # Big layers drawn in the browser from a PMTiles archive (issue 17). protomaps-leaflet's
    # bundle carries its own pmtiles 3 reader but does not export it; pmtiles 4 gives the
    # FileSource that reads an archive embedded in a standalone page from a Blob. pmtiles'
    # tarball has no licence file: its package.json states BSD-3-Clause.
    Package(
        "protomaps-leaflet",
        "5.1.0",
        (
            ("package/dist/protomaps-leaflet.js", "protomaps-leaflet/protomaps-leaflet.js"),
            ("package/LICENSE", "protomaps-leaflet/LICENSE"),
        ),
    ),
    Package(
        "pmtiles",
        "4.4.1",
        (
            ("package/dist/pmtiles.js", "pmtiles/pmtiles.js"),
            ("package/package.json", "pmtiles/package.json"),
        ),
    ),
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npm_pack(workdir: Path) -> dict[str, dict]:
    """Run ``npm pack`` for every pinned package; return npm's JSON report keyed by spec."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("vendor_assets: npm is not on PATH (apt-get install -y npm)")
    cmd = [npm, "pack", "--json", "--ignore-scripts", *(p.spec for p in PACKAGES)]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"vendor_assets: {' '.join(cmd)} failed:\n{proc.stderr}")
    report = json.loads(proc.stdout)
    return {entry["id"]: entry for entry in report}


def read_member(tar: tarfile.TarFile, name: str) -> bytes:
    """Read one regular file from a tarball by name (nothing is written to disk)."""
    member = tar.getmember(name)
    if not member.isfile():
        raise ValueError(f"{name} is not a regular file in the tarball")
    handle = tar.extractfile(member)
    assert handle is not None
    return handle.read()


def collect(workdir: Path) -> tuple[dict[str, bytes], list[str]]:
    """Fetch the packages and return ``{relative path: bytes}`` and the VERSIONS.txt lines."""
    report = npm_pack(workdir)
    files: dict[str, bytes] = {}
    lines = [
        "# regionmap vendored browser assets. Generated by scripts/vendor_assets.py: do not edit.",
        "# Paths are relative to regionmap/assets/. Licences: leaflet/LICENSE (BSD-2-Clause),",
        "# jquery/LICENSE.txt (MIT), markercluster/MIT-LICENCE.txt (MIT),",
        "# minimap/LICENSE.txt (BSD-2-Clause), html-to-image/LICENSE (MIT),",
        "# protomaps-leaflet/LICENSE (BSD-3-Clause), pmtiles/package.json (BSD-3-Clause, stated",
        "# in its license field; the tarball ships no licence file).",
        "#",
        "# package@version  sha256  path  source-in-npm-tarball",
    ]
    integrity_lines = []
    for pkg in PACKAGES:
        entry = report.get(pkg.spec)
        if entry is None:
            sys.exit(f"vendor_assets: npm pack did not report {pkg.spec}")
        tarball = workdir / entry["filename"]
        data = tarball.read_bytes()
        expected = entry["integrity"]
        algo, _, digest = expected.partition("-")
        actual = base64.b64encode(hashlib.new(algo, data).digest()).decode()
        if actual != digest:
            sys.exit(f"vendor_assets: {tarball.name} does not match npm's integrity {expected}")
        integrity_lines.append(f"# tarball {pkg.spec} {expected}")
        with tarfile.open(tarball, "r:gz") as tar:
            meta = json.loads(read_member(tar, "package/package.json"))
            if (meta.get("name"), meta.get("version")) != (pkg.name, pkg.version):
                sys.exit(
                    f"vendor_assets: {tarball.name} holds {meta.get('name')}@"
                    f"{meta.get('version')}, expected {pkg.spec}"
                )
            for source, target in pkg.files:
                blob = read_member(tar, source)
                files[target] = blob
                lines.append(f"{pkg.spec}  {sha256(blob)}  {target}  {source}")
    return files, [*lines, "#", *integrity_lines]


def write(files: dict[str, bytes], lines: list[str]) -> None:
    """Replace the vendored folders with the given files, atomically per folder."""
    ASSETS.mkdir(parents=True, exist_ok=True)
    tops = sorted({rel.split("/", 1)[0] for rel in files})
    staging = Path(tempfile.mkdtemp(prefix=".vendor-", dir=ASSETS))
    try:
        for rel, blob in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(blob)
        (staging / "VERSIONS.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        for top in tops:
            old = ASSETS / top
            if old.exists():
                shutil.rmtree(old)
            (staging / top).rename(old)
        (staging / "VERSIONS.txt").replace(VERSIONS_FILE)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def check() -> int:
    """Verify every file listed in VERSIONS.txt; return a process exit code."""
    if not VERSIONS_FILE.is_file():
        print(f"missing {VERSIONS_FILE}", file=sys.stderr)
        return 1
    bad = 0
    for line in VERSIONS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        spec, digest, rel, _source = line.split()
        path = ASSETS / rel
        if not path.is_file():
            print(f"MISSING  {rel} ({spec})", file=sys.stderr)
            bad += 1
        elif sha256(path.read_bytes()) != digest:
            print(f"CHANGED  {rel} ({spec})", file=sys.stderr)
            bad += 1
    if not bad:
        print(f"ok: {VERSIONS_FILE.relative_to(ASSETS.parent.parent)} matches the files on disk")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="verify files against VERSIONS.txt, no network"
    )
    args = parser.parse_args(argv)
    if args.check:
        return check()
    with tempfile.TemporaryDirectory(prefix="regionmap-vendor-") as tmp:
        files, lines = collect(Path(tmp))
    write(files, lines)
    total = sum(len(b) for b in files.values())
    print(f"wrote {len(files)} files ({total:,} bytes) and VERSIONS.txt under {ASSETS}")
    return check()


if __name__ == "__main__":
    raise SystemExit(main())
