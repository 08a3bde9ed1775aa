"""Take the README's screenshots of the app (Playwright + Debian Chromium, network blocked).

Runs ``streamlit run app.py`` on a free local port with the built-in catalog and saves PNGs
into ``docs/``: the default page, the Japan view, the US Southwest view and a 400 px wide
phone view, as optimised PNGs (Pillow).

Usage::

    PYTHONPATH=$PWD python scripts/screenshots.py
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import chromium_page, streamlit_server  # noqa: E402

MAP_IFRAME = "iframe[title='app.regionmap_map']"
SHOTS = (
    ("app-default.png", "", (1280, 860)),
    ("app-japan.png", "?region=japan", (1280, 860)),
    ("app-us-southwest.png", "?region=us-southwest", (1280, 860)),
    ("app-phone.png", "?region=japan", (400, 860)),
)


def _small_png(data: bytes, path: Path) -> None:
    """Write a screenshot as an optimised RGB PNG.

    Not as a palette PNG: quantising shifted the colours of the small swatches and markers
    (a green diamond came out blue), which is exactly what the screenshots must show right.
    """
    from PIL import Image

    Image.open(io.BytesIO(data)).convert("RGB").save(path, optimize=True)


def main() -> int:
    docs = ROOT / "docs"
    with streamlit_server(ROOT / "app.py", cwd=ROOT, log="/tmp/regionmap-shots.log") as url:
        for name, query, (width, height) in SHOTS:
            with chromium_page(viewport=(width, height), timeout_ms=90_000) as page:
                page.goto(url + "/" + query)
                frame = page.frame_locator(MAP_IFRAME)
                frame.locator("[data-rm-labels-placed]").wait_for(state="attached")
                page.wait_for_timeout(2500)  # labels, clusters and fonts settle
                _small_png(page.screenshot(full_page=False), docs / name)
                print(f"wrote docs/{name} ({(docs / name).stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
