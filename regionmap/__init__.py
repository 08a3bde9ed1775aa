"""regionmap: a source-cited regional map explorer for public-domain layers.

The package is the pure-Python core: it reads the layer catalog, validates and normalises
GeoJSON, and renders maps and figures. It never imports streamlit; ``app.py`` does.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("regionmap")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
