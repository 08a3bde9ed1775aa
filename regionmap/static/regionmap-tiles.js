/* regionmap's big layers drawn from a PMTiles archive (issue 17).
 *
 * Loaded after Leaflet, pmtiles (global `pmtiles`) and protomaps-leaflet (global
 * `protomapsL`), only into pages that hold a tiled layer. The Python side (regionmap/render.py)
 * calls rmap.tiles(map, group, spec) once per tiled layer. The archive comes either from a URL
 * the app serves with HTTP range requests (spec.url) or embedded in the page as base64
 * (spec.archive), read from a Blob with pmtiles' FileSource.
 *
 * Popups are built here from the tile feature's properties. Layer text is only ever set with
 * textContent; the only HTML inserted is the citations, built and escaped in Python
 * (spec.cites: regionmap.popups.citation_html by number).
 */
(function (L) {
  "use strict";
  if (!L || !window.pmtiles || !window.protomapsL) { return; }
  var rmap = (window.rmap = window.rmap || {});
  var DATE = /^\s*(\d{4})/;
  var NAME_KEYS = ["name", "title", "NAME", "name_en", "place", "id"];
  var NOT_FIELDS = {name: 1, note: 1, sources: 1, style: 1};
  var MAX_AUTO_FIELDS = 12;

  function year(value) {
    // The year a date value starts with, as regionmap.filters.date_span reads it.
    if (value === undefined || value === null || value === "") { return null; }
    var m = DATE.exec(String(value));
    var y = m ? parseInt(m[1], 10) : null;
    return y !== null && y >= 1 ? y : null;
  }

  function inWindow(time, props) {
    // regionmap.filters.matches for a years window: present during [first, last]. Whole
    // years bound the window, so comparing years is exact; undated features are kept.
    if (!time) { return true; }
    var start = year(props[time.start]);
    if (start === null) { return true; }
    if (start > time.last) { return false; }
    if (!time.end) { return start >= time.first; }  // an event lasts its own period
    var end = year(props[time.end]);
    return end === null || end >= time.first;
  }

  // Python's str.casefold, as near as JavaScript comes: upper then lower case folds "ß" to
  // "ss" and "ﬁ" to "fi" as casefold does (toLowerCase alone keeps them), and casefold has no
  // final sigma, so the search finds in the tiles what the table lists.
  function fold(text) { return text.toUpperCase().toLowerCase().replace(/\u03c2/g, "\u03c3"); }
  rmap.fold = fold;

  function matches(match, props) {
    // regionmap.filters.matches for search, countries and agreements (the core said the
    // filters apply to this layer; one that would hide it left the layer out already).
    if (!match) { return true; }
    if (match.search) {
      var values = match.textFields.filter(function (k) { return k in props; })
        .map(function (k) { return props[k]; });
      if (!values.length) { values = Object.keys(props).map(function (k) { return props[k]; }); }
      var hit = values.some(function (v) {
        return typeof v === "string" && fold(v).indexOf(match.search) >= 0;
      });
      if (!hit) { return false; }
    }
    if (match.countries.length && !match.countryFields.some(function (k) {
      return match.countries.indexOf(props[k]) >= 0;
    })) { return false; }
    if (match.agreements.length && match.agreements.indexOf(props.agreement) < 0) {
      return false;
    }
    return true;
  }

  function passes(spec, props) { return inWindow(spec.time, props) && matches(spec.match, props); }

  function present(v) { return v !== undefined && v !== null && v !== "" && v !== "[]"; }

  function nameOf(props) {
    for (var i = 0; i < NAME_KEYS.length; i++) {
      if (present(props[NAME_KEYS[i]])) { return String(props[NAME_KEYS[i]]); }
    }
    return "(unnamed)";
  }

  function fieldsOf(spec, props) {
    var pairs = spec.fields;
    if (!pairs) {
      pairs = [];
      for (var k in props) {
        if (Object.prototype.hasOwnProperty.call(props, k) && !NOT_FIELDS[k]) {
          pairs.push([k, k]);
        }
      }
      pairs = pairs.slice(0, MAX_AUTO_FIELDS);
    }
    return pairs.filter(function (p) { return present(props[p[1]]); });
  }

  function citedKeys(spec, props) {
    // The feature's own "sources" list (tippecanoe writes lists as JSON text), else the
    // layer's sources: regionmap.catalog.feature_sources.
    var raw = props.sources;
    var keys = null;
    if (typeof raw === "string" && raw.charAt(0) === "[") {
      try { keys = JSON.parse(raw); } catch (e) { keys = null; }
    }
    if (!Array.isArray(keys) || !keys.length) { return spec.layerSources; }
    return keys.filter(function (k) { return typeof k === "string"; });
  }

  function citesOf(spec) {
    // The app swaps in the view's numbering with each rerun (render.TileCitations); the
    // standalone page has it in the spec.
    return (window.rmTileCites && window.rmTileCites[spec.id]) || spec;
  }

  function citedNumbers(spec, props) {
    var numbers = [];
    var known = citesOf(spec).numbers;
    citedKeys(spec, props).forEach(function (key) {
      var n = known[key];
      if (n !== undefined && numbers.indexOf(n) < 0) { numbers.push(n); }
    });
    return numbers;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function popupOf(spec, props) {
    var box = el("div", "rm-popup");
    box.setAttribute("data-rm-layer", spec.id);
    box.appendChild(el("div", "rm-name", nameOf(props)));
    box.appendChild(el("div", "rm-layer", spec.title));
    if (present(props.note)) { box.appendChild(el("p", "rm-note", String(props.note))); }
    var fields = fieldsOf(spec, props);
    if (fields.length) {
      var table = el("table", "rm-fields");
      fields.forEach(function (pair) {
        var row = el("tr");
        row.appendChild(el("th", null, pair[0]));
        row.appendChild(el("td", null, String(props[pair[1]])));
        table.appendChild(row);
      });
      box.appendChild(table);
    }
    // regionmap.popups.sources_html: each citation was escaped in Python (citation_html).
    var numbers = citedNumbers(spec, props);
    if (!numbers.length) {
      box.appendChild(el("div", "rm-none", "No source cited."));
    } else {
      var list = el("div", "rm-sources");
      list.appendChild(el("b", null, "Sources"));
      numbers.forEach(function (n) {
        var holder = el("div");
        holder.innerHTML = citesOf(spec).cites[String(n)] || "";
        while (holder.firstChild) { list.appendChild(holder.firstChild); }
      });
      box.appendChild(list);
    }
    return box;
  }

  function shapeSymbolizer(spec) {
    // The layer's marker shape and colour (regionmap.styles), drawn on the tile canvas.
    var r = spec.radius;
    return {
      draw: function (ctx, geom) {
        ctx.fillStyle = spec.color;
        ctx.strokeStyle = spec.stroke;
        ctx.lineWidth = 1;
        ctx.beginPath();
        for (var i = 0; i < geom.length; i++) {
          for (var j = 0; j < geom[i].length; j++) {
            var x = geom[i][j].x, y = geom[i][j].y;
            if (spec.shape === "square") {
              ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y - r);
              ctx.lineTo(x + r, y + r); ctx.lineTo(x - r, y + r); ctx.closePath();
            } else if (spec.shape === "triangle") {
              ctx.moveTo(x, y - r); ctx.lineTo(x + r, y + r * 0.8);
              ctx.lineTo(x - r, y + r * 0.8); ctx.closePath();
            } else if (spec.shape === "diamond") {
              ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r);
              ctx.lineTo(x - r, y); ctx.closePath();
            } else {
              ctx.moveTo(x + r, y); ctx.arc(x, y, r, 0, 2 * Math.PI);
            }
          }
        }
        ctx.fill();
        ctx.stroke();
      }
    };
  }

  function archiveOf(spec) {
    if (spec.url) { return new pmtiles.PMTiles(spec.url); }
    var bytes = Uint8Array.from(atob(spec.archive), function (c) { return c.charCodeAt(0); });
    var file = new File([bytes], spec.id + ".pmtiles", {type: "application/octet-stream"});
    return new pmtiles.PMTiles(new pmtiles.FileSource(file));
  }

  rmap.tiles = function (map, group, spec) {
    var symbolizer = shapeSymbolizer(spec);
    var layer = protomapsL.leafletLayer({
      url: archiveOf(spec),
      paintRules: [{
        dataLayer: spec.id,
        symbolizer: symbolizer,
        filter: function (z, f) { return passes(spec, f.props || {}); }
      }],
      labelRules: [],
      maxDataZoom: spec.maxDataZoom,
      // Above everything but popups: points sit over the basemap polygons.
      pane: "markerPane",
      attribution: spec.attribution
    });
    layer.addTo(group);
    var state = {layer: layer, spec: spec, loaded: 0};
    (rmap.tiled = rmap.tiled || []).push(state);
    // Leaflet's "load": every tile in view is painted (tests and the benchmark wait on it).
    layer.on("load", function () { state.loaded += 1; });
    // Leaflet gives a click to the topmost interactive layer only (a country polygon under
    // the points would take it), so the map's container is watched directly, before Leaflet
    // (capture phase): a click on a point found in the tiles opens its popup and goes no
    // further; any other click reaches Leaflet as before.
    var down = null;
    var box = map.getContainer();
    box.addEventListener("mousedown", function (e) { down = [e.clientX, e.clientY]; }, true);
    box.addEventListener("click", function (e) {
      if (!group._map || !down) { return; }
      if (Math.abs(e.clientX - down[0]) + Math.abs(e.clientY - down[1]) > 4) { return; }  // a drag
      if (e.target && e.target.closest && e.target.closest(".leaflet-popup, .leaflet-control")) {
        return;
      }
      var latlng = map.mouseEventToLatLng(e);
      var found = layer.queryTileFeaturesDebug(latlng.lng, latlng.lat, spec.radius + 4);
      var picked = null;
      found.forEach(function (features) {
        features.forEach(function (p) {
          if (!picked && p.layerName === spec.id && passes(spec, p.feature.props || {})) {
            picked = p;
          }
        });
      });
      if (!picked) { return; }
      e.stopPropagation();
      L.popup({maxWidth: Math.max(150, Math.min(320, map.getSize().x - 64))})
        .setLatLng(latlng)
        .setContent(popupOf(spec, picked.feature.props || {}))
        .openOn(map);
    }, true);
    return layer;
  };
})(window.L);
