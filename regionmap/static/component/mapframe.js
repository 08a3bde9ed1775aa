/* regionmap's map component: the page app.py declares, fed by regionmap/mapcomponent.py.
 *
 * It speaks Streamlit's component protocol (window messages) itself: "componentReady" once,
 * then a "render" message with the arguments on every rerun; it answers with
 * "setFrameHeight" and "setComponentValue". The arguments are folium's own output:
 *
 *   key, header, html, script, js_links, css_links: the mounted map's page. The page is built
 *     once per key (a new key, e.g. another online basemap, builds it again). The script
 *     creates the global map_div.
 *   groups: [{name, key, js}], the view's layers. Groups already on the map are kept up to
 *     the first whose key changed; that one and the rest are removed and their scripts run
 *     again, in order, each in a function of its own.
 *   center, zoom: where Python puts the map; applied when they change (a new region).
 *   prefetch: URLs the groups will fetch (the countries' file), requested at once.
 *   (js_links, css_links, groups and prefetch arrive as one JSON document in bytes, "lists".)
 *
 * The map reports its view (bounds, centre, zoom) and the tooltip of the last clicked
 * feature as soon as it stops moving. Everything shown to the user was escaped in Python;
 * tooltips are read back as text through an inert DOMParser document.
 */
(function () {
  "use strict";

  var NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
  var REPORT_DELAY_MS = 30;  // lets a zoom's and a pan's moveend make one report
  var mounted = null;  // {key, map}
  var shown = [];  // [{key, layer}]: the groups on the map, in order
  var placed = null;  // the centre and zoom last applied (JSON)
  var clicked = null;  // the tooltip text of the last clicked feature
  var sent = null;  // the last value sent (JSON)
  var loading = {};  // script or stylesheet URL -> Promise
  var prefetched = {};  // URLs fetched ahead (prefetch)
  var height = 0;
  var pending = null;
  var busy = false;
  var timer = null;

  function post(type, fields) {
    var message = {isStreamlitMessage: true, type: type};
    Object.keys(fields || {}).forEach(function (k) { message[k] = fields[k]; });
    window.parent.postMessage(message, "*");
  }

  function textOf(html) {
    if (typeof html !== "string") { return html && html.textContent ? html.textContent : null; }
    return new DOMParser().parseFromString(html, "text/html").body.textContent;
  }

  function report() {
    timer = null;
    var map = mounted && mounted.map;
    if (!map) { return; }
    var b = map.getBounds();
    var c = map.getCenter();
    var value = {
      bounds: {
        _southWest: {lat: b.getSouth(), lng: b.getWest()},
        _northEast: {lat: b.getNorth(), lng: b.getEast()}
      },
      center: {lat: c.lat, lng: c.lng},
      zoom: map.getZoom(),
      last_object_clicked_tooltip: clicked
    };
    var text = JSON.stringify(value);
    if (text === sent) { return; }
    sent = text;
    post("streamlit:setComponentValue", {value: value, dataType: "json"});
  }

  function schedule() {
    if (timer !== null) { clearTimeout(timer); }
    timer = setTimeout(report, REPORT_DELAY_MS);
  }

  function onClick(event) {
    var target = event.sourceTarget || event.propagatedFrom || event.layer;
    var tooltip = target && target.getTooltip ? target.getTooltip() : null;
    if (!tooltip) { return; }
    var content = tooltip.getContent();
    if (typeof content === "function") { content = content(target); }
    clicked = textOf(content);
    schedule();
  }

  function load(tag, url) {
    if (!loading[url]) {
      loading[url] = new Promise(function (resolve, reject) {
        var el = document.createElement(tag);
        if (tag === "script") {
          el.async = false;  // many load at once, and run in order
          el.src = url;
        } else {
          el.rel = "stylesheet";
          el.href = url;
        }
        el.onload = resolve;
        el.onerror = function () { reject(new Error("could not load " + url.slice(0, 80))); };
        document.head.appendChild(el);
      });
    }
    return loading[url];
  }

  function runScript(text) {
    var el = document.createElement("script");
    el.textContent = text;
    document.head.appendChild(el);
  }

  function addHeader(html) {
    var doc = new DOMParser().parseFromString(html || "", "text/html");
    Array.prototype.forEach.call(doc.head.children, function (node) {
      if (node.tagName === "SCRIPT") { runScript(node.textContent); } else {
        document.head.appendChild(document.importNode(node, true));
      }
    });
  }

  function mount(args) {
    if (mounted && mounted.map) { mounted.map.remove(); }
    mounted = null;
    shown = [];
    placed = null;
    sent = null;
    document.body.textContent = "";
    (args.css_links || []).forEach(function (url) { load("link", url); });
    var scripts = (args.js_links || []).map(function (url) { return load("script", url); });
    return Promise.all(scripts).then(function () {
      addHeader(args.header);
      var doc = new DOMParser().parseFromString(args.html || "", "text/html");
      Array.prototype.forEach.call(doc.body.children, function (node) {
        document.body.appendChild(document.importNode(node, true));
      });
      runScript(args.script || "");
      var map = window.map_div;
      if (!map || !map.on) { throw new Error("the map's script did not create the map"); }
      mounted = {key: args.key, map: map};
      map.on("moveend", schedule);
    });
  }

  function swap(groups) {
    var map = mounted.map;
    var keep = 0;
    while (keep < groups.length && keep < shown.length && shown[keep].key === groups[keep].key) {
      keep += 1;
    }
    shown.splice(keep).forEach(function (g) { if (g.layer) { map.removeLayer(g.layer); } });
    groups.slice(keep).forEach(function (g) {
      var layer = null;
      if (NAME.test(g.name)) {
        try {
          layer = new Function("map_div", g.js + "\nreturn " + g.name + ";")(map);
        } catch (err) {
          console.error("regionmap: a layer could not be drawn:", err);
        }
      }
      if (layer && layer.on) { layer.on("click", onClick); }
      shown.push({key: g.key, layer: layer});
    });
  }

  function place(center, zoom) {
    var text = JSON.stringify([center, zoom]);
    if (text === placed) { return; }
    placed = text;
    if (center && typeof zoom === "number") {
      mounted.map.setView(center, zoom, {animate: false});
    }
    schedule();  // the first report, or the new region's
  }

  // Files the groups will fetch (the countries), requested before Leaflet has even loaded;
  // rmap.useBase takes the response from here (window.rmPrefetched) instead of asking again.
  function prefetch(urls) {
    var early = window.rmPrefetched = window.rmPrefetched || {};
    (urls || []).forEach(function (url) {
      if (typeof url === "string" && !prefetched[url]) {
        prefetched[url] = true;
        early[url] = fetch(url, {credentials: "same-origin"});
      }
    });
  }

  // The lists travel as one JSON document in bytes (regionmap.mapcomponent.component_args).
  function unpack(args) {
    var raw = args.lists;
    if (raw && typeof raw !== "string") { raw = new TextDecoder().decode(raw); }
    var lists = raw ? JSON.parse(raw) : {};
    ["js_links", "css_links", "groups", "prefetch"].forEach(function (name) {
      args[name] = lists[name] || [];
    });
    return args;
  }

  function render(args) {
    unpack(args);
    prefetch(args.prefetch);
    if (args.height && args.height !== height) {
      height = args.height;
      post("streamlit:setFrameHeight", {height: height});
    }
    var ready = mounted && mounted.key === args.key ? Promise.resolve() : mount(args);
    return ready.then(function () {
      swap(args.groups || []);
      place(args.center, args.zoom);
    });
  }

  function fail(err) {
    var note = document.createElement("p");
    note.style.cssText = "font: 14px sans-serif; color: #a00; margin: 12px";
    note.textContent = "The map could not be drawn: " + (err && err.message ? err.message : err);
    document.body.appendChild(note);
  }

  function drain() {
    if (!pending) { busy = false; return; }
    var args = pending;
    pending = null;
    busy = true;
    render(args).catch(fail).then(drain);
  }

  // The groups on the map, in order (for tests and for the browser's console).
  window.rmShownGroups = function () { return shown.map(function (g) { return g.layer; }); };

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent) { return; }
    var data = event.data || {};
    if (data.type !== "streamlit:render") { return; }
    pending = data.args || {};
    if (!busy) { drain(); }
  });
  post("streamlit:componentReady", {apiVersion: 1});
}());
