// Projects: one circle per project, coloured by sector, its area in proportion to 总投资 (radius ∝ √投资);
// where they crowd, small neutral discs with the count (clusters.js: supercluster, only what is in view is
// drawn). The compact feed's rows are indexed once per filter choice; recent choices' indexes are kept.
import { Clusters, stackList } from "./clusters.js";
import { el, fetchJson } from "./dom.js";
import { fromMap, toMap } from "./datum.js";
import { openFeaturePopup, popupOptions } from "./popup.js";
import { state, t } from "./state.js";
import { styleFor } from "./style.js";

const KEPT = 1;      // points of recent filter choices' indexes kept, per point placed: going back is instant

export function radiusFor(investment) {
  const v = Number(investment);
  if (investment === null || investment === undefined || !(v > 0)) return 4;
  return Math.max(4, Math.min(18, 3 + 1.5 * Math.sqrt(v)));
}

export class ProjectLayer {
  constructor(map, cfg, def, data) {
    Object.assign(this, { map, cfg, def, fields: data.fields, cols: data.columns, values: data.values });
    const xs = data.columns.lon, ys = data.columns.lat;
    this.placed = [];
    for (let i = 0; i < data.n; i++) if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) this.placed.push(i);
    this.group = state.groups[def.id];
    this.view = new Clusters(map, this.group, {
      xs, ys, pane: "zj-" + def.id, toMap, fromMap, marker: (i) => this.marker(i), list: (ll, rows) => this.listAt(ll, rows), t });
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
    return this.view.build(list);
  }

  redraw() {
    if (this.map.hasLayer(this.group)) this.view.draw(this.index);
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

  // Several projects on one spot: a list; each name opens that project's own popup.
  listAt(ll, rows) {
    const box = el("div", "zj-popup zj-stack");
    box.appendChild(el("h3", null, t("map.stack_title", { n: rows.length })));
    box.appendChild(stackList(rows, { label: (i) => this.value(i, this.def.titleField), note: (i) => this.value(i, "sector"),
                                      pick: (i) => openFeaturePopup(this.def, this.marker(i)) }));
    L.popup(popupOptions(this.map, 12)).setLatLng(ll).setContent(box).openOn(this.map);
  }

  // Bring one project into view on its own (or in its stack) and give its position on the map.
  reveal(i) {
    return this.view.reveal(i).ll;
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
