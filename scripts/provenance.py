"""Write the generated provenance section of data/README.md from data/curated/*.yaml.

The section lists, per layer, the share of features citing an official or primary source,
every feature resting on encyclopedias alone (with its reason) and every stand-in point.
Run: python scripts/provenance.py            (rewrite the section in place)
     python scripts/provenance.py --check    (exit 1 if the section is out of date)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

from regionmap.catalog import ROOT
from regionmap.provenance import load_curated, provenance_markdown, replace_section

README = ROOT / "data" / "README.md"


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with ``--check`` only compare) the section; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether it is current")
    args = parser.parse_args(argv)
    current = README.read_text(encoding="utf-8")
    try:
        wanted = replace_section(
            current, provenance_markdown(load_curated(ROOT / "data" / "curated"))
        )
    except ValueError as exc:
        print(f"data/README.md: {exc}", file=sys.stderr)
        return 1
    if args.check:
        if wanted != current:
            print("data/README.md: provenance section is out of date;", end=" ")
            print("run python scripts/provenance.py")
            return 1
        print("data/README.md: provenance section is current")
        return 0
    if wanted == current:
        print("data/README.md: provenance section already current")
        return 0
    # Write beside the target and rename, so a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=README.parent, prefix=".README.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(wanted)
    os.replace(tmp, README)
    print("data/README.md: provenance section rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
