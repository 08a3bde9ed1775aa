"""Helpers for tests that drive a real headless Chromium with the network blocked.

Import from test modules (``from browser import chromium_page``; pytest's default ``prepend``
import mode puts ``tests/`` on ``sys.path`` as long as ``tests/`` has no ``__init__.py``) and
mark such tests with ``@pytest.mark.browser`` (the marker is registered in ``pyproject.toml``).

Every helper skips the calling test, with the reason, when Debian's Chromium
(``apt-get install -y chromium``) or Playwright's Python package (``pip install playwright``;
its own browser download is not needed) is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

#: Debian's Chromium; Playwright drives it through ``executable_path``.
CHROMIUM = "/usr/bin/chromium"

#: Pytest marker name for these tests (``@pytest.mark.browser``).
MARKER = "browser"

#: Launch arguments: headless as root, no background traffic, and no DNS except localhost so
#: that any attempt to reach the network fails instead of hanging or succeeding.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
)


def chromium_skip_reason() -> str | None:
    """Return why browser tests cannot run here, or ``None`` when they can."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"{CHROMIUM} not found (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"playwright is not importable ({exc}); pip install playwright"
    return None


def require_chromium() -> None:
    """Skip the calling test when Chromium or Playwright is missing."""
    reason = chromium_skip_reason()
    if reason:
        pytest.skip(reason)


def launch_chromium(playwright: Playwright, *, timeout_ms: float = 30_000) -> Browser:
    """Launch Debian's Chromium headless, with the network blocked but for localhost.

    Skips the calling test when :data:`CHROMIUM` is absent.

    Parameters
    ----------
    playwright : playwright.sync_api.Playwright
        The object yielded by ``sync_playwright()``.
    timeout_ms : float, default 30000
        Launch timeout in milliseconds.

    Returns
    -------
    playwright.sync_api.Browser
        The browser; close it when done (or use :func:`chromium_page`).
    """
    require_chromium()
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=list(CHROMIUM_ARGS),
        timeout=timeout_ms,
    )


@contextmanager
def chromium_page(
    *, viewport: tuple[int, int] = (1000, 700), timeout_ms: float = 20_000
) -> Iterator[Page]:
    """Yield a fresh page in a network-blocked headless Chromium, and close it all afterwards.

    Skips the calling test when Chromium or Playwright is missing.

    Parameters
    ----------
    viewport : tuple of int, default (1000, 700)
        Page width and height in CSS pixels.
    timeout_ms : float, default 20000
        Default timeout of the page's actions and waits, in milliseconds.

    Yields
    ------
    playwright.sync_api.Page
        The page.
    """
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            page.set_default_timeout(timeout_ms)
            yield page
        finally:
            browser.close()


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_server(
    app: str,
    *,
    cwd: str | os.PathLike[str],
    env: dict[str, str] | None = None,
    log: str | os.PathLike[str] | None = None,
    timeout: float = 60,
) -> Iterator[str]:
    """Run ``streamlit run APP`` on a free local port; yield its base URL, then stop it.

    The server's output goes to ``log`` (or nowhere); a server that exits or does not
    answer its health check within ``timeout`` seconds fails with that output.
    """
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false"]  # fmt: skip
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                text = open(log, errors="replace").read() if log else ""  # noqa: SIM115
                raise RuntimeError(f"streamlit did not start at {url}:\n{text}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            out.close()
