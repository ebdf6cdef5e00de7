// Projects: one circle per project, coloured by sector, its area in proportion to 总投资 (radius ∝ √投资);
// where they crowd, small neutral discs with the count. The compact feed's rows are indexed once per
// filter by supercluster (npm; the clustering behind Mapbox GL) and only what is in view is drawn, so
// 100,000 projects cost what the screen shows. Projects on the very same spot (placed at a town seat)
// stay one disc at every zoom; clicking it lists them.
import { el, fetchJson } from "./dom.js";
import { fromMap, toMap } from "./datum.js";
import { openFeaturePopup, popupOptions } from "./popup.js";
import { state, t } from "./state.js";
import { styleFor } from "./style.js";

const CLUSTER = { radius: 45, minZoom: 7, maxZoom: 14, extent: 256 };   // radius in px (extent 256 = tile px); above 14: single points
const KEPT = 1;      // points of recent filter choices' indexes kept, per point placed: going back is instant

export function radiusFor(investment) {
  const v = Number(investment);
  if (investment === null || investment === undefined || !(v > 0)) return 4;
  return Math.max(4, Math.min(18, 3 + 1.5 * Math.sqrt(v)));
}

// A disc's size by its count; its width, height and centring are the CSS class's (app.css), so that a disc
// showing another count only changes its text and class, with no new icon.
const discClass = (n) => "zj-cluster zj-disc-" + (n < 10 ? "s" : n < 100 ? "m" : "l");

function clusterIcon(n) {
  return L.divIcon({ html: el("span", null, String(n)), className: "marker-cluster " + discClass(n), iconSize: null });
}

// The icon keeps the span it shows and its options follow the class, so that a disc whose layer is shown
// again (Leaflet makes its element anew from the options) looks as it did.
function relabel(m, n) {
  const o = m.options.icon.options, cls = "marker-cluster " + discClass(n), e = m.getElement();
  o.html.textContent = String(n);
  if (o.className !== cls) {
    if (e) e.className = e.className.replace(o.className, cls);
    o.className = cls;
  }
}

export class ProjectLayer {
  constructor(map, cfg, def, data) {
    Object.assign(this, { map, cfg, def, fields: data.fields, cols: data.columns, values: data.values });
    const xs = data.columns.lon, ys = data.columns.lat;
    this.placed = [];
    for (let i = 0; i < data.n; i++) if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) this.placed.push(i);
    this.group = state.groups[def.id];
    this.drawn = L.layerGroup();                              // single projects, drawn again at each redraw
    this.discLayer = L.layerGroup();
    this.discs = [];
    this.group.addLayer(this.drawn).addLayer(this.discLayer);
    this.indexes = new Map();
    this.setShown(this.placed, "");
    map.on("moveend zj:datum", () => this.redraw());
    this.group.on("add", () => this.redraw());
  }

  props(i) {
    const p = {};
    for (const f of this.fields) p[f] = this.value(i, f);
    return p;
  }

  // A coded field (sector, status, town, year) holds an index into its short list of values.
  value(i, key) {
    const v = this.cols[key][i], words = this.values[key];
    return words ? (v >= 0 ? words[v] : null) : v;
  }

  // The placed rows whose fields hold every chosen value ({sector: "交通强省", …}; "" chooses nothing).
  // A coded field is compared as a small integer, in one loop over the rows (no closure per row and field).
  select(chosen) {
    const tests = Object.keys(chosen).filter((k) => chosen[k] !== "").map((k) => {
      const words = this.values[k], col = this.cols[k];
      if (!words) return [col.map((v) => String(v ?? "")), chosen[k]];
      return [col, words.findIndex((w) => String(w) === chosen[k])];
    });
    if (!tests.length) return this.placed;
    const out = [];
    for (const i of this.placed) {
      let ok = true;
      for (let k = 0; ok && k < tests.length; k++) ok = tests[k][0][i] === tests[k][1];
      if (ok) out.push(i);
    }
    return out;
  }

  // The number of rows (placed ones unless given) per value of a field.
  counts(key, rows = this.placed) {
    const col = this.cols[key], words = this.values[key], out = {};
    if (words) {
      const n = new Int32Array(words.length);
      for (const i of rows) if (col[i] >= 0) n[col[i]]++;
      words.forEach((w, k) => { if (n[k] && w !== "") out[w] = n[k]; });
      return out;
    }
    for (const i of rows) {
      const v = col[i];
      if (v !== null && v !== undefined && v !== "") out[v] = (out[v] || 0) + 1;
    }
    return out;
  }

  // The rows (indices into the feed) that pass the filters, indexed, then drawn. ``choice`` names the filters
  // chosen ("": none, every placed row): its index is kept, and used again when that choice comes back.
  setShown(list, choice = null) {
    let index = choice === null ? undefined : this.indexes.get(choice);
    if (index) this.indexes.delete(choice);               // kept last: the most recently used
    else index = this.indexFor(list);
    if (choice !== null) this.keep(choice, index);
    this.shown = list;
    this.index = index;
    this.redraw();
  }

  // The unfiltered index always; of the others the most recent, as long as together they index no more
  // points than are placed (an index's memory grows with its points).
  keep(choice, index) {
    this.indexes.set(choice, index);
    let held = 0;
    for (const [k, ix] of Array.from(this.indexes).reverse()) {
      if (k === "") continue;
      held += ix.points.length;
      if (held > KEPT * this.placed.length && k !== choice) this.indexes.delete(k);
    }
  }

  indexFor(list) {
    const xs = this.cols.lon, ys = this.cols.lat, points = new Array(list.length);
    for (let n = 0; n < list.length; n++) {
      const i = list[n];
      points[n] = { type: "Feature", properties: { i }, geometry: { type: "Point", coordinates: [xs[i], ys[i]] } };
    }
    return new Supercluster(CLUSTER).load(points);
  }

  // Discs (clusters, and projects sharing one spot) are kept from one redraw to the next and only moved and
  // relabelled: adding and removing them took most of a redraw (151 discs: a pan 22 → 2 ms, a filter 35–90 → 3–24 ms).
  redraw() {
    if (!this.map.hasLayer(this.group)) return;
    const b = this.map.getBounds(), sw = fromMap(b.getSouthWest()), ne = fromMap(b.getNorthEast());
    const items = this.index.getClusters([sw.lng, sw.lat, ne.lng, ne.lat], Math.round(this.map.getZoom()));
    const singles = new Map();
    let used = 0;
    // a focused disc may be about to show another cluster: focus goes back to the page, as when discs were rebuilt
    if (document.activeElement && document.activeElement.classList.contains("zj-cluster")) document.activeElement.blur();
    this.drawn.clearLayers();
    for (const f of items) {
      const [lon, lat] = f.geometry.coordinates, n = f.properties.point_count;
      if (f.properties.cluster) this.disc(used++, lon, lat, n, { cluster: f.properties.cluster_id });
      else {
        const key = lon + "," + lat;                            // the same spot: one disc, listed on click
        singles.set(key, (singles.get(key) || []).concat(f.properties.i));
      }
    }
    singles.forEach((rows) => {
      if (rows.length === 1) this.drawn.addLayer(this.marker(rows[0]));
      else this.disc(used++, this.value(rows[0], "lon"), this.value(rows[0], "lat"), rows.length, { rows });
    });
    this.discs.splice(used).forEach((m) => this.discLayer.removeLayer(m));
    this.drawnCount = items.length;
  }

  marker(i) {
    const p = this.props(i), st = styleFor(this.def, p, this.cfg.emphasis);
    const m = L.circleMarker(toMap(this.value(i, "lon"), this.value(i, "lat")),
                             Object.assign({ pane: "zj-" + this.def.id }, st, { radius: radiusFor(p.investment) }));
    m.feature = { properties: p };
    m.on("click", () => openFeaturePopup(this.def, m));
    m.bindTooltip(el("span", null, p[this.def.labelField] || p[this.def.titleField]), { sticky: true });
    return m;
  }

  // The k-th disc of this redraw: n projects, a cluster (``what.cluster``: zooms in) or several on one spot
  // (``what.rows``: listed). A disc kept from the last redraw is moved and relabelled.
  disc(k, lon, lat, n, what) {
    const ll = toMap(lon, lat), title = t(what.rows ? "map.stack_hint" : "map.cluster_hint", { n });
    let m = this.discs[k];
    if (!m) {
      m = this.discs[k] = L.marker(ll, { icon: clusterIcon(n), pane: "zj-" + this.def.id, keyboard: true, title });
      m.on("click", () => this.open(m));
      this.discLayer.addLayer(m);
    } else {
      m.setLatLng(ll);
      if (m.count !== n) relabel(m, n);
      if (m.options.title !== title && m.getElement()) m.getElement().title = title;
      m.options.title = title;
    }
    Object.assign(m, { count: n, what });
  }

  open(m) {
    if (m.what.rows) return this.listAt(m.getLatLng(), m.what.rows);
    const z = this.index.getClusterExpansionZoom(m.what.cluster);
    this.map.flyTo(m.getLatLng(), Math.min(z, this.map.getMaxZoom()), { duration: 0.4 });
  }

  // Several projects on one spot: a list; each name opens that project's own popup.
  listAt(ll, rows) {
    const box = el("div", "zj-popup zj-stack");
    box.appendChild(el("h3", null, t("map.stack_title", { n: rows.length })));
    const ul = el("ul", "zj-stack-list");
    rows.forEach((i) => {
      const b = el("button", "zj-stack-item", this.value(i, this.def.titleField));
      b.type = "button";
      b.addEventListener("click", () => openFeaturePopup(this.def, this.marker(i)));
      const li = el("li");
      li.append(b, el("span", "zj-muted", " " + (this.value(i, "sector") || "")));
      ul.appendChild(li);
    });
    box.appendChild(ul);
    L.popup(popupOptions(this.map, 12)).setLatLng(ll).setContent(box).openOn(this.map);
  }

  // Bring one project into view on its own (or in its stack) and give its position on the map.
  reveal(i) {
    const ll = toMap(this.value(i, "lon"), this.value(i, "lat"));
    this.map.setView(ll, CLUSTER.maxZoom + 1, { animate: false });
    return ll;
  }
}

export function addClusterLayer(map, cfg, def, data, filters) {
  const layer = new ProjectLayer(map, cfg, def, data);
  state.layers[def.id] = { def, layer, count: layer.placed.length, shown: layer.placed.length, features: [] };
  if (filters) filters.fillProjects(layer);
  unplaced(cfg, def, layer.placed.length, filters);
  return Promise.resolve();
}

// Projects of several towns or the whole city have no point: say how many there are besides.
function unplaced(cfg, def, placed, filters) {
  if (!filters || !cfg.layerList) return;
  fetchJson(cfg.layerList).then((list) => {
    const entry = list.find((x) => x.id === def.id);
    const n = entry ? entry.count - placed : 0;
    state.layers[def.id].unplaced = n;
    if (n > 0) filters.note(n);
  }, (err) => state.errors.push(String(err)));
}
