/* regionmap's map behaviour: shaped point markers (clustered), legend, labels, inset, keyboard,
 * screenshot.
 *
 * Loaded after Leaflet, Leaflet.markercluster and leaflet-minimap. The Python side
 * (regionmap/render.py) calls rmap.setup(map, config) once per map. Every string in config
 * that ends up as HTML (popups, tooltips, legend, labels, marker SVG) was built and escaped in
 * Python (regionmap/safe_html.py); this file never builds HTML from layer text itself, and
 * only ever assigns plain text with textContent or setAttribute.
 */
(function (L) {
  "use strict";
  if (!L) { return; }
  var rmap = (window.rmap = window.rmap || {});
  rmap.maps = rmap.maps || [];

  function textOf(html) {
    // The plain text of an escaped HTML fragment (for aria-label), never inserted as HTML.
    var tmp = document.createElement("div");
    tmp.innerHTML = html;
    return tmp.textContent || "";
  }

  function popupWidth(map) {
    // Fit a popup inside small maps: Leaflet adds about 40 px of padding and tip.
    return Math.max(150, Math.min(320, map.getSize().x - 64));
  }

  function bind(map, feature, layer) {
    var p = feature.properties || {};
    if (p.popup) {
      layer.bindPopup(function () {
        var sources = (window.rmSources && window.rmSources[p.sources]) || "";
        return '<div class="rm-popup">' + p.popup + sources + "</div>";
      }, {maxWidth: popupWidth(map), autoPanPadding: [12, 12]});
      layer.on("popupopen", function (e) {
        // The map may have been resized since binding (phone rotation, sidebar).
        e.popup.options.maxWidth = popupWidth(map);
        e.popup.update();
      });
    }
    if (p.tooltip) { layer.bindTooltip(p.tooltip, {sticky: true}); }
  }

  function clusterIcon(spec) {
    return function (cluster) {
      var count = cluster.getChildCount();
      var size = count < 10 ? 26 : count < 100 ? 32 : 38;
      var box = document.createElement("div");
      box.className = "rm-cluster";
      box.style.background = spec.color;  // a checked #rrggbb colour
      box.style.width = box.style.height = size + "px";
      var label = document.createElement("span");
      label.textContent = String(count);
      box.appendChild(label);
      var wrap = document.createElement("div");
      wrap.appendChild(box);
      return L.divIcon({html: wrap.innerHTML, className: "rm-cluster-icon",
                        iconSize: [size, size]});
    };
  }

  function pointLayer(map, spec) {
    var icon = L.divIcon({html: spec.icon, className: "rm-marker rm-marker-" + spec.shape,
                          iconSize: [spec.size, spec.size]});
    if (spec.cluster && !map.getPane("rmClusters")) {
      // Clusters sit just below single markers, so a lone marker of another layer is never
      // hidden under a cluster.
      map.createPane("rmClusters").style.zIndex = 590;
    }
    var group = spec.cluster
      ? L.markerClusterGroup({
          clusterPane: "rmClusters",
          maxClusterRadius: 28,
          showCoverageOnHover: false,
          spiderfyOnMaxZoom: true,
          zoomToBoundsOnClick: true,
          // No animated re-clustering: markers are where they end up when labels are placed.
          animate: false,
          iconCreateFunction: clusterIcon(spec)
        })
      : L.featureGroup();
    L.geoJSON(spec.data, {
      pointToLayer: function (feature, latlng) {
        var marker = L.marker(latlng, {icon: icon, keyboard: true, riseOnHover: true});
        marker.on("add", function () {
          var el = marker.getElement();
          if (!el) { return; }
          el.setAttribute("role", "button");
          el.setAttribute("data-rm-layer", spec.id);
          var name = (feature.properties || {}).tooltip;
          if (name) { el.setAttribute("aria-label", textOf(name)); }
        });
        return marker;
      },
      onEachFeature: function (feature, layer) { bind(map, feature, layer); }
    }).eachLayer(function (marker) { group.addLayer(marker); });
    return group;
  }

  function legend(map, html) {
    var control = L.control({position: "topright"});
    control.onAdd = function () {
      var box = L.DomUtil.create("div", "rm-legend leaflet-control");
      box.innerHTML = html;  // built from escaped text in regionmap/legend.py
      var details = box.querySelector("details");
      if (details && map.getSize().x < 480) { details.open = false; }
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    control.addTo(map);
    return control;
  }

  function inset(map, world) {
    if (!L.Control.MiniMap) { return null; }
    var layer = L.geoJSON(world, {
      interactive: false,
      style: {color: "#8c8c8c", weight: 0.5, fillColor: "#f2efe9", fillOpacity: 1}
    });
    var small = map.getSize().x < 480;
    var control = new L.Control.MiniMap(layer, {
      position: "bottomright",
      width: 140,
      height: 100,
      zoomLevelOffset: -5,
      toggleDisplay: true,
      minimized: small,
      aimingRectOptions: {color: "#c00000", weight: 2, fill: false, interactive: false},
      shadowRectOptions: {color: "#000", weight: 1, opacity: 0, fillOpacity: 0,
                          interactive: false},
      strings: {hideText: "Hide inset map", showText: "Show inset map"}
    }).addTo(map);
    return control;
  }

  // --- labels ------------------------------------------------------------------------------

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  function grow(r, by) {
    return {left: r.left - by, top: r.top - by, right: r.right + by, bottom: r.bottom + by};
  }

  function labels(map, spec) {
    var pane = map.getPane("rmLabels") || map.createPane("rmLabels");
    pane.style.zIndex = 450;  // above shapes, below markers, tooltips and popups
    pane.style.pointerEvents = "none";
    var items = [];
    (spec.countries || []).forEach(function (c) {
      // c = [lat, lon, escaped name, min zoom, rank, further [lat, lon] places inside]
      items.push({latlng: L.latLng(c[0], c[1]), html: c[2], minZoom: c[3], rank: c[4],
                  cls: "rm-label rm-country-label", offset: 0,
                  others: (c[5] || []).map(function (p) { return L.latLng(p[0], p[1]); })});
    });
    (spec.markers || []).forEach(function (m) {
      items.push({latlng: L.latLng(m[0], m[1]), html: m[2], minZoom: m[3], rank: m[4],
                  cls: "rm-label rm-marker-label", offset: 1});
    });
    items.sort(function (a, b) { return a.rank - b.rank; });
    items.forEach(function (item) {
      item.marker = L.marker(item.latlng, {
        icon: L.divIcon({html: '<span class="rm-label-text" style="display:none">' +
                               item.html + "</span>",
                         className: item.cls, iconSize: [0, 0]}),
        pane: "rmLabels", interactive: false, keyboard: false
      });
    });
    var group = L.layerGroup(items.map(function (i) { return i.marker; })).addTo(map);

    function place() {
      var zoom = map.getZoom();
      var frame = map.getContainer().getBoundingClientRect();
      var blocked = [];
      // Markers and clusters, and the controls and panels drawn over the map.
      var icons = [].slice.call(map.getContainer().querySelectorAll(
          ".leaflet-marker-icon:not(.rm-label)"))
        .concat([].slice.call(map.getContainer().querySelectorAll(".leaflet-control")))
        .concat([].slice.call(document.querySelectorAll("#rm-about")));
      for (var k = 0; k < icons.length; k++) {
        blocked.push(grow(icons[k].getBoundingClientRect(), 2));
      }
      // Writes first, then one read of every label, then the placement computed from those
      // boxes: reading a box after each style change would lay the page out once per try
      // (half a second for a world of labels, holding up the tiles of a zoom).
      var shown = [];
      items.forEach(function (item) {
        var outer = item.marker.getElement();
        if (!outer) { return; }
        var el = outer.firstChild;
        if (zoom < item.minZoom) { el.style.display = "none"; return; }
        el.style.display = "";
        var size = item.offset ? 11 : Math.min(16, 10 + 1.2 * (zoom - item.minZoom));
        el.style.fontSize = size.toFixed(1) + "px";
        el.style.transform = item.offset ? "translate(10px, -50%)" : "translate(-50%, -50%)";
        shown.push({item: item, el: el, size: size});
      });
      shown.forEach(function (s) { s.box = s.el.getBoundingClientRect(); });
      shown.forEach(function (s) {
        var item = s.item, box = s.box;
        // Try the label's own point first, then a little above and below it, then the
        // other places inside the country; a marker's label right of it, then left.
        var step = s.size + 4;
        var tries = item.offset ? [[0, 0], [-(box.width + 20), 0]] : [[0, 0], [0, -step], [0, step]];
        if (!item.offset) {
          var base = map.latLngToContainerPoint(item.latlng);
          item.others.forEach(function (ll) {
            var p = map.latLngToContainerPoint(ll);
            tries.push([p.x - base.x, p.y - base.y]);
          });
        }
        for (var t = 0; t < tries.length; t++) {
          var dx = tries[t][0], dy = tries[t][1];
          var r = {left: box.left + dx, right: box.right + dx, top: box.top + dy,
                   bottom: box.bottom + dy};
          var inside = r.left >= frame.left && r.right <= frame.right &&
                       r.top >= frame.top && r.bottom <= frame.bottom;
          if (inside && !blocked.some(function (b) { return overlaps(r, b); })) {
            s.el.style.transform = item.offset
              ? (dx < 0 ? "translate(calc(-100% - 10px), -50%)" : "translate(10px, -50%)")
              : "translate(calc(-50% + " + dx + "px), calc(-50% + " + dy + "px))";
            blocked.push(grow(r, 3));
            return;
          }
        }
        s.el.style.display = "none";
      });
      // Counts the placements (tests and screenshots wait for the first).
      var box = map.getContainer();
      box.setAttribute("data-rm-labels-placed", String(+(box.getAttribute("data-rm-labels-placed") || 0) + 1));
    }
    var pending = null;
    function schedule() {
      if (pending) { window.clearTimeout(pending); }
      pending = window.setTimeout(function () { pending = null; place(); }, 60);
    }
    map.on("zoomend moveend resize", schedule);
    schedule();
    return {group: group, place: schedule,
            remove: function () { map.off("zoomend moveend resize", schedule); map.removeLayer(group); }};
  }

  // --- keyboard ---------------------------------------------------------------------------

  function keyboard(map) {
    // Shapes (countries and other polygons) are not tab stops: Chromium makes interactive SVG
    // paths focusable. Markers are (Leaflet gives them tabindex 0; Enter opens the popup).
    function untab() {
      var paths = map.getContainer().querySelectorAll(
        ".leaflet-overlay-pane path, .leaflet-rmBase-pane path");
      for (var i = 0; i < paths.length; i++) {
        paths[i].setAttribute("tabindex", "-1");
        paths[i].setAttribute("focusable", "false");
      }
    }
    map.on("layeradd zoomend moveend", untab);
    untab();
  }

  // --- screenshot --------------------------------------------------------------------------
  // The map as shown (basemap, layers, open popup, legend, inset) drawn by html-to-image at
  // 2x, with a footer band holding the credits and the source line burned in, and the same
  // text written into the PNG's metadata. The footer is the view's (window.rmShot, set by
  // the view's data: regionmap/screenshot.py), read at click time, so that in the app it
  // follows the data groups swapped in for the current view.

  var CRC_TABLE = null;
  function crc32(bytes) {
    if (!CRC_TABLE) {
      CRC_TABLE = [];
      for (var n = 0; n < 256; n++) {
        var c = n;
        for (var k = 0; k < 8; k++) { c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; }
        CRC_TABLE.push(c >>> 0);
      }
    }
    var crc = 0xffffffff;
    for (var i = 0; i < bytes.length; i++) {
      crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    }
    return (crc ^ 0xffffffff) >>> 0;
  }

  function latin1(text) {
    var out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { out[i] = text.charCodeAt(i); }
    return out;
  }

  function textChunk(keyword, text) {
    // tEXt (Latin-1) when the text allows it, else iTXt (UTF-8, uncompressed).
    var plain = !/[^\x00-\xff]/.test(text);
    var type = plain ? "tEXt" : "iTXt";
    var head = latin1(keyword + "\0" + (plain ? "" : "\0\0\0\0"));
    var body = plain ? latin1(text) : new TextEncoder().encode(text);
    var data = new Uint8Array(4 + head.length + body.length);
    data.set(latin1(type), 0);
    data.set(head, 4);
    data.set(body, 4 + head.length);
    var chunk = new Uint8Array(12 + head.length + body.length);
    var view = new DataView(chunk.buffer);
    view.setUint32(0, head.length + body.length);
    chunk.set(data, 4);
    view.setUint32(chunk.length - 4, crc32(data));
    return chunk;
  }

  function withText(png, entries) {
    // Insert text chunks right after IHDR (8-byte signature + 25-byte IHDR chunk).
    var chunks = entries.map(function (e) { return textChunk(e[0], e[1]); });
    var extra = chunks.reduce(function (n, c) { return n + c.length; }, 0);
    var out = new Uint8Array(png.length + extra);
    out.set(png.subarray(0, 33), 0);
    var at = 33;
    chunks.forEach(function (c) { out.set(c, at); at += c.length; });
    out.set(png.subarray(33), at);
    return out;
  }

  function wrapText(ctx, text, width) {
    var lines = [];
    var line = "";
    text.split(/\s+/).forEach(function (word) {
      if (!word) { return; }
      var next = line ? line + " " + word : word;
      if (line && ctx.measureText(next).width > width) { lines.push(line); line = word; }
      else { line = next; }
    });
    if (line) { lines.push(line); }
    return lines;
  }

  function footerOf(map) {
    var f = window.rmShot || {};
    // Without a view's footer (a map drawn with no data yet), the map's own attribution.
    var attribution = map.getContainer().querySelector(".leaflet-control-attribution");
    return {
      title: textOf(f.title || ""),
      credits: textOf(f.credits || "") || (attribution ? attribution.textContent : ""),
      sources: textOf(f.sources || ""),
      name: textOf(f.name || "") || "regionmap-map.png"
    };
  }

  function keep(node) {
    // Leave out the map's own buttons (zoom, this control); everything else is as shown.
    var cls = node.classList;
    return !(cls && (cls.contains("rm-shot") || cls.contains("leaflet-control-zoom")));
  }

  // Resolves to {png: Uint8Array, name, footer}.
  rmap.screenshot = function (map, ratio) {
    ratio = ratio || 2;
    var box = map.getContainer();
    var size = map.getSize();
    var footer = footerOf(map);
    return window.htmlToImage.toCanvas(box, {
      pixelRatio: ratio, skipFonts: true, filter: keep, width: size.x, height: size.y,
      backgroundColor: window.getComputedStyle(box).backgroundColor
    }).then(function (shot) {
      var pad = Math.round(8 * ratio);
      var px = Math.round(12 * ratio);
      var lead = Math.round(px * 1.35);
      var font = px + "px system-ui, 'DejaVu Sans', sans-serif";
      var canvas = document.createElement("canvas");
      var ctx = canvas.getContext("2d");
      ctx.font = font;
      var lines = wrapText(ctx, footer.credits, shot.width - 2 * pad)
        .concat(wrapText(ctx, footer.sources, shot.width - 2 * pad));
      canvas.width = shot.width;
      canvas.height = shot.height + 2 * pad + lines.length * lead;
      ctx = canvas.getContext("2d");  // resizing a canvas resets its state
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(shot, 0, 0);
      ctx.fillStyle = "#888888";
      ctx.fillRect(0, shot.height, canvas.width, Math.max(1, Math.round(ratio / 2)));
      ctx.fillStyle = "#222222";
      ctx.font = font;
      ctx.textBaseline = "top";
      lines.forEach(function (text, i) { ctx.fillText(text, pad, shot.height + pad + i * lead); });
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/png"); });
    }).then(function (blob) { return blob.arrayBuffer(); }).then(function (buffer) {
      var text = footer.credits + "\n" + footer.sources;
      var png = withText(new Uint8Array(buffer), [
        ["Title", footer.title], ["Description", text], ["Copyright", footer.credits],
        ["Software", "regionmap"]
      ]);
      return {png: png, name: footer.name, footer: text};
    });
  };

  // The PNG as base64 (for the command line, which drives this page headless).
  rmap.screenshotBase64 = function (map, ratio) {
    return rmap.screenshot(map, ratio).then(function (shot) {
      var text = "";
      for (var i = 0; i < shot.png.length; i += 0x8000) {
        text += String.fromCharCode.apply(null, shot.png.subarray(i, i + 0x8000));
      }
      return window.btoa(text);
    });
  };

  function download(shot) {
    var url = URL.createObjectURL(new Blob([shot.png], {type: "image/png"}));
    var link = document.createElement("a");
    link.href = url;
    link.download = shot.name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function shotControl(map) {
    if (!window.htmlToImage) { return null; }
    var control = L.control({position: "topleft"});
    control.onAdd = function () {
      var box = L.DomUtil.create("div", "rm-shot leaflet-bar leaflet-control");
      var button = L.DomUtil.create("button", "rm-shot-button", box);
      button.type = "button";
      button.textContent = "Screenshot";
      button.title = "Download the map as shown, with its credits and sources (PNG)";
      button.setAttribute("aria-label", button.title);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.on(button, "click", function () {
        if (button.disabled) { return; }
        button.disabled = true;
        button.textContent = "Saving…";
        rmap.screenshot(map, 2).then(download, function (err) {
          window.console.error("regionmap screenshot failed", err);
          window.alert("The screenshot failed: " + err);
        }).then(function () {
          button.disabled = false;
          button.textContent = "Screenshot";
        });
      });
      return box;
    };
    control.addTo(map);
    return control;
  }

  function stateOf(map) {
    for (var i = 0; i < rmap.maps.length; i++) {
      if (rmap.maps[i].map === map) { return rmap.maps[i]; }
    }
    var state = {map: map, layers: {}};
    rmap.maps.push(state);
    return state;
  }

  // One point layer, added to its parent (the layer's feature group, or the map).
  rmap.points = function (map, parent, spec) {
    var group = pointLayer(map, spec);
    (parent || map).addLayer(group);
    stateOf(map).layers[spec.id] = group;
    return group;
  };

  // Swap the legend of a mounted map (the app sends one with every change of view); a
  // collapsed legend stays collapsed. Labels are placed again around the new markers.
  rmap.legend = function (map, html) {
    var state = stateOf(map);
    var open = null;
    if (state.legend) {
      var details = state.legend.getContainer().querySelector("details");
      if (details) { open = details.open; }
      map.removeControl(state.legend);
      state.legend = null;
    }
    if (html) {
      state.legend = legend(map, html);
      var box = state.legend.getContainer().querySelector("details");
      if (box && open !== null) { box.open = open; }
    }
    if (state.labels) { state.labels.place(); }
    return state.legend;
  };

  // Replace the country labels and the inset of a mounted map (the app sends them with the
  // countries, in its swapped-in groups, so a region change needs no new map).
  rmap.base = function (map, config) {
    var state = stateOf(map);
    if (state.labels) { state.labels.remove(); state.labels = null; }
    if (state.inset) { map.removeControl(state.inset); state.inset = null; }
    if (config.inset) { state.inset = inset(map, config.inset); }
    if (config.labels) { state.labels = labels(map, config.labels); }
    return state;
  };

  // The app's countries for one box, published as a static JSON file (regionmap/appbase.py):
  // fetched once per box and kept by digest, drawn in a pane under the data layers, so that
  // the data groups sent on every rerun only name them. Every string in the file (popups,
  // tooltips, labels, attribution) was escaped in Python. {url: null} drops the countries.
  var baseDocs = {};
  var baseLoading = {};  // digest: the request under way
  var BASE_LINES = {LineString: true, MultiLineString: true};

  function dropBase(map, state) {
    if (state.base) {
      state.base.layers.forEach(function (layer) { map.removeLayer(layer); });
      state.base = null;
    }
  }

  function mountBase(map, state, digest) {
    var doc = baseDocs[digest];
    if (!map.getPane("rmBase")) {
      map.createPane("rmBase").style.zIndex = 390;  // under Leaflet's overlay pane (400)
    }
    dropBase(map, state);
    var layers = doc.layers.map(function (part) {
      return L.geoJSON(part.geojson, {
        pane: "rmBase",
        attribution: part.attribution,
        style: function (f) {
          return BASE_LINES[(f.geometry || {}).type] ? part.line : part.style;
        },
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, {radius: part.radius, pane: "rmBase"});
        },
        onEachFeature: function (f, layer) { bind(map, f, layer); }
      }).addTo(map);
    });
    state.base = {digest: digest, layers: layers};
    rmap.base(map, doc.config);
    map.fire("rmbaseload", {digest: digest});
  }

  rmap.useBase = function (map, args) {
    var state = stateOf(map);
    state.baseWanted = args.digest;
    if (!args.url) { dropBase(map, state); rmap.base(map, {}); return; }
    if (state.base && state.base.digest === args.digest) { return; }
    if (baseDocs[args.digest]) { mountBase(map, state, args.digest); return; }
    // One request per file, however many reruns name it before it arrives.
    if (!baseLoading[args.digest]) {
      // The map component may have asked for the file already (window.rmPrefetched).
      var early = (window.rmPrefetched || {})[args.url];
      if (early) { delete window.rmPrefetched[args.url]; }
      baseLoading[args.digest] = (early || fetch(args.url, {credentials: "same-origin"}))
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (doc) { baseDocs[args.digest] = doc; })
        .catch(function (error) {
          delete baseLoading[args.digest];  // a later rerun may try again
          console.error("regionmap: the countries could not be loaded from " + args.url, error);
          throw error;
        });
    }
    baseLoading[args.digest].then(function () {
      var mounted = state.base && state.base.digest === args.digest;
      if (state.baseWanted === args.digest && !mounted) { mountBase(map, state, args.digest); }
    }, function () {});
  };

  // Legend, labels, inset and keyboard, after every layer of the map has been added.
  rmap.setup = function (map, config) {
    var state = stateOf(map);
    if (config.legend) { state.legend = legend(map, config.legend); }
    if (config.inset) { state.inset = inset(map, config.inset); }
    if (config.labels) { state.labels = labels(map, config.labels); }
    if (config.screenshot) { state.screenshot = shotControl(map); }
    Object.keys(state.layers).forEach(function (id) {
      var group = state.layers[id];
      if (state.labels && group.on) {
        group.on("animationend spiderfied unspiderfied", state.labels.place);
      }
    });
    keyboard(map);
    return state;
  };
})(window.L);
