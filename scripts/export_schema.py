"""Write layers/schema.json, the JSON Schema of the layer metadata model.

Run: python scripts/export_schema.py  (a test fails when the file is stale)
"""

import json

from regionmap.catalog import ROOT
from regionmap.schema import layer_json_schema

if __name__ == "__main__":
    target = ROOT / "layers" / "schema.json"
    target.write_text(json.dumps(layer_json_schema(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target}")
