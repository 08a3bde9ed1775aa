"""Export times for report figures and standalone HTML: Japan and world views, all layers.

Run with ``python benchmarks/bench_export.py [--repeat N] [--dpi N]``. For each view and
format it prints the first export in a fresh process (which loads and validates the layers),
the median wall-clock and CPU time of N further exports (layers already loaded, as in the
app; CPU time is steadier on a shared machine) and the file size.
Target (issue 5): the Japan figure with all layers at 300 dpi well under 2 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from regionmap.catalog import Catalog
from regionmap.export import FORMATS, export_view

VIEWS = ("japan", "world")
TARGET_S = 2.0


def _time_export(
    catalog: Catalog, region: str, fmt: str, out: Path, dpi: int
) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one export."""
    wall, cpu = time.perf_counter(), time.process_time()
    export_view(catalog, region=region, fmt=fmt, out=out, dpi=dpi, export_date=dt.date(2026, 1, 1))
    return time.perf_counter() - wall, time.process_time() - cpu


def _time_labels(catalog: Catalog) -> None:
    """Label placement on the crowded views of issue #12 (SVG with every point labelled)."""
    views = {
        "japan-frame": {"bbox": "109.9,22,158.5,47"},
        "indo-pacific": {"region": "indo-pacific"},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, view in views.items():
            out = Path(tmp) / f"{name}.svg"
            wall = time.perf_counter()
            export_view(
                catalog, fmt="svg", out=out, labels=True, export_date=dt.date(2026, 1, 1), **view
            )
            print(f"{name:12} svg, every point labelled: {time.perf_counter() - wall:.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per cell (median)")
    parser.add_argument("--dpi", type=int, default=300, help="PNG resolution")
    args = parser.parse_args()
    catalog = Catalog()
    print(
        f"regionmap export benchmark: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, PNG at {args.dpi} dpi, "
        f"layers: {', '.join(catalog.ids())}"
    )
    print(
        f"{'view':8} {'format':8} {'first (s)':>10} {'warm (s)':>9} {'warm CPU (s)':>13} "
        f"{'size (kB)':>10}"
    )
    japan_png = None
    with tempfile.TemporaryDirectory() as tmp:
        for region in VIEWS:
            for fmt in FORMATS:
                out = Path(tmp) / f"{region}.{fmt}"
                try:
                    first, _ = _time_export(catalog, region, fmt, out, args.dpi)
                except NotImplementedError as exc:
                    print(f"{region:8} {fmt:8} n/a ({exc})")
                    continue
                runs = [
                    _time_export(catalog, region, fmt, out, args.dpi) for _ in range(args.repeat)
                ]
                warm = statistics.median(wall for wall, _ in runs)
                cpu = statistics.median(cpu for _, cpu in runs)
                size = out.stat().st_size / 1000
                print(f"{region:8} {fmt:8} {first:10.2f} {warm:9.2f} {cpu:13.2f} {size:10.0f}")
                if (region, fmt) == ("japan", "png"):
                    japan_png = warm
    _time_labels(catalog)
    if japan_png is not None:
        verdict = "met" if japan_png < TARGET_S else "MISSED"
        print(f"Japan PNG (warm) {japan_png:.2f} s; target < {TARGET_S:.0f} s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
