"""regionmap explorer: the catalog's cited layers on an offline map, with table and sources.

Run with ``streamlit run app.py``. This file only wires widgets to the core (``regionmap/``)
and caches core results; see ``docs/app.md`` for what each part does.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit_folium import st_folium

from regionmap.basemaps import basemap_names
from regionmap.catalog import Catalog, Layer
from regionmap.citations import Bibliography, Citation, number_sources
from regionmap.clip import fit_to_view
from regionmap.export import (
    DEFAULT_DPI,
    DPI_RANGE,
    FORMATS,
    ExportedFile,
    default_export_date,
    export_bytes,
    export_command,
    export_key,
    format_bbox,
)
from regionmap.filters import Filters
from regionmap.popups import (
    citation_numbers,
    display_fields,
    feature_name,
    find_feature,
    parse_ref,
)
from regionmap.problems import CatalogError, InvalidLayerError
from regionmap.regions import REGIONS_FILE, Region, load_regions
from regionmap.render import build_map
from regionmap.safe_html import escape_markdown as md
from regionmap.safe_html import markdown_link
from regionmap.state import ViewState, state_from_query, state_to_query
from regionmap.store import NewLayer, add_layer
from regionmap.styles import layer_styles, layer_swatch
from regionmap.table import feature_rows, rows_csv, shown_geojson
from regionmap.upload import (
    max_upload_mb,
    preview_layer,
    problem_rows,
    read_upload,
    safe_upload_name,
    suggest_layer_id,
    upload_limits,
    upload_size_error,
)
from regionmap.view import (
    MAP_RETURNED,
    WORLD,
    MapFrame,
    country_label,
    features_bbox,
    filter_choices,
    is_basemap,
    layer_stamp,
    map_frame,
    order_layers,
    resolution_for_bbox,
    select_features,
)

BOUNDARIES_NOTE = "Boundaries: Natural Earth, de facto; depiction implies no endorsement."
OFFLINE = "None (offline)"
Shown = list[tuple[Layer, list[dict[str, Any]]]]
log = logging.getLogger("regionmap.app")


# Cached core calls. Loaded layers are large and read-only, so they are shared resources
# (cache_data would copy megabytes on every rerun); keys include the files' mtimes and sizes,
# so edits to a layer show on the next rerun.
@st.cache_resource(show_spinner="Loading layer…", max_entries=48)
def load_layer(user_dir: str | None, layer_id: str, resolution: str | None, stamp: tuple) -> Layer:
    """Load one layer (``stamp`` only keys the cache)."""
    return Catalog(user_dir).load(layer_id, resolution=resolution)


@st.cache_data(show_spinner=False, max_entries=64)
def fitted(user_dir: str | None, layer_id: str, resolution: str, bbox: tuple, stamp: tuple) -> list:
    """A layer's features clipped and simplified for a view."""
    return fit_to_view(load_layer(user_dir, layer_id, resolution, stamp).features, bbox)


@st.cache_data(show_spinner=False)
def regions(mtime: int) -> dict[str, Region]:
    """The region presets (``mtime`` only keys the cache)."""
    return load_regions()


def catalog_layers(catalog: Catalog) -> tuple[list[Layer], dict[str, tuple]]:
    """Every layer of the catalog in display order (broken ones included), and their stamps."""
    user_dir = str(catalog.user_dir) if catalog.user_dir else None
    # dict.fromkeys: a user layer shadows a built-in one with its id
    stamps = {i: layer_stamp(catalog, i) for i in dict.fromkeys(catalog.ids())}
    layers = [load_layer(user_dir, i, None, stamp) for i, stamp in stamps.items()]
    return order_layers(layers), stamps


def init_state(state: ViewState, ok_layers: list[Layer]) -> None:
    """Put a state into the widgets' session keys (first run of a session only)."""
    wanted = set(state.layers) if state.layers is not None else None
    for layer in ok_layers:
        on = layer.meta.default_visible if wanted is None else layer.id in wanted
        st.session_state[f"layer:{layer.id}"] = on
    st.session_state.update(
        region=state.region,
        fit=state.fit,
        q=state.filters.search,
        countries=list(state.filters.countries),
        agreements=list(state.filters.agreements),
        basemap=state.basemap or OFFLINE,
        feature=state.feature,
    )
    if state.filters.years:
        st.session_state["years"] = state.filters.years


def sidebar(ok_layers: list[Layer], presets: dict[str, Region]) -> ViewState:
    """The sidebar widgets; returns the state they describe."""
    bar = st.sidebar
    bar.header("Layers")
    groups: dict[str, list[Layer]] = {}
    for layer in ok_layers:
        groups.setdefault(layer.meta.group, []).append(layer)
    styles = layer_styles(ok_layers)  # the map's colours and shapes (issue 11)
    for group, members in groups.items():
        bar.caption(md(group))
        for layer in members:
            label = f"![]({layer_swatch(layer, styles[layer.id])}) {md(layer.meta.title)}"
            help_text = md(layer.meta.description) or None  # the "?" shows the description
            bar.checkbox(label, key=f"layer:{layer.id}", help=help_text)
    shown_ids = tuple(la.id for la in ok_layers if st.session_state.get(f"layer:{la.id}"))
    bar.header("View")
    bar.selectbox("Region", list(presets), format_func=lambda n: presets[n].title, key="region")
    bar.checkbox("Fit to visible layers", key="fit")
    bar.header("Filters")
    bar.text_input("Search names and notes", key="q", max_chars=200)
    choices = filter_choices([la for la in ok_layers if la.id in shown_ids])
    _keep_options("countries", choices.countries)
    bar.multiselect(
        "Countries (host, user or location)",
        choices.countries,
        format_func=country_label,
        key="countries",
    )
    _keep_options("agreements", list(choices.agreements))
    bar.multiselect(
        "Agreements",
        list(choices.agreements),
        format_func=lambda k: choices.agreements[k],
        key="agreements",
    )
    years = None
    if choices.years and choices.years[0] < choices.years[1]:
        low, high = choices.years
        current = st.session_state.get("years") or (low, high)
        st.session_state["years"] = (
            max(low, min(current[0], high)),
            min(high, max(current[1], low)),
        )
        years = bar.slider("Years (layers with dates)", low, high, key="years")
        years = None if tuple(years) == (low, high) else tuple(years)
    bar.header("Basemap")
    bar.selectbox(
        "Online basemap (loads tiles from the internet)", [OFFLINE, *basemap_names()], key="basemap"
    )
    basemap = st.session_state["basemap"]
    filters = Filters(
        search=st.session_state["q"].strip(),
        countries=tuple(st.session_state["countries"]),
        agreements=tuple(st.session_state["agreements"]),
        years=years,
    )
    return ViewState(
        region=st.session_state["region"],
        layers=shown_ids,
        fit=st.session_state["fit"],
        filters=filters,
        feature=st.session_state.get("feature"),
        basemap=None if basemap == OFFLINE else basemap,
    )


def _keep_options(key: str, options: Any) -> None:
    """Drop selected values that are no longer offered (a multiselect would fail on them)."""
    st.session_state[key] = [v for v in st.session_state.get(key, []) if v in set(options)]


def view_layers(
    catalog: Catalog, layers: list[Layer], stamps: dict, state: ViewState, bbox: tuple
) -> tuple:
    """The features each visible layer shows, and coarse backdrops for detailed basemaps."""
    user_dir = str(catalog.user_dir) if catalog.user_dir else None
    resolution = resolution_for_bbox(bbox)
    shown: Shown = []
    backdrops: dict[str, list] = {}
    for layer in layers:
        if layer.id not in state.layers:
            continue
        if layer.meta.resolutions:
            stamp = stamps[layer.id]
            res = resolution if resolution in layer.meta.resolutions else None
            shown.append((layer, fitted(user_dir, layer.id, res, bbox, stamp)))
            if res and res != "110m" and "110m" in layer.meta.resolutions:
                backdrops[layer.id] = fitted(user_dir, layer.id, "110m", WORLD, stamp)
        else:
            shown.append((layer, select_features(layer, state.filters, bbox)))
    return shown, backdrops


@st.fragment
def map_and_export(
    catalog: Catalog,
    state: ViewState,
    shown: Shown,
    bib: Bibliography,
    bbox: tuple,
    backdrops: dict,
    versions: tuple,
) -> None:
    """The map and the export panel, as a fragment: panning reruns only this part.

    On a fragment rerun Streamlit calls this again with the arguments of the last full run,
    so the map is rebuilt from the same inputs, its script is unchanged and the browser
    keeps its view. The map returns the clicked feature and its bounds (``MAP_RETURNED``);
    a click reruns the whole page, which shows the selection and puts it in the URL.
    ``versions`` (the visible layers' file stamps) tell when a prepared export is stale.
    """
    styles = layer_styles(la for la in catalog_layers(catalog)[0] if la.ok)
    m = build_map(
        shown,
        bbox=bbox,
        bibliography=bib,
        basemap=state.basemap,
        backdrops=backdrops,
        styles=styles,
    )
    out = st_folium(
        m, key="map", height=560, use_container_width=True, returned_objects=list(MAP_RETURNED)
    )
    ref = parse_ref((out or {}).get("last_object_clicked_tooltip"))
    if ref and ref != st.session_state.get("_last_click"):
        st.session_state["_last_click"] = ref
        st.session_state["feature"] = ref
        st.rerun()
    export_panel(catalog, state, map_frame(out, bbox), versions)


def export_panel(catalog: Catalog, state: ViewState, frame: MapFrame, versions: tuple) -> None:
    """Prepare the current view as PNG, SVG, PDF or HTML on demand, then offer the download."""
    with st.expander("Export this view (PNG, SVG, PDF, HTML)"):
        if frame.note:
            st.info(md(frame.note))
        st.caption(
            f"Frame {md(format_bbox(frame.bbox))} · layers: {md(', '.join(state.layers))}"
            f" · filters: {md(state.filters.describe())}"
        )
        left, right = st.columns([4, 1])
        title = left.text_input(
            "Title (empty: the frame and the layers shown)", key="export_title", max_chars=200
        )
        dpi = right.number_input(
            "PNG dpi", *DPI_RANGE, value=DEFAULT_DPI, step=50, key="export_dpi"
        )
        if not state.layers:
            st.caption("Turn on a layer to export the view.")
            return
        date = default_export_date()
        options = {
            "bbox": frame.bbox,
            "layers": state.layers,
            "filters": state.filters,
            "title": title.strip() or None,
            "dpi": int(dpi),
        }
        prepared: dict[str, tuple[tuple, ExportedFile]] = st.session_state.setdefault(
            "_exports", {}
        )
        errors = []
        for fmt, column in zip(FORMATS, st.columns(len(FORMATS)), strict=True):
            wanted = export_key(fmt, date, options, versions)
            if fmt in prepared and prepared[fmt][0] != wanted:
                del prepared[fmt]  # made for another view: prepare it again
            if fmt not in prepared and column.button(f"Prepare {fmt.upper()}", key=f"prep:{fmt}"):
                with st.spinner(f"Preparing {fmt.upper()}…"):
                    try:
                        exported = export_bytes(catalog, fmt=fmt, export_date=date, **options)
                    except CatalogError as exc:  # ExportError: empty frame, broken layer, ...
                        errors.append(str(exc))
                    except Exception as exc:  # never a traceback in the page
                        log.exception("export failed")
                        errors.append(f"the export failed unexpectedly: {exc}")
                    else:
                        prepared[fmt] = (wanted, exported)
            if fmt in prepared:
                exported = prepared[fmt][1]
                column.download_button(
                    f"Download {fmt.upper()}",
                    exported.data,
                    exported.file_name,
                    exported.media_type,
                    key=f"download:{fmt}",
                    on_click="ignore",
                    type="primary",
                )
        for error in errors:
            st.error(f"Cannot export: {md(error)}")
        st.caption("The same file from the command line (the suffix of --out sets the format):")
        st.code(export_command(export_date=date, **options), language="bash")


def selected_panel(layers: list[Layer], bib: Bibliography, ref: str | None) -> None:
    """Details of the selected feature (the accessible twin of its popup)."""
    found = find_feature(layers, ref)
    if found is None:
        return
    layer, feature = found
    with st.container(border=True):
        st.markdown(f"**{md(feature_name(feature))}** · {md(layer.meta.title)}")
        note = (feature.get("properties") or {}).get("note")
        if note:
            st.markdown(md(note))
        fields = display_fields(layer, feature)
        if fields:
            st.table({"field": [f[0] for f in fields], "value": [f[1] for f in fields]})
        numbers = set(citation_numbers(bib, layer, feature))
        for c in bib.citations:
            if c.number in numbers:
                st.markdown(citation_md(c))
        if st.button("Clear selection"):
            st.session_state["feature"] = None
            st.rerun()


def citation_md(c: Citation) -> str:
    """A numbered citation as Markdown with an escaped title and a checked link."""
    date = f", {md(c.source.published)}" if c.source.published else ""
    link = markdown_link(c.source.url, c.source.url)
    return (
        f"\\[{c.number}\\] {md(c.source.title)} — {md(c.source.publisher)}{date}. {link} "
        f"(accessed {md(c.source.accessed)})"
    )


def select_row() -> None:
    """Table row selected: make its feature the selected one."""
    rows = st.session_state["table"].selection.rows
    refs = st.session_state.get("_table_refs", [])
    if rows and rows[0] < len(refs):
        st.session_state["feature"] = refs[rows[0]]


def sources_tab(shown: Shown, bib: Bibliography) -> None:
    """The numbered bibliography, each layer's licence and attribution, and the boundary note."""
    st.markdown("**Sources of the features shown**")
    if not bib.citations:
        st.caption("No features shown.")
    for c in bib.citations:
        st.markdown(citation_md(c))
    st.markdown("**Layers**")
    for layer, _ in shown:
        meta = layer.meta
        lic = markdown_link(meta.license_url, meta.license)
        credit = f" — {md(meta.attribution)}" if meta.attribution else ""
        st.markdown(f"- {md(meta.title)}: licence {lic}{credit}")
    st.caption(BOUNDARIES_NOTE)


def table_tab(shown: Shown, bib: Bibliography) -> None:
    """The visible data features as a sortable table, with CSV and GeoJSON downloads."""
    rows = feature_rows(shown, bib)
    st.session_state["_table_refs"] = [row["ref"] for row in rows]
    st.caption(
        f"{len(rows)} feature(s) shown. Click a column header to sort; select a row to see "
        "the feature's details and sources above the table."
    )
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        key="table",
        on_select=select_row,
        selection_mode="single-row",
    )
    left, right = st.columns(2)
    left.download_button("Download CSV", rows_csv(rows), "regionmap-features.csv", "text/csv")
    right.download_button(
        "Download GeoJSON",
        shown_geojson(shown, bib),
        "regionmap-features.geojson",
        "application/geo+json",
    )


def problems_expander(layers: list[Layer]) -> None:
    """Broken layers with their problems, and warnings of working layers."""
    broken = [la for la in layers if not la.ok]
    warned = [la for la in layers if la.ok and la.problems]
    if not broken and not warned:
        return
    label = f"Layer problems ({len(broken)} broken, {len(warned)} with warnings)"
    with st.expander(label, expanded=bool(broken)):
        for layer in broken + warned:
            status = "left off the map" if not layer.ok else "shown, with warnings"
            st.markdown(f"**{md(layer.id)}** — {status}")
            st.dataframe(problem_rows(layer.problems), hide_index=True, width="stretch")


def add_layer_tab(catalog: Catalog, bbox: tuple) -> None:
    """Upload a GeoJSON, see the validation report and a preview, then save it."""
    cap = max_upload_mb()
    where = catalog.write_dir
    st.caption(
        f"Checked like `regionmap add`; saved to the catalog in {md(where)}. Limit {cap} MB."
    )
    upload = st.file_uploader(
        "GeoJSON file", type=["geojson", "json"], max_upload_size=cap, key="upload"
    )
    if "_added" in st.session_state:
        st.success(st.session_state.pop("_added"))
    if upload is None:
        return
    error = upload_size_error(upload.size, cap)
    if error:
        st.error(md(error))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / safe_upload_name(upload.name)
        path.write_bytes(upload.getvalue())
        result = read_upload(path, upload.name, cap)
        report(result.problems, ok=result.ok)
        if result.collection is not None and result.ok:
            preview = preview_layer(result, upload.name)
            shown = [(preview, preview.features)]
            box = features_bbox(shown) or bbox
            st_folium(
                build_map(shown, bbox=box, bibliography=Bibliography()),
                key="preview",
                height=320,
                use_container_width=True,
                returned_objects=[],
            )
        with st.form("add-layer"):
            layer_id = st.text_input("Layer id (kebab-case)", value=suggest_layer_id(upload.name))
            title = st.text_input("Title")
            license_id = st.text_input("Licence (SPDX id, e.g. CC0-1.0)")
            license_url = st.text_input("Licence URL (needed for 'other')")
            source_title = st.text_input("Source title")
            source_url = st.text_input("Source URL (http or https)")
            submitted = st.form_submit_button("Add to catalog")
        if submitted:
            new = NewLayer(
                layer_id.strip(),
                title.strip(),
                license_id.strip(),
                source_title.strip(),
                source_url.strip(),
                license_url=license_url.strip() or None,
            )
            try:
                added = add_layer(catalog, path, new, limits=upload_limits(cap))
            except InvalidLayerError as exc:
                st.error(md(exc))
                report(exc.problems, ok=False)
            except CatalogError as exc:
                st.error(md(exc))
            else:
                st.session_state[f"layer:{new.id}"] = True
                st.session_state["_added"] = (
                    f"Added layer {md(new.id)}: {added.feature_count} features, "
                    f"{len(added.warnings)} warning(s). It is on the map."
                )
                st.rerun()


def report(problems: list, *, ok: bool) -> None:
    """The validation report: every problem with where it is and how to fix it."""
    errors = sum(p.is_error for p in problems)
    if ok:
        st.success(f"No errors; {len(problems)} warning(s).")
    else:
        st.error(f"{errors} error(s), {len(problems) - errors} warning(s); nothing was saved.")
    if problems:
        st.dataframe(problem_rows(problems), hide_index=True, width="stretch")


def main() -> None:
    """The page."""
    st.set_page_config(page_title="regionmap", layout="wide")
    catalog = Catalog()
    layers, stamps = catalog_layers(catalog)
    ok_layers = [la for la in layers if la.ok]
    presets = regions(REGIONS_FILE.stat().st_mtime_ns)
    default = ViewState(region="world" if "world" in presets else next(iter(presets)))
    if "_init" not in st.session_state:
        state = state_from_query(
            st.query_params.to_dict(),
            regions=presets,
            layers=[la.id for la in ok_layers],
            basemaps=basemap_names(),
            default=default,
        )
        init_state(state, ok_layers)
        st.session_state["_init"] = True
    state = sidebar(ok_layers, presets)
    st.title("regionmap")
    problems_expander(layers)
    bbox = tuple(presets[state.region].bbox)
    if state.fit:
        data = [
            (la, select_features(la, state.filters))
            for la in ok_layers
            if la.id in state.layers and not is_basemap(la)
        ]
        bbox = features_bbox(data) or bbox
    shown, backdrops = view_layers(catalog, ok_layers, stamps, state, bbox)
    bib = number_sources(shown)
    st.query_params.from_dict(state_to_query(state, replace(default, layers=_defaults(ok_layers))))
    versions = tuple(stamps[i] for i in state.layers)
    map_and_export(catalog, state, shown, bib, bbox, backdrops, versions)
    st.caption(BOUNDARIES_NOTE)
    selected_panel(ok_layers, bib, state.feature)
    table, sources, add = st.tabs(["Table", "Sources", "Add a layer"])
    with table:
        table_tab(shown, bib)
    with sources:
        sources_tab(shown, bib)
    with add:
        add_layer_tab(catalog, bbox)


def _defaults(ok_layers: list[Layer]) -> tuple[str, ...]:
    """The ids of the layers visible by default."""
    return tuple(la.id for la in ok_layers if la.meta.default_visible)


main()
