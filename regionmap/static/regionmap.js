/* regionmap's map behaviour: shaped point markers (clustered), legend, labels, inset, keyboard.
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
    var pane = map.createPane("rmLabels");
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
      items.forEach(function (item) {
        var outer = item.marker.getElement();
        if (!outer) { return; }
        var el = outer.firstChild;
        if (zoom < item.minZoom) { el.style.display = "none"; return; }
        el.style.display = "";
        var size = item.offset ? 11 : Math.min(16, 10 + 1.2 * (zoom - item.minZoom));
        el.style.fontSize = size.toFixed(1) + "px";
        // Try the label's own point first, then a little above and below it, then the
        // other places inside the country.
        var step = size + 4;
        var tries = item.offset ? [[10, 0], [-10, 0]] : [[0, 0], [0, -step], [0, step]];
        if (!item.offset) {
          var base = map.latLngToContainerPoint(item.latlng);
          item.others.forEach(function (ll) {
            var p = map.latLngToContainerPoint(ll);
            tries.push([p.x - base.x, p.y - base.y]);
          });
        }
        for (var t = 0; t < tries.length; t++) {
          var dx = tries[t][0], dy = tries[t][1];
          el.style.transform = item.offset
            ? "translate(" + (dx < 0 ? "calc(-100% - 10px)" : "10px") + ", -50%)"
            : "translate(calc(-50% + " + dx + "px), calc(-50% + " + dy + "px))";
          var r = el.getBoundingClientRect();
          var inside = r.left >= frame.left && r.right <= frame.right &&
                       r.top >= frame.top && r.bottom <= frame.bottom;
          if (inside && !blocked.some(function (b) { return overlaps(r, b); })) {
            blocked.push(grow(r, 3));
            return;
          }
        }
        el.style.display = "none";
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
    return {group: group, place: schedule};
  }

  // --- keyboard ---------------------------------------------------------------------------

  function keyboard(map) {
    // Shapes (countries and other polygons) are not tab stops: Chromium makes interactive SVG
    // paths focusable. Markers are (Leaflet gives them tabindex 0; Enter opens the popup).
    function untab() {
      var paths = map.getPanes().overlayPane.querySelectorAll("path");
      for (var i = 0; i < paths.length; i++) {
        paths[i].setAttribute("tabindex", "-1");
        paths[i].setAttribute("focusable", "false");
      }
    }
    map.on("layeradd zoomend moveend", untab);
    untab();
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

  // Legend, labels, inset and keyboard, after every layer of the map has been added.
  rmap.setup = function (map, config) {
    var state = stateOf(map);
    if (config.legend) { state.legend = legend(map, config.legend); }
    if (config.inset) { state.inset = inset(map, config.inset); }
    if (config.labels) { state.labels = labels(map, config.labels); }
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
