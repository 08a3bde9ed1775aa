"""Render the small preview pictures of docs/exports.md into docs/img/.

Exports the Japan view in each figure format (fixed export date), rasterises PDF pages with
poppler's ``pdftoppm`` and screenshots the SVG and the standalone HTML in Debian's Chromium
(network blocked); the map screenshot (``--format screenshot``) is kept as written, with its
footer and PNG text chunks. Run from the repository root::

    PYTHONPATH=$PWD python scripts/export_previews.py
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import chromium_page  # noqa: E402

from regionmap.catalog import Catalog  # noqa: E402
from regionmap.export import export_view  # noqa: E402

OUT = ROOT / "docs" / "img"
DATE = dt.date(2026, 11, 25)


def _pdf_pages(pdf: Path, stem: str, dpi: int = 50) -> None:
    """Write each PDF page as docs/img/<stem>-<n>.png."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), f"{tmp}/p"], check=True)
        for index, page in enumerate(sorted(Path(tmp).glob("p-*.png")), start=1):
            _save(Image.open(page), OUT / f"{stem}-{index}.png")


def _save(image: Image.Image, path: Path) -> None:
    """Save a preview as a small palette PNG."""
    image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
        path, optimize=True
    )


def _screenshot(url: str, path: Path, size: tuple[int, int], wait: str | None = None) -> None:
    """A Chromium screenshot of a page, ``size`` CSS pixels."""
    with chromium_page(viewport=size) as page:
        page.goto(url)
        if wait:
            page.wait_for_selector(wait, state="attached")
            page.wait_for_timeout(500)
        shot = path.with_suffix(".raw.png")
        page.screenshot(path=str(shot))
    _save(Image.open(shot), path)
    shot.unlink()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    catalog = Catalog()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        a4 = folder / "japan-a4.pdf"
        export_view(catalog, region="japan", fmt="pdf", out=a4, paper="a4", export_date=DATE)
        _pdf_pages(a4, "export-japan-a4")
        letter = folder / "japan-letter.pdf"
        export_view(
            catalog,
            bbox="109.9,22,158.5,47",
            fmt="pdf",
            out=letter,
            paper="letter",
            orientation="landscape",
            north_arrow=True,
            export_date=DATE,
        )
        _pdf_pages(letter, "export-frame-letter-landscape")
        png = folder / "europe.png"
        export_view(catalog, region="europe", fmt="png", out=png, dpi=60, export_date=DATE)
        image = Image.open(png)
        _save(
            image.crop((0, 0, image.width, min(image.height, int(image.width * 1.1)))),
            OUT / "export-europe-png.png",
        )
        svg = folder / "korea.svg"
        export_view(catalog, region="korean-peninsula", fmt="svg", out=svg, export_date=DATE)
        _screenshot(svg.as_uri(), OUT / "export-korea-svg.png", (680, 760))
        html = folder / "japan.html"
        export_view(catalog, region="japan", fmt="html", out=html, export_date=DATE)
        _screenshot(
            html.as_uri(), OUT / "export-japan-html.png", (800, 560), ".leaflet-interactive"
        )
        # The map screenshot of the Japan view as the CLI writes it, beside its PDF's page 1.
        pdf = folder / "japan.pdf"
        export_view(catalog, region="japan", fmt="pdf", out=pdf, export_date=DATE)
        _pdf_pages(pdf, "export-japan-pdf", dpi=60)
        shot = OUT / "export-japan-screenshot.png"
        export_view(
            catalog, region="japan", fmt="screenshot", out=shot, export_date=DATE,
            screen=(800, 560), scale=2,
        )  # fmt: skip
    for path in sorted(OUT.glob("export-*.png")):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1000} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
