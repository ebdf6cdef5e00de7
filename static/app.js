/* 诸暨“十五五”规划一张图 — client. Fills Folium's FeatureGroups from the app's cached layer GeoJSON.
 * Every string that comes from data is inserted with textContent (never innerHTML), so text typed
 * into a table or an uploaded file can never run as HTML/JS. */
(function () {
  "use strict";

  // GCJ-02 offset (same public formula as geo/datum.py) for the optional Gaode basemap.
  var A = 6378245.0, EE = 0.00669342162296594323;
  function tLat(x, y) {
    var r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
    r += (20 * Math.sin(y * Math.PI) + 40 * Math.sin(y / 3 * Math.PI)) * 2 / 3;
    r += (160 * Math.sin(y / 12 * Math.PI) + 320 * Math.sin(y * Math.PI / 30)) * 2 / 3;
    return r;
  }
  function tLon(x, y) {
    var r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
    r += (20 * Math.sin(x * Math.PI) + 40 * Math.sin(x / 3 * Math.PI)) * 2 / 3;
    r += (150 * Math.sin(x / 12 * Math.PI) + 300 * Math.sin(x / 30 * Math.PI)) * 2 / 3;
    return r;
  }
  function wgsToGcj(lon, lat) {
    var dLat = tLat(lon - 105, lat - 35), dLon = tLon(lon - 105, lat - 35);
    var rad = lat / 180 * Math.PI, magic = 1 - EE * Math.sin(rad) * Math.sin(rad), sq = Math.sqrt(magic);
    dLat = dLat * 180 / ((A * (1 - EE)) / (magic * sq) * Math.PI);
    dLon = dLon * 180 / (A / sq * Math.cos(rad) * Math.PI);
    return [lon + dLon, lat + dLat];
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  var Z = { ready: false, layers: {}, index: [], errors: [] };
  window.ZhujiMap = Z;

  function styleFor(def, props, emphasis) {
    var s = Object.assign({}, def.style);
    if (def.styleBy && def.styles[props[def.styleBy]]) Object.assign(s, def.styles[props[def.styleBy]]);
    if (emphasis === "axis" && def.id === "towns") {
      var on = !!props.axis_branches;
      Object.assign(s, on ? { fillColor: "#e8daef", fillOpacity: 0.55, weight: 1.8, color: "#6c3483" }
                          : { fillOpacity: 0.12, color: "#aab7b8" });
    }
    if (s.dashArray === null) delete s.dashArray;
    return s;
  }

  function accuracyBadge(cfg, acc) {
    if (!acc || acc === "official") return null;
    var b = el("span", "zj-badge zj-" + acc, acc === "schematic" ? cfg.ui.schematic : cfg.ui.derived);
    b.title = cfg.ui.schematic_note;
    return b;
  }

  function popupContent(cfg, def, props) {
    var root = el("div", "zj-popup");
    var h = el("h3", null, props[def.titleField]);
    var badge = accuracyBadge(cfg, props.accuracy);
    if (badge) h.appendChild(badge);
    root.appendChild(h);
    var dl = el("dl");
    def.popup.forEach(function (f) {
      var v = props[f.key];
      if (v === null || v === undefined || v === "") return;
      dl.appendChild(el("dt", null, f.label));
      var dd = el("dd");
      if (f.kind === "quote") {
        dd.appendChild(el("blockquote", "zj-quote", v));
      } else if (f.kind === "confidence") {
        dd.appendChild(el("span", "zj-conf zj-conf-" + v, cfg.ui.confidence[v] || v));
      } else if (f.kind === "list") {
        var ul = el("ul");
        String(v).split("；").forEach(function (x) { if (x) ul.appendChild(el("li", null, x)); });
        dd.appendChild(ul);
      } else {
        dd.textContent = String(v);
      }
      dl.appendChild(dd);
    });
    root.appendChild(dl);
    var prov = el("div", "zj-prov");
    prov.appendChild(el("strong", null, cfg.ui.provenance + "："));
    prov.appendChild(el("span", null, [props.source, props.datum, props.accuracy].filter(Boolean).join(" · ")));
    root.appendChild(prov);
    if (def.detailUrl) {
      var a = el("a", "zj-detail", cfg.ui.details + " →");
      a.href = def.detailUrl.replace(/\{(\w+)\}/g, function (_, k) { return encodeURIComponent(props[k]); }) +
               "?lang=" + cfg.lang;
      root.appendChild(a);
    }
    return root;
  }

  function anchorOf(layer, props) {
    if (props && props.seat_lat) return L.latLng(+props.seat_lat, +props.seat_lon);
    if (layer.getLatLng) return layer.getLatLng();
    return layer.getBounds().getCenter();
  }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(url + " → HTTP " + r.status);
      return r.json();
    });
  }

  // Compact feed {fields, rows} → point features (only what drawing and filtering need).
  function expand(data) {
    if (data.type === "FeatureCollection") return data;
    var f = data.fields, ix = f.indexOf("lon"), iy = f.indexOf("lat");
    return { type: "FeatureCollection", features: data.rows.map(function (r) {
      var p = {}; for (var i = 0; i < f.length; i++) p[f[i]] = r[i];
      return { type: "Feature", properties: p, geometry: { type: "Point", coordinates: [r[ix], r[iy]] } };
    }) };
  }

  // Popup of a compact layer: the full record is fetched when it opens.
  function lazyPopup(cfg, def, props, layer) {
    if (layer && layer._zjPopup) return layer._zjPopup;     // update() asks again: answer with the same box
    var box = el("div", "zj-popup"); box.appendChild(el("h3", null, props[def.titleField]));
    if (layer) layer._zjPopup = box;
    box.appendChild(el("p", null, cfg.ui.loading));
    var url = def.detailApi.replace(/\{(\w+)\}/g, function (_, k) { return encodeURIComponent(props[k]); });
    fetchJson(url).then(function (full) {
      var content = popupContent(cfg, def, full);
      box.textContent = "";
      while (content.firstChild) box.appendChild(content.firstChild);
      var popup = layer && layer.getPopup();
      if (popup && popup.isOpen()) popup.update();     // re-measure and pan so the taller popup is in view
    }, function (err) { box.lastChild.textContent = String(err); if (layer) layer._zjPopup = null; });
    return box;
  }

  // Many points (projects): markers built straight from the compact rows, one shared style per
  // value, and one click handler on the cluster group instead of a popup bound to each marker.
  function addClusterLayer(map, cfg, def, groups, data) {
    var f = data.fields, ix = f.indexOf("lon"), iy = f.indexOf("lat");
    var styles = {};
    var markers = new Array(data.rows.length);
    for (var n = 0; n < data.rows.length; n++) {
      var r = data.rows[n], p = {};
      for (var i = 0; i < f.length; i++) p[f[i]] = r[i];
      var sv = def.styleBy ? p[def.styleBy] : "";
      var st = styles[sv] || (styles[sv] = Object.assign({ pane: "zj-" + def.id }, styleFor(def, p, cfg.emphasis)));
      var ll = cfg.gcj02 ? (function (g) { return [g[1], g[0]]; })(wgsToGcj(r[ix], r[iy])) : [r[iy], r[ix]];
      var m = L.circleMarker(ll, st);
      m.feature = { properties: p };
      markers[n] = m;
    }
    var done;
    var clustered = new Promise(function (resolve) { done = resolve; });
    // chunks keep the page responsive; no pause between them, and no cluster levels past street zoom
    var mc = L.markerClusterGroup({ chunkedLoading: true, chunkInterval: 150, chunkDelay: 1, showCoverageOnHover: false,
                                    maxClusterRadius: 50, disableClusteringAtZoom: 16, clusterPane: "zj-" + def.id,
                                    chunkProgress: function (n, total) { if (total && n >= total) done(); } });
    mc.on("click", function (e) {
      var m = e.layer, p = m.feature.properties;
      m.bindPopup(function () { return def.compact ? lazyPopup(cfg, def, p, m) : popupContent(cfg, def, p); },
                  { maxWidth: 420, autoPanPaddingTopLeft: [60, 100], autoPanPaddingBottomRight: [40, 40] }).openPopup();
    });
    mc.on("mouseover", function (e) {
      var m = e.layer;
      if (!m.getTooltip()) m.bindTooltip(escapeHtml(m.feature.properties[def.labelField] || m.feature.properties[def.titleField]),
                                          { sticky: true }).openTooltip();
    });
    // markercluster checks each marker against its pending list while it is off the map (quadratic):
    // add the markers only once the group is on the map (5.6 s → 0.3 s for 100,000 markers)
    groups[def.id].addLayer(mc);
    if (map.hasLayer(mc)) mc.addLayers(markers);
    else { mc.once("add", function () { mc.addLayers(markers); }); done(); }   // hidden: nothing to draw yet
    if (!markers.length) done();
    Z.layers[def.id] = { def: def, features: markers, count: markers.length, clusterGroup: mc };
    if (def.filters.length) filterControl(map, cfg, def, markers, mc);
    return clustered;     // "drawn" means every marker is clustered, not just the first chunk
  }

  function addLayer(map, cfg, def, groups, data) {
    if (def.cluster && L.markerClusterGroup && data.rows) return addClusterLayer(map, cfg, def, groups, data);
    data = expand(data);
    var toAll = [];
    var coords = cfg.gcj02 ? function (c) { var g = wgsToGcj(c[0], c[1]); return L.latLng(g[1], g[0]); } : undefined;
    var gj = L.geoJSON(data, {
      pane: "zj-" + def.id,
      coordsToLatLng: coords,
      style: function (f) { return styleFor(def, f.properties, cfg.emphasis); },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, Object.assign({ pane: "zj-" + def.id }, styleFor(def, f.properties, cfg.emphasis),
          def.kind === "mixed" ? { radius: 7, fillColor: (def.styles[f.properties.status] || {}).color, color: "#fff", weight: 1.5 } : {}));
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        var label = p[def.labelField] || p[def.titleField];
        var unlocated = p.location_confidence === "unlocated";
        layer.bindTooltip(escapeHtml(label) + (unlocated ? " <em>(" + escapeHtml(cfg.ui.confidence.unlocated) + ")</em>" : ""),
          def.permanentLabels ? { permanent: true, direction: "center", className: "zj-label" + (cfg.emphasis === "axis" && p.axis_branches ? " zj-label-axis" : "") }
                              : { sticky: true });
        layer.bindPopup(function () { return def.compact ? lazyPopup(cfg, def, p, layer) : popupContent(cfg, def, p); },
                        { maxWidth: 420, autoPanPaddingTopLeft: [60, 100], autoPanPaddingBottomRight: [40, 40] });
        layer.feature = f;
        var key = def.splitBy ? def.id + ":" + p[def.splitBy] : def.id;
        if (!def.cluster) (groups[key] || groups[def.id]).addLayer(layer);
        toAll.push(layer);
        if (def.searchable) {
          Z.index.push({ name: String(p[def.titleField]), search: String(p.search || "").toLowerCase(),
                         layerId: def.id, layerTitle: def.title, key: key, layer: layer, props: p });
        }
      }
    });
    Z.layers[def.id] = { def: def, features: toAll, count: data.features.length };
    if (def.cluster && L.markerClusterGroup) {
      var mc = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50,
                                      clusterPane: "zj-" + def.id });
      mc.addLayers(toAll);
      groups[def.id].addLayer(mc);
      Z.layers[def.id].clusterGroup = mc;
      if (def.filters.length) filterControl(map, cfg, def, toAll, mc);
    }
  }

  // Select boxes that narrow a clustered layer (projects: sector / status / town).
  function filterControl(map, cfg, def, all, mc) {
    var c = L.control({ position: "topleft" });
    c.onAdd = function () {
      var div = el("div", "zj-filters leaflet-bar");
      div.id = "zj-filters-" + def.id;
      div.appendChild(el("h4", null, def.title));
      var selects = {};
      var counter = el("div", "zj-filter-count");
      function apply() {
        var shown = all.filter(function (m) {
          return Object.keys(selects).every(function (k) {
            var v = selects[k].value; return !v || String(m.feature.properties[k] || "") === v;
          });
        });
        mc.clearLayers();
        mc.addLayers(shown);
        counter.textContent = cfg.ui.shown + " " + shown.length + " / " + all.length;
        Z.layers[def.id].shown = shown.length;
      }
      def.filters.forEach(function (f) {
        var values = {};
        all.forEach(function (m) { var v = m.feature.properties[f.key]; if (v) values[v] = (values[v] || 0) + 1; });
        var label = el("label", null, f.label + " ");
        var sel = el("select"); sel.name = f.key;
        var opt = el("option", null, cfg.ui.all); opt.value = ""; sel.appendChild(opt);
        Object.keys(values).sort().forEach(function (v) {
          var o = el("option", null, v + " (" + values[v] + ")"); o.value = v; sel.appendChild(o);
        });
        sel.addEventListener("change", apply);
        selects[f.key] = sel;
        label.appendChild(sel);
        div.appendChild(label);
      });
      div.appendChild(counter);
      counter.textContent = cfg.ui.shown + " " + all.length + " / " + all.length;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    c.addTo(map);
    function show() { c.getContainer().style.display = map.hasLayer(Z.groups[def.id]) ? "" : "none"; }
    map.on("overlayadd overlayremove", show);
    show();
  }

  function legendControl(map, cfg) {
    var c = L.control({ position: "bottomright" });
    c.onAdd = function () {
      var div = el("div", "zj-legend leaflet-bar");
      div.appendChild(el("h4", null, cfg.ui.legend));
      cfg.layers.forEach(function (def) {
        var sec = el("div", "zj-legend-sec");
        sec.dataset.layer = def.id;
        sec.appendChild(el("div", "zj-legend-title", def.title));
        def.legend.forEach(function (e) {
          var row = el("div", "zj-legend-row");
          var sw = el("span", "zj-sw zj-sw-" + (def.kind === "mixed" ? "line" : def.kind));
          var s = e.style;
          if (def.kind === "polygon") { sw.style.background = s.fillColor; sw.style.borderColor = s.color;
            if (s.dashArray) sw.style.borderStyle = "dashed"; if (s.fillOpacity !== undefined) sw.style.opacity = Math.max(0.4, s.fillOpacity * 2); }
          else if (def.kind === "point") { sw.style.background = s.fillColor; sw.style.borderColor = s.color; }
          else { sw.style.borderTopColor = s.color; sw.style.borderTopWidth = (s.weight || 3) + "px";
            sw.style.borderTopStyle = s.dashArray ? (s.dashArray.indexOf("2 ") === 0 ? "dotted" : "dashed") : "solid"; }
          row.appendChild(sw);
          row.appendChild(el("span", null, e.label));
          sec.appendChild(row);
        });
        div.appendChild(sec);
      });
      div.appendChild(el("p", "zj-legend-note", cfg.ui.schematic_note));
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    c.addTo(map);
    // only the layers on the map are explained, which keeps the legend short
    function refresh() {
      c.getContainer().querySelectorAll(".zj-legend-sec").forEach(function (sec) {
        var id = sec.dataset.layer;
        var on = Object.keys(Z.groups).some(function (k) { return k.split(":")[0] === id && map.hasLayer(Z.groups[k]); });
        sec.style.display = on ? "" : "none";
      });
    }
    map.on("overlayadd overlayremove layeradd layerremove", refresh);
    refresh();
    return c;
  }

  function header(map, cfg, groups) {
    var bar = el("div", "zj-header");
    bar.id = "zj-header";
    bar.appendChild(el("h1", null, cfg.ui.title));
    var nav = el("nav", "zj-views");
    Object.keys(cfg.views).forEach(function (v) {
      var a = el("a", v === cfg.view ? "active" : "", cfg.views[v]);
      a.href = "?view=" + v + "&lang=" + cfg.lang;
      a.dataset.view = v;
      nav.appendChild(a);
    });
    bar.appendChild(nav);
    var tools = el("div", "zj-tools");
    var ind = el("a", null, cfg.ui.indicators); ind.href = cfg.indicators; ind.target = "_blank";
    var sum = el("a", null, cfg.ui.summary); sum.href = cfg.summary; sum.target = "_blank";
    var lang = el("a", null, cfg.ui.lang_switch); lang.href = "?view=" + cfg.view + "&lang=" + (cfg.lang === "zh" ? "en" : "zh");
    var perma = el("button", "zj-permalink", cfg.ui.permalink); perma.type = "button";
    perma.addEventListener("click", function () {
      writeHash(map, cfg, groups);
      var url = location.href;
      (navigator.clipboard ? navigator.clipboard.writeText(url) : Promise.reject()).then(
        function () { perma.textContent = cfg.ui.copied; }, function () { window.prompt(cfg.ui.permalink, url); });
    });
    [ind, sum, lang, perma].forEach(function (x) { tools.appendChild(x); });
    tools.appendChild(downloadBox(cfg));
    bar.appendChild(tools);
    var search = el("div", "zj-search");
    var input = el("input"); input.type = "search"; input.placeholder = cfg.ui.search; input.id = "zj-search";
    input.setAttribute("aria-label", cfg.ui.search);
    var list = el("ul", "zj-results"); list.id = "zj-results";
    search.appendChild(input); search.appendChild(list);
    bar.appendChild(search);
    map.getContainer().appendChild(bar);
    L.DomEvent.disableClickPropagation(bar);
    L.DomEvent.disableScrollPropagation(bar);

    function run() {
      var q = input.value.trim().toLowerCase().replace(/\s+/g, "");
      list.textContent = "";
      if (!q) return;
      var hits = Z.index.filter(function (e) {
        return e.name.toLowerCase().indexOf(q) >= 0 || e.search.replace(/\s+/g, " ").split(" ").some(function (w) { return w.indexOf(q) === 0; });
      }).sort(function (a, b) {
        return (a.name.indexOf(q) === 0 ? 0 : 1) - (b.name.indexOf(q) === 0 ? 0 : 1) || a.name.length - b.name.length;
      }).slice(0, 10);
      if (!hits.length) { list.appendChild(el("li", "zj-none", cfg.ui.no_results)); return; }
      hits.forEach(function (h) {
        var li = el("li");
        var b = el("button", null); b.type = "button";
        b.appendChild(el("span", "zj-hit-name", h.name));
        b.appendChild(el("span", "zj-hit-layer", h.layerTitle));
        b.addEventListener("click", function () { select(h); });
        li.appendChild(b); list.appendChild(li);
      });
    }
    function select(h) {
      var g = groups[h.key] || groups[h.layerId];
      if (g && !map.hasLayer(g)) map.addLayer(g);
      var at = anchorOf(h.layer, h.props);
      if (h.layer.getBounds) map.fitBounds(h.layer.getBounds(), { maxZoom: 12, padding: [40, 40] });
      else map.setView(at, Math.max(map.getZoom(), 12));
      h.layer.openPopup(at);
      list.textContent = "";
      input.value = h.name;
    }
    input.addEventListener("input", run);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { var first = list.querySelector("button"); if (first) first.click(); }
    });
  }

  // Download any layer as GIS staff want it: format and CRS (CGCS2000 included); see /api/export.
  function downloadBox(cfg) {
    var box = el("details", "zj-download"); box.id = "zj-download";
    box.appendChild(el("summary", null, cfg.ui.download));
    var layer = el("select"); layer.name = "layer";
    cfg.layers.forEach(function (d) { var o = el("option", null, d.title); o.value = d.id; layer.appendChild(o); });
    var fmt = el("select"); fmt.name = "format";
    [["gpkg", "GeoPackage"], ["shp", "Shapefile (zip)"], ["geojson", "GeoJSON"], ["csv", "CSV (Excel)"], ["kml", "KML"]]
      .forEach(function (f) { var o = el("option", null, f[1]); o.value = f[0]; fmt.appendChild(o); });
    var crs = el("select"); crs.name = "crs";
    [["EPSG:4490", "CGCS2000 (EPSG:4490)"], ["EPSG:4549", "CGCS2000 GK CM120 (EPSG:4549)"], ["EPSG:4326", "WGS84 (EPSG:4326)"]]
      .forEach(function (c) { var o = el("option", null, c[1]); o.value = c[0]; crs.appendChild(o); });
    var a = el("a", "zj-download-link", cfg.ui.download_go);
    function update() {
      a.href = "/api/export/" + layer.value + "." + fmt.value + "?crs=" + encodeURIComponent(crs.value);
      crs.disabled = fmt.value === "geojson" || fmt.value === "kml";   // WGS84 by their specs
    }
    [layer, fmt, crs].forEach(function (x) { x.addEventListener("change", update); box.appendChild(x); });
    box.appendChild(a);
    var o = el("a", null, "OGC API"); o.href = "/ogc?f=html"; o.target = "_blank"; box.appendChild(o);
    update();
    return box;
  }

  // ---- permalink: ?view=…&lang=…#map=zoom/lat/lon&layers=a,b,c
  function visibleKeys(map, groups) {
    return Object.keys(groups).filter(function (k) { return map.hasLayer(groups[k]); });
  }
  function writeHash(map, cfg, groups) {
    var c = map.getCenter();
    var h = "#map=" + map.getZoom() + "/" + c.lat.toFixed(5) + "/" + c.lng.toFixed(5) +
            "&layers=" + visibleKeys(map, groups).map(encodeURIComponent).join(",");
    history.replaceState(null, "", location.pathname + location.search + h);
  }
  function readHash() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      var i = kv.indexOf("="); if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
    });
    return out;
  }

  Z.init = function (map, cfg, groups) {
    Z.map = map; Z.cfg = cfg; Z.groups = groups;
    if (!isFinite(map.getMaxZoom())) map.setMaxZoom(18);   // no tile layer by default; clustering needs a bound
    var t0 = performance.now();
    cfg.layers.forEach(function (def) {
      var p = map.createPane("zj-" + def.id); p.style.zIndex = def.pane;
    });
    map.createPane("zj-context").style.zIndex = 350;
    var h = readHash();
    if (h.layers !== undefined) {
      var want = h.layers.split(",").map(decodeURIComponent);
      Object.keys(groups).forEach(function (k) {
        if (want.indexOf(k) >= 0) map.addLayer(groups[k]); else map.removeLayer(groups[k]);
      });
    }
    if (h.map) {
      var m = h.map.split("/").map(Number);
      if (m.length === 3 && m.every(isFinite)) map.setView([m[1], m[2]], m[0]);
    } else if (cfg.bounds) {
      map.fitBounds(cfg.bounds, { padding: [10, 10] });
    }
    header(map, cfg, groups);
    legendControl(map, cfg);
    var jobs = [fetchJson(cfg.context).then(function (ctx) {
      var coords = cfg.gcj02 ? function (c) { var g = wgsToGcj(c[0], c[1]); return L.latLng(g[1], g[0]); } : undefined;
      var opts = function () {
        return { pane: "zj-context", interactive: false, coordsToLatLng: coords,
          style: function (f) { return f.properties.role === "county"
            ? { color: "#17202a", weight: 3, fill: false } : { color: "#b3b6b7", weight: 1, fillColor: "#f2f3f4", fillOpacity: 1 }; },
          onEachFeature: function (f, layer) {
            if (f.properties.role !== "county") layer.bindTooltip(escapeHtml(f.properties.name),
              { permanent: true, direction: "center", className: "zj-neighbour" });
          } };
      };
      L.geoJSON(ctx, opts()).addTo(map);
      if (L.Control.MiniMap) {
        var mini = L.geoJSON(ctx, { interactive: false, coordsToLatLng: coords,
          style: function (f) { return f.properties.role === "county" ? { color: "#6c3483", weight: 2, fillOpacity: 0.2 }
                                                                     : { color: "#aaa", weight: 1, fillOpacity: 0 }; } });
        new L.Control.MiniMap(mini, { position: "bottomleft", toggleDisplay: true, zoomLevelOffset: -3,
          width: 160, height: 160, strings: { hideText: cfg.ui.overview, showText: cfg.ui.overview } }).addTo(map);
      }
    })];
    cfg.layers.forEach(function (def) {
      jobs.push(fetchJson(def.url).then(function (data) { return addLayer(map, cfg, def, groups, data); }));
    });
    Promise.all(jobs).then(function () {
      Z.drawnMs = performance.now() - t0;
      Z.drawnAt = performance.now();            // ms since navigation start (benchmarks)
      Z.ready = true;
      document.body.setAttribute("data-zhuji-ready", "1");
    }, function (err) {
      Z.errors.push(String(err));
      console.error(err);
    });
    map.on("moveend overlayadd overlayremove", function () { if (Z.ready) writeHash(map, cfg, groups); });
  };
})();
