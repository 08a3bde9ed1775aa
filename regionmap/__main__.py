"""``python -m regionmap``: the same as the ``regionmap`` command."""

from regionmap.cli import cli

cli()
