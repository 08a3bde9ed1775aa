"""Vendor the CJK fallback fonts the report figures use, subset to the scripts they cover.

Runs ``npm pack`` for two pinned font packages in a temporary directory, takes the regular
weight and its SIL Open Font License out of each tarball, keeps only the code points the
figures need the font for (DejaVu Sans, which matplotlib ships, draws the rest) and writes::

    regionmap/assets/fonts/NotoSansJP-Regular-subset.ttf   kana, CJK punctuation, ideographs
    regionmap/assets/fonts/NotoSansKR-Regular-subset.ttf   Hangul syllables and jamo
    regionmap/assets/fonts/OFL.txt                         the fonts' licence
    regionmap/assets/fonts/VERSIONS.txt                    package, version, sha256 of each file

Subsetting keeps the two files at about 8 MB instead of 12 MB; the glyphs themselves are
unchanged. Re-running the script with the same pins writes identical files.

Usage::

    python scripts/vendor_fonts.py           # fetch with npm and (re)write the fonts
    python scripts/vendor_fonts.py --check   # verify the files on disk against VERSIONS.txt
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset

FONTS = Path(__file__).resolve().parent.parent / "regionmap" / "assets" / "fonts"
VERSIONS_FILE = FONTS / "VERSIONS.txt"

JAPANESE = (
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、。「」【】
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0x3200, 0x33FF),  # enclosed CJK letters, CJK compatibility
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF00, 0xFFEF),  # halfwidth and fullwidth forms
)
KOREAN = (
    (0x1100, 0x11FF),  # Hangul jamo
    (0x3130, 0x318F),  # Hangul compatibility jamo
    (0xA960, 0xA97F),  # Hangul jamo extended-A
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xD7B0, 0xD7FF),  # Hangul jamo extended-B
)


@dataclass(frozen=True)
class FontPackage:
    """One pinned npm font package, the font file taken from it and the code points kept."""

    name: str
    version: str
    member: str
    target: str
    ranges: tuple[tuple[int, int], ...]

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"


PACKAGES = (
    FontPackage(
        "@expo-google-fonts/noto-sans-jp",
        "0.4.3",
        "package/400Regular/NotoSansJP_400Regular.ttf",
        "NotoSansJP-Regular-subset.ttf",
        JAPANESE,
    ),
    FontPackage(
        "@expo-google-fonts/noto-sans-kr",
        "0.4.3",
        "package/400Regular/NotoSansKR_400Regular.ttf",
        "NotoSansKR-Regular-subset.ttf",
        KOREAN,
    ),
)
LICENSE_MEMBER = "package/LICENSE_FONT"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pack(package: FontPackage, folder: Path) -> Path:
    """``npm pack`` one package into ``folder``; return the tarball."""
    out = subprocess.run(
        ["npm", "pack", package.spec, "--silent"],
        cwd=folder,
        check=True,
        capture_output=True,
        text=True,
    )
    return folder / out.stdout.strip().splitlines()[-1]


def _subset(source: Path, target: Path, ranges: tuple[tuple[int, int], ...]) -> None:
    """Keep only ``ranges`` of a font (and drop hinting, which figures never use)."""
    options = subset.Options()
    options.hinting = False
    options.desubroutinize = True
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[cp for low, high in ranges for cp in range(low, high + 1)])
    subsetter.subset(font)
    font.save(str(target))


def vendor() -> None:
    """Fetch, subset and write the fonts and VERSIONS.txt."""
    FONTS.mkdir(parents=True, exist_ok=True)
    lines = ["# file  package  sha256  (written by scripts/vendor_fonts.py)"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for package in PACKAGES:
            tarball = _pack(package, folder)
            with tarfile.open(tarball) as tar:
                for member in (package.member, LICENSE_MEMBER):
                    tar.extract(member, folder / package.target, filter="data")
            raw = folder / package.target / package.member
            _subset(raw, FONTS / package.target, package.ranges)
            licence = (folder / package.target / LICENSE_MEMBER).read_bytes()
            (FONTS / "OFL.txt").write_bytes(licence)
        for package in PACKAGES:
            path = FONTS / package.target
            lines.append(f"{package.target}  {package.spec}  {_sha256(path)}")
        lines.append(f"OFL.txt  {PACKAGES[0].spec}:{LICENSE_MEMBER}  {_sha256(FONTS / 'OFL.txt')}")
    VERSIONS_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")


def check() -> int:
    """Compare the files on disk with VERSIONS.txt; return a process exit code."""
    bad = 0
    for line in VERSIONS_FILE.read_text(encoding="utf-8").splitlines()[1:]:
        name, _, digest = line.split()
        if not (FONTS / name).is_file() or _sha256(FONTS / name) != digest:
            print(f"{FONTS / name}: missing or changed; run python scripts/vendor_fonts.py")
            bad += 1
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the vendored files")
    if parser.parse_args().check:
        return check()
    vendor()
    return 0


if __name__ == "__main__":
    sys.exit(main())
