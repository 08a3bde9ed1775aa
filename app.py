"""regionmap explorer (placeholder until the app lands): lists the catalog."""

import streamlit as st

from regionmap.catalog import Catalog

st.set_page_config(page_title="regionmap", layout="wide")
st.title("regionmap")
for layer in Catalog().load_all():
    st.write(layer.id, "ok" if layer.ok else f"{len(layer.problems)} problems")
