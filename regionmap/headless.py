"""Screenshots from the command line: a headless Chromium over the standalone HTML map.

``regionmap export --format screenshot`` writes the standalone HTML of a view
(:mod:`regionmap.htmlexport`) to a temporary file, opens it in a headless Chromium with the
network blocked, and asks the map's own Screenshot code (``rmap.screenshot`` in
``regionmap/static/regionmap.js``) for the PNG: the same image, footer and PNG text chunks as
the Screenshot control gives in a browser.

The browser is the system's (Debian's ``/usr/bin/chromium``), driven through Playwright's
Python package with ``executable_path``; ``$REGIONMAP_CHROMIUM`` names another one. No browser
is ever downloaded: where none is found the export stops with one line saying how to install
it.
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from pathlib import Path

from regionmap.errors import ExportError

__all__ = [
    "CHROMIUM_ENV",
    "INSTALL_HINT",
    "NoBrowserError",
    "find_chromium",
    "screenshot_png",
]

CHROMIUM_ENV = "REGIONMAP_CHROMIUM"
"""Environment variable naming the Chromium (or Chrome) executable to drive."""
INSTALL_HINT = "apt-get install chromium"
"""How to install the browser on Debian and Ubuntu."""
_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Headless as root, no background traffic, and no name resolves: nothing reaches a network.
_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


class NoBrowserError(ExportError):
    """No Chromium to drive (or no Playwright to drive it with)."""


def _runnable(path: str | os.PathLike[str]) -> bool:
    """True for an executable file."""
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_chromium() -> str:
    """The Chromium to drive: ``$REGIONMAP_CHROMIUM``, else Debian's, else one on ``PATH``.

    Raises
    ------
    NoBrowserError
        With one line naming where it looked and the install command.

    Examples
    --------
    >>> os.environ[CHROMIUM_ENV] = "/no/such/chromium"
    >>> try:
    ...     find_chromium()
    ... except NoBrowserError as exc:
    ...     print(str(exc)[:60])
    no Chromium at /no/such/chromium ($REGIONMAP_CHROMIUM): inst
    >>> del os.environ[CHROMIUM_ENV]
    """
    named = os.environ.get(CHROMIUM_ENV, "").strip()
    if named:
        path = str(Path(named).expanduser())
        if _runnable(path):
            return path
        raise NoBrowserError(
            f"no Chromium at {named} (${CHROMIUM_ENV}): install it with `{INSTALL_HINT}` "
            f"or point ${CHROMIUM_ENV} at a Chromium executable"
        )
    for path in _CANDIDATES:
        if _runnable(path):
            return path
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise NoBrowserError(
        f"no Chromium found (looked for {', '.join(_CANDIDATES)} and chromium on PATH): "
        f"install it with `{INSTALL_HINT}` or set ${CHROMIUM_ENV} to its path"
    )


def screenshot_png(
    html: str, *, width: int, height: int, scale: float, timeout_s: float = 90
) -> bytes:
    """Open a standalone map page headless and return its screenshot PNG.

    Parameters
    ----------
    html : str
        The page (:func:`regionmap.htmlexport.write_html`), self-contained.
    width, height : int
        The browser window, in CSS pixels: the map fills it.
    scale : float
        The device pixel ratio of the image (2 for print).
    timeout_s : float, default 90
        Longest wait for the browser and the map, in seconds.

    Returns
    -------
    bytes
        The PNG: ``width * scale`` pixels wide, the map ``height * scale`` high with the
        footer band under it; its text chunks hold the footer.

    Raises
    ------
    NoBrowserError
        No Chromium, or no Playwright.
    ExportError
        The browser failed or the map did not draw in time (one line).
    """
    chromium = find_chromium()
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise NoBrowserError(
            "the screenshot needs Playwright's Python package to drive Chromium: "
            "pip install playwright (its browser download is not needed)"
        ) from None
    timeout_ms = timeout_s * 1000
    with tempfile.TemporaryDirectory(prefix="regionmap-shot-") as tmp:
        page_file = Path(tmp) / "view.html"
        page_file.write_text(html, encoding="utf-8")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=chromium, headless=True, args=list(_ARGS), timeout=timeout_ms
                )
                try:
                    page = browser.new_page(
                        viewport={"width": width, "height": height}, device_scale_factor=1
                    )
                    page.set_default_timeout(timeout_ms)
                    page.goto(page_file.as_uri())
                    page.wait_for_function(
                        "() => window.rmap && rmap.maps.length && document.querySelector("
                        "'.leaflet-container[data-rm-labels-placed]')"
                    )
                    page.wait_for_timeout(400)  # a selected feature's popup opens after a tick
                    encoded = page.evaluate(
                        "(r) => rmap.screenshotBase64(rmap.maps[0].map, r)", scale
                    )
                finally:
                    browser.close()
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ExportError(f"the screenshot failed in {chromium}: {first[:200]}") from None
    return base64.b64decode(encoded)
