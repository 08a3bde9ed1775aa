"""regionmap explorer: the catalog's cited layers on an offline map, with table and sources.

Run with ``streamlit run app.py``. This file only wires widgets to the core: the sidebar
builds a :class:`regionmap.view.View`, the core turns it into view contents once
(:func:`regionmap.view.view_contents`), and the map, table, sources panel, selected panel,
downloads and export panel all read that one value. See ``docs/app.md``.
"""

from __future__ import annotations

import functools
import logging
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import streamlit as st
import streamlit.components.v1 as components
from streamlit.errors import StreamlitAPIException

from regionmap.appcache import BasePart, prepared_base, prepared_map, publish_base
from regionmap.appexport import ExportedFile, export_bytes, export_key
from regionmap.basemaps import basemap_names
from regionmap.catalog import Catalog, Layer
from regionmap.choices import country_label, filter_choices
from regionmap.citations import Bibliography, Citation
from regionmap.clip import fit_to_view
from regionmap.credits import default_export_date
from regionmap.downloads import DOWNLOADS, download_bytes
from regionmap.exportcmd import export_command
from regionmap.filters import APPLIES, Filters
from regionmap.formats import UPLOAD_SUFFIXES
from regionmap.frame import MAP_RETURNED, MapFrame, format_bbox, map_frame, view_center, view_zoom
from regionmap.layercache import load_layer
from regionmap.mapcomponent import COMPONENT_DIR, component_args
from regionmap.output import DEFAULT_DPI, DPI_RANGE, PANEL_FORMATS
from regionmap.popups import (
    bibliography_html,
    citation_numbers,
    display_fields,
    feature_name,
    parse_ref,
)
from regionmap.problems import CatalogError, InvalidLayerError
from regionmap.regions import REGIONS_FILE, Region, load_regions
from regionmap.safe_html import escape_markdown as md
from regionmap.safe_html import markdown_link
from regionmap.state import ViewState, state_from_query, state_to_query
from regionmap.store import NewLayer
from regionmap.stores import open_catalog
from regionmap.styles import layer_styles, layer_swatch
from regionmap.table import feature_rows, rows_csv, shown_geojson, table_page
from regionmap.tilemap import TileSource, is_tiled
from regionmap.tileserve import publish
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
    WORLD,
    View,
    ViewContents,
    features_bbox,
    is_basemap,
    order_layers,
    resolution_for_bbox,
    view_contents,
)

# folium (with pandas) and the modules built on it (regionmap.appbase, appmap, appstatic,
# render) are imported where the map is built: a view prepared by an earlier process
# (regionmap.appcache) is drawn without them.

#: The map: regionmap's own component (its page is regionmap/static/component/).
MAP_COMPONENT = components.declare_component("regionmap_map", path=str(COMPONENT_DIR))
BOUNDARIES_NOTE = "Boundaries: Natural Earth, de facto; depiction implies no endorsement."
OFFLINE = "None (offline)"
log = logging.getLogger("regionmap.app")


# Cached core calls. Layers are loaded once per process by regionmap.layercache (keyed on
# the files' mtimes and sizes, so edits show on the next rerun). View contents are shared
# resources keyed on the view and the layers' file stamps: cache_data would copy them.
@st.cache_resource(show_spinner=False, max_entries=64)
def contents_for(user_dir: str | None, key: str, stamps: tuple, _view: View) -> ViewContents:
    """The view contents (``key`` is the view's repr, ``stamps`` the layers' file stamps)."""
    return view_contents(open_catalog(user_dir), _view)


@st.cache_resource(show_spinner=False, max_entries=64)
def map_groups(view_key: tuple, base_key: tuple, day: Any, _build: Callable[[], list]) -> list:
    """The view's groups as the map component's scripts (``_build``: ``data_groups``).

    Kept per view, countries file (or basemap stamps) and day (the screenshot footer's
    date), so toggling a layer back, or coming back to a region, sends the scripts of before
    without building and rendering them again.
    """
    from regionmap.mapcomponent import group_scripts

    return group_scripts(_build())


@st.cache_data(show_spinner=False, max_entries=64)
def fitted(user_dir: str | None, layer_id: str, resolution: str, bbox: tuple, stamp: tuple) -> list:
    """A layer's features clipped and simplified for a view."""
    return fit_to_view(load_layer(open_catalog(user_dir), layer_id, resolution).features, bbox)


@st.cache_resource(show_spinner=False, max_entries=32)
def countries_file(
    anchor: tuple, tiles: str | None, stamps: tuple, _fit: Callable[[], tuple[list, dict]]
) -> BasePart:
    """The ticked basemaps of a box as one static file (``stamps``: the basemaps' files).

    Prepared once for all processes in the static folder (:func:`prepared_base`): only a
    box seen by no process yet fits the basemaps to it (``_fit``, :func:`basemap_layers`).
    """

    def build() -> BasePart:
        from regionmap.appbase import base_part  # folium: only for a box never prepared

        shown, backdrops = _fit()
        return base_part(shown, anchor=anchor, tiles=tiles, backdrops=backdrops)

    return prepared_base(STATIC_DIR, (anchor, tiles, stamps), build)


@st.cache_data(show_spinner=False)
def regions(mtime: int) -> dict[str, Region]:
    """The region presets (``mtime`` only keys the cache)."""
    return load_regions()


def catalog_layers(catalog: Catalog) -> tuple[list[Layer], dict[str, tuple]]:
    """Every layer of the catalog in display order (broken ones included), and their stamps."""
    # dict.fromkeys: a user layer shadows a built-in one with its id
    stamps = {i: catalog.stamp(i) for i in dict.fromkeys(catalog.ids())}
    return order_layers([load_layer(catalog, i) for i in stamps]), stamps


def init_state(state: ViewState, ok_layers: list[Layer], years: tuple[int, int] | None) -> None:
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
    if years:
        wanted_years = state.filters.years or years
        st.session_state["years"] = (
            max(years[0], min(wanted_years[0], years[1])),
            min(years[1], max(wanted_years[1], years[0])),
        )


def sidebar(ok_layers: list[Layer], presets: dict[str, Region], years: tuple | None) -> ViewState:
    """The sidebar widgets; returns the state they describe.

    The time slider's bounds come from every data layer of the catalog, not the ticked ones,
    and its value is only ever changed by the user: toggling a layer never moves the window.
    """
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
    bar.selectbox(
        "Region",
        list(presets),
        format_func=lambda n: presets[n].title,
        key="region",
        on_change=_clear_results_box,
    )
    bar.checkbox("Fit to visible layers", key="fit", on_change=_clear_results_box)
    bar.header("Filters")
    bar.text_input("Search names and notes (every layer)", key="q", max_chars=200)
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
    window = None
    if years and years[0] < years[1]:
        current = st.session_state.get("years") or years
        if not (years[0] <= current[0] <= current[1] <= years[1]):  # a layer was added
            st.session_state["years"] = (max(years[0], current[0]), min(years[1], current[1]))
        chosen = bar.slider("Present during (years)", years[0], years[1], key="years")
        window = None if tuple(chosen) == tuple(years) else tuple(chosen)
    bar.header("Basemap")
    bar.selectbox(
        "Online basemap (loads tiles from the internet)", [OFFLINE, *basemap_names()], key="basemap"
    )
    basemap = st.session_state["basemap"]
    filters = Filters(
        search=st.session_state["q"].strip(),
        countries=tuple(st.session_state["countries"]),
        agreements=tuple(st.session_state["agreements"]),
        years=window,
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


def _clear_results_box() -> None:
    """A new region or fit choice replaces a "fit to results" box."""
    st.session_state.pop("_results_box", None)


def anchor_box(catalog: Catalog, state: ViewState, presets: dict[str, Region]) -> tuple:
    """The box the app sets: fitted results, fitted visible layers, or the region preset."""
    if st.session_state.get("_results_box"):
        return tuple(st.session_state["_results_box"])
    box = tuple(float(v) for v in presets[state.region].bbox)
    if state.fit and state.layers:
        world = view_contents(catalog, View(WORLD, state.layers, state.filters))
        box = features_bbox(world.data_layers) or box
    return box


def fit_to_results(catalog: Catalog, state: ViewState) -> None:
    """The "Fit to results" button: frame every feature that passes the filters, worldwide."""
    if not state.layers:
        return
    if st.sidebar.button("Fit to results", help="Frame what the filters keep, worldwide"):
        world = view_contents(catalog, View(WORLD, state.layers, state.filters))
        box = features_bbox(world.data_layers)
        if box is None:
            st.sidebar.caption("No feature passes the filters.")
        else:
            st.session_state["_results_box"] = box


def ticked_basemaps(layers: list[Layer], state: ViewState) -> list[Layer]:
    """The basemap layers (the countries) ticked in the sidebar."""
    return [la for la in layers if la.id in state.layers and is_basemap(la)]


def basemap_layers(
    catalog: Catalog, layers: list[Layer], stamps: dict, anchor: tuple
) -> tuple[list, dict]:
    """The basemaps ``layers`` fitted to the app's view, and coarse backdrops around them."""
    user_dir = catalog.spec  # a cache key only: a database URL is never shown
    resolution = resolution_for_bbox(anchor)
    shown, backdrops = [], {}
    for layer in layers:
        res = resolution if resolution in layer.meta.resolutions else None
        shown.append((layer, fitted(user_dir, layer.id, res, anchor, stamps[layer.id])))
        if res and res != "110m" and "110m" in layer.meta.resolutions:
            backdrops[layer.id] = fitted(user_dir, layer.id, "110m", WORLD, stamps[layer.id])
    return shown, backdrops


#: The app's static folder (served at /app/static/, .streamlit/config.toml): a cache of the
#: tiled layers' archives and of the countries' files, git-ignored.
STATIC_DIR = Path(__file__).resolve().parent / "static"


def tile_sources(contents: ViewContents | None, base_url: str) -> dict[str, TileSource]:
    """The view's tiled layers, published to the static folder for range requests."""
    found: dict[str, TileSource] = {}
    for layer, _ in contents.data_layers if contents is not None else []:
        if is_tiled(layer):
            source = written(lambda la=layer: publish(la, STATIC_DIR, base_url))
            if source is not None:
                found[layer.id] = source
    return found


def written(publish: Callable[[], Any]) -> Any:
    """Publish to the static folder; None when it cannot be written (the map goes inline)."""
    try:
        return publish()
    except OSError as exc:
        log.warning("cannot write %s (%s): the map's files go inline", STATIC_DIR, exc)
        return None


def current_frame(anchor: tuple, base: tuple) -> MapFrame:
    """The frame: the map's last reported view of this base map, else the app's box."""
    stored = st.session_state.get("_frame")
    if stored and stored[0] == base:
        return stored[1]
    return map_frame(None, anchor)


@st.fragment
def view_area(
    catalog: Catalog,
    state: ViewState,
    anchor: tuple,
    ticked: list[Layer],
    fit: Callable[[], tuple[list, dict]],
    stamps: dict,
    default: ViewState,
    styles: dict,
) -> None:
    """The map, the selected feature, the table, the sources and the export panel.

    One fragment, so that a pan reruns only this part: the frame the map reports becomes
    the view's frame, and everything here follows it. On a fragment rerun Streamlit calls
    this with the arguments of the last full run, so the base map is unchanged and the
    browser keeps its view; only the data groups are swapped in.
    """
    first = st.session_state.get(FIRST_DRAW)
    if first == "pending":  # the map reported after drawing alone (map_first): whole page now
        st.rerun()
    if first == "alone":
        st.session_state[FIRST_DRAW] = "pending"
    user_dir = catalog.spec  # a cache key only: a database URL is never shown
    base_key = (anchor, tuple(la.id for la in ticked), state.basemap)
    frame = current_frame(anchor, base_key)
    selected = st.session_state.get("feature")
    view = View(
        frame.bbox,
        layers=state.layers,
        filters=state.filters,
        selected=selected,
        basemap=state.basemap,
        title=format_bbox(frame.bbox),
    )
    versions = tuple(stamps[i] for i in state.layers)
    contents = contents_for(user_dir, repr(view), versions, view) if state.layers else None
    st.query_params.from_dict(state_to_query(replace(state, feature=selected), default))
    if contents is not None:
        filter_notes(contents)
    static = bool(st.get_option("server.enableStaticServing"))
    base_url = st.get_option("server.baseUrlPath") or "/"
    sources = tile_sources(contents, base_url)
    base = None
    if ticked and static:  # else the countries travel inline, with every rerun
        base_stamps = tuple((la.id, stamps[la.id]) for la in ticked)
        part = countries_file(anchor, state.basemap, base_stamps, fit)
        url = written(lambda: publish_base(part, STATIC_DIR, base_url))
        base = (part, url) if url else None
    basemaps, backdrops = fit() if ticked and base is None else ([], {})
    groups_key = (
        user_dir,
        repr(view),
        versions,
        anchor,
        state.basemap,
        repr(styles),
        repr(sources),
    )
    base_ref = (base[0].digest, base[1]) if base else tuple((la.id, stamps[la.id]) for la in ticked)
    day = default_export_date()

    def build_page() -> dict:
        """The map component's page and groups (this loads folium)."""
        from regionmap.appmap import base_map, data_groups
        from regionmap.appstatic import publish_assets
        from regionmap.mapcomponent import mount_args

        build = functools.partial(
            data_groups,
            contents,
            styles,
            day,
            basemaps=basemaps,
            anchor=anchor,
            tiles=state.basemap,
            backdrops=backdrops,
            tiled=frozenset(sources),
            base=base,
        )
        groups = map_groups(groups_key, base_ref, day, build)
        # The same page for every region (the component stays); only tiled layers, drawn
        # from their archives in the browser, and their filters change it.
        m = base_map(
            state.basemap,
            tiled=contents.data_layers if sources and contents else None,
            sources=sources,
            styles=styles,
            filters=state.filters,
        )
        if static:  # the scripts from the app's server, not in every rerun's arguments
            written(lambda: publish_assets(m, STATIC_DIR, base_url))
        return {"page": mount_args(m), "groups": groups}

    if static and first == "alone":  # a cold start: read, if prepared
        drawn = prepared_map(STATIC_DIR, (groups_key, base_ref, day, base_url), build_page)
    else:
        drawn = build_page()
    page, groups = dict(drawn["page"]), drawn["groups"]
    key = f"map-{page.pop('key')}"
    out = st.session_state.get(key)  # what the map reported (None until it has)
    reported = map_frame(out, anchor)
    # The mounted map returns its last report until it reports again: after a region
    # change that is the old region's view, which must not become the new frame.
    seen, st.session_state["_map_seen"] = st.session_state.get("_map_seen"), _seen(out)
    if reported != frame and _seen(out) != seen:  # the map moved: list what it shows now
        st.session_state["_frame"] = (base_key, reported)
        rerun_view()
    ref = parse_ref((out or {}).get("last_object_clicked_tooltip"))
    if ref and ref != st.session_state.get("_last_click"):
        st.session_state["_last_click"] = ref
        st.session_state["feature"] = ref
        rerun_view()
    # The map's place on the page; it is drawn last, so the browser has rendered the rest of
    # the page by the time the map's arguments arrive, and redraws the map at once.
    slot = st.container()
    if first != "alone":  # see map_first
        st.caption(BOUNDARIES_NOTE)
        if contents is not None:
            selected_panel(contents)
        table, sources = st.tabs(["Table", "Sources"])
        with table:
            table_tab(contents)
        with sources:
            sources_tab(contents)
        export_panel(catalog, state, frame, contents, versions)
    with slot:
        fetch = [base[1]] if base else []  # the countries, fetched before Leaflet loads
        show_map(page, key, groups, anchor, fetch, lambda: map_reported(anchor, base_key))


#: Where a session's first draw stands (map_first): "alone" in the run that draws the map
#: alone, "pending" until the map's first report reruns the whole page, then "done".
FIRST_DRAW = "_first_draw"


def map_first() -> bool:
    """Whether this run draws the map alone: a browser's first run of the session.

    The rest of the page (the table, the sources, the export panel, "Add a layer") comes
    with the next run, a whole-page run that the map's first report starts as soon as the
    map has drawn (:func:`view_area`); so the browser loads
    and draws the map without rendering the rest first (about 0.9 s of a cold start on a
    2-core machine, ``benchmarks/bench_app.py``). Any later run draws everything, so a map
    that never reports holds the rest back only until the next interaction. A client that
    is no browser (``AppTest``, with no request headers) never runs the map: it gets the
    whole page at once.
    """
    alone = FIRST_DRAW not in st.session_state and bool(st.context.headers.get("user-agent"))
    st.session_state[FIRST_DRAW] = "alone" if alone else "done"
    return alone


def show_map(
    page: dict,
    key: str,
    groups: list,
    anchor: tuple,
    prefetch: list[str],
    on_change: Callable[[], None],
) -> None:
    """Draw the map component: ``page`` (``mount_args``, without its key) under ``key``, and
    ``groups`` (``group_scripts``).

    The key holds the base map's hash, so another online basemap mounts a new page; the
    groups and the box's centre and zoom update the mounted one. The map's report is the
    component's value (``st.session_state[key]``), kept also under
    ``st.session_state["map"]`` for ``on_change``.
    """

    def reported() -> None:
        st.session_state["map"] = st.session_state.get(key)
        on_change()

    MAP_COMPONENT(
        **component_args(page, groups, prefetch),
        height=560,
        center=view_center(anchor),  # a new box moves the mounted map
        zoom=view_zoom(anchor),
        key=key,
        default=None,
        on_change=reported,
    )


def _seen(out: dict | None) -> tuple:
    """What the map last reported (its view and click), to tell a new report from an old one."""
    out = out or {}
    return tuple(repr(out.get(k)) for k in MAP_RETURNED)


def map_reported(anchor: tuple, base_key: tuple) -> None:
    """``st_folium``'s on_change: take the map's new view (and click) before the rerun.

    Streamlit runs this before the fragment reruns, so that one rerun draws the data of the
    new frame and selects the clicked feature; without it the rerun would find the frame
    moved only when ``st_folium`` returns, and rerun again (twice the time and bytes).
    """
    out = st.session_state.get("map") or {}
    st.session_state["_frame"] = (base_key, map_frame(out, anchor))
    st.session_state["_map_seen"] = _seen(out)
    ref = parse_ref(out.get("last_object_clicked_tooltip"))
    if ref and ref != st.session_state.get("_last_click"):
        st.session_state["_last_click"] = ref
        st.session_state["feature"] = ref


def rerun_view() -> None:
    """Rerun the view fragment (the whole page when the fragment ran as part of it)."""
    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:  # a fragment-scoped rerun is refused during a full run
        st.rerun()


def filter_notes(contents: ViewContents) -> None:
    """Say which filters do not apply to which layer, and which layers they hide."""
    for lc in contents.layers:
        for name, effect in lc.effects.items():
            if effect != APPLIES:
                title = lc.layer.meta.title
                what = (
                    "hides this layer (its features have no such field)"
                    if lc.hidden
                    else "does not apply (the layer has no dates)"
                )
                st.caption(f"The {md(name)} filter {what}: {md(title)}.")


def export_panel(
    catalog: Catalog,
    state: ViewState,
    frame: MapFrame,
    contents: ViewContents | None,
    versions: tuple,
) -> None:
    """Prepare the current view as PNG, SVG, PDF or HTML on demand, then offer the download."""
    with st.expander("Export this view (PNG, SVG, PDF, HTML)"):
        if frame.note:
            st.info(md(frame.note))
        st.caption(
            f"Frame {md(format_bbox(frame.bbox))} · layers: {md(', '.join(state.layers))}"
            f" · filters: {md(state.filters.describe())}"
        )
        st.caption(
            "For the map exactly as shown (popup, legend, inset), use the map's Screenshot "
            "button: a PNG with the credits and sources in its footer."
        )
        left, right = st.columns([4, 1])
        title = left.text_input(
            "Title (empty: the frame and the layers shown)", key="export_title", max_chars=200
        )
        dpi = right.number_input(
            "PNG dpi", *DPI_RANGE, value=DEFAULT_DPI, step=50, key="export_dpi"
        )
        if contents is None:
            st.caption("Turn on a layer to export the view.")
            return
        date = default_export_date()
        options = {
            "bbox": frame.bbox,
            "layers": state.layers,
            "filters": state.filters,
            "title": title.strip() or None,
            "dpi": int(dpi),
            "selected": contents.view.selected if contents.selected else None,
        }
        prepared: dict[str, tuple[tuple, ExportedFile]] = st.session_state.setdefault(
            "_exports", {}
        )
        errors = []
        for fmt, column in zip(PANEL_FORMATS, st.columns(len(PANEL_FORMATS)), strict=True):
            wanted = export_key(fmt, date, options, versions)
            if fmt in prepared and prepared[fmt][0] != wanted:
                del prepared[fmt]  # made for another view: prepare it again
            if fmt not in prepared and column.button(f"Prepare {fmt.upper()}", key=f"prep:{fmt}"):
                with st.spinner(f"Preparing {fmt.upper()}…"):
                    try:
                        exported = export_bytes(
                            catalog,
                            fmt=fmt,
                            export_date=date,
                            contents=contents,
                            title=options["title"],
                            dpi=options["dpi"],
                        )
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


def selected_panel(contents: ViewContents) -> None:
    """Details of the selected feature (the accessible twin of its open popup)."""
    found = contents.selected
    if found is None:
        return
    layer, feature = found
    bib = contents.bibliography
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
            rerun_view()


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


def sources_tab(contents: ViewContents | None) -> None:
    """The numbered bibliography of the frame, each layer's licence and the boundary note."""
    st.markdown("**Sources of the features shown**")
    citations = contents.bibliography.citations if contents is not None else []
    if citations:  # one HTML block (escaped): quicker for the browser than Markdown
        st.html(bibliography_html(citations))
    else:
        st.caption("No features shown.")
    st.markdown("**Layers**")
    lines = []
    for layer, features in contents.shown if contents is not None else []:
        meta = layer.meta
        lic = markdown_link(meta.license_url, meta.license)
        credit = f" — {md(meta.attribution)}" if meta.attribution else ""
        count = "" if is_basemap(layer) else f" ({len(features)} in the frame)"
        lines.append(f"- {md(meta.title)}{count}: licence {lic}{credit}")
    if lines:
        st.markdown("\n".join(lines))
    st.caption(BOUNDARIES_NOTE)


def table_tab(contents: ViewContents | None) -> None:
    """The data features in the frame as a sortable table, with CSV and GeoJSON downloads."""
    shown = contents.data_layers if contents is not None else []
    bib = contents.bibliography if contents is not None else Bibliography()
    page = table_page(shown, bib, int(st.session_state.get("table_page") or 1) - 1)
    if (st.session_state.get("table_page") or 1) > page.pages:  # fewer pages than before
        st.session_state["table_page"] = page.pages
    rows = page.rows
    st.session_state["_table_refs"] = [row["ref"] for row in rows]
    paging = ""
    if page.pages > 1:  # a big layer: one page of rows at a time, never the whole table
        st.number_input("Table page", min_value=1, max_value=page.pages, key="table_page")
        paging = f" Page {page.page + 1} of {page.pages} shows {len(rows)}; sorting sorts the page."
    st.caption(
        f"{page.total} feature(s) in the frame.{paging} Click a column header to sort; select a "
        "row to see the feature's details and sources above the table and its popup on the map."
    )
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        key="table",
        on_select=select_row,
        selection_mode="single-row",
    )
    st.caption(
        "Downloads hold the features in the table with their sources: the table as CSV, or the "
        "features with coordinates as GeoJSON, CSV, KML or GeoPackage (each re-imports with "
        "`regionmap add`)."
    )
    columns = st.columns(5)
    columns[0].download_button(
        "Table CSV",
        lambda: rows_csv(feature_rows(shown, bib)),
        "regionmap-table.csv",
        "text/csv",
        on_click="ignore",
    )
    for column, fmt in zip(columns[1:], ("geojson", "csv", "kml", "gpkg"), strict=True):
        suffix, media_type, _ = DOWNLOADS[fmt]
        column.download_button(
            f"{fmt.upper()} with coordinates" if fmt == "csv" else fmt.upper(),
            # Built on a click only: a big layer's features are not serialised on every rerun.
            lambda fmt=fmt: download_bytes(shown_geojson(shown, bib), fmt),
            f"regionmap-features{suffix}",
            media_type,
            on_click="ignore",
            key=f"features:{fmt}",
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
    from regionmap.mapcomponent import mount_args
    from regionmap.render import build_map

    cap = max_upload_mb()
    where = catalog.write_dir
    st.caption(
        f"Checked like `regionmap add`; saved to the catalog in {md(where)}. Limit {cap} MB."
    )
    upload = st.file_uploader(
        "Layer file: GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ, GPX, TopoJSON, "
        "FlatGeobuf, or CSV/TSV/XLSX with coordinate columns",
        type=list(UPLOAD_SUFFIXES),
        max_upload_size=cap,
        key="upload",
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
            page = mount_args(build_map(shown, bbox=box, bibliography=Bibliography()))
            key = f"preview-{page['key']}"
            MAP_COMPONENT(**component_args(page), key=key, height=320)
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
                added = catalog.add(
                    path,
                    new,
                    limits=upload_limits(cap),
                    display_name=upload.name,
                    face="app",
                )
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
    try:
        catalog = open_catalog()  # REGIONMAP_CATALOG: a folder or a postgresql:// URL
    except CatalogError as exc:
        st.error(md(exc))
        st.stop()
    layers, stamps = catalog_layers(catalog)
    ok_layers = [la for la in layers if la.ok]
    presets = regions(REGIONS_FILE.stat().st_mtime_ns)
    default = ViewState(region="world" if "world" in presets else next(iter(presets)))
    years = filter_choices(ok_layers).years  # every data layer: toggles never move the bounds
    if "_init" not in st.session_state:
        state = state_from_query(
            st.query_params.to_dict(),
            regions=presets,
            layers=[la.id for la in ok_layers],
            basemaps=basemap_names(),
            default=default,
        )
        init_state(state, ok_layers, years)
        st.session_state["_init"] = True
    state = sidebar(ok_layers, presets, years)
    fit_to_results(catalog, state)
    st.title("regionmap")
    problems_expander(layers)
    anchor = anchor_box(catalog, state, presets)
    ticked = ticked_basemaps(ok_layers, state)
    fit = functools.partial(basemap_layers, catalog, ticked, stamps, anchor)  # when needed
    defaults = replace(default, layers=_defaults(ok_layers))
    styles = layer_styles(ok_layers)  # as in the sidebar: toggles never recolour a layer
    alone = map_first()
    view_area(catalog, state, anchor, ticked, fit, stamps, defaults, styles)
    if not alone:
        with st.expander("Add a layer"):
            add_layer_tab(catalog, anchor)


def _defaults(ok_layers: list[Layer]) -> tuple[str, ...]:
    """The ids of the layers visible by default."""
    return tuple(la.id for la in ok_layers if la.meta.default_visible)


main()
