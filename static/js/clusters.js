// Points clustered by supercluster (npm; the clustering behind Mapbox GL) and drawn only where the map
// shows, so 100,000 points cost what the screen holds. Where they crowd: small neutral discs with the count
// (discs.css). Points on the very same spot (placed at a town seat) stay one disc at every zoom; a click
// lists them. Used by the map's project layer (projects.js) and the workbench table's map (work/projects.js).
import { el } from "./dom.js";

export const CLUSTER = { radius: 45, minZoom: 7, maxZoom: 14, extent: 256 };   // radius in px (extent 256 = tile px); above 14: single points

// A disc's size by its count; its width, height and centring are the CSS class's, so that a disc showing
// another count only changes its text and class, with no new icon.
const discClass = (n) => "zj-cluster zj-disc-" + (n < 10 ? "s" : n < 100 ? "m" : "l");

const discIcon = (n) => L.divIcon({ html: el("span", null, String(n)), className: discClass(n), iconSize: null });

// The icon keeps the span it shows and its options follow the class, so that a disc whose layer is shown
// again (Leaflet makes its element anew from the options) looks as it did.
function relabel(m, n) {
  const o = m.options.icon.options, cls = discClass(n), e = m.getElement();
  o.html.textContent = String(n);
  if (o.className !== cls) {
    if (e) e.className = e.className.replace(o.className, cls);
    o.className = cls;
  }
}

const wgs84 = { toMap: (lon, lat) => L.latLng(lat, lon), fromMap: (ll) => ll };

// Several rows on one spot, as a list of buttons: ``label(i)`` names a row, ``note(i)`` (optional) adds a
// muted word after it, ``pick(i)`` is what choosing it does.
export function stackList(rows, { label, note, pick }) {
  const ul = el("ul", "zj-stack-list");
  rows.forEach((i) => {
    const b = el("button", "zj-stack-item", label(i));
    b.type = "button";
    b.addEventListener("click", () => pick(i));
    const li = el("li");
    li.append(b);
    if (note) li.append(el("span", "zj-muted", " " + (note(i) || "")));
    ul.appendChild(li);
  });
  return ul;
}

export class Clusters {
  // ``o``: xs, ys (lon and lat by row), marker(i) → the layer of one row, list(latlng, rows) → several rows on
  // one spot shown, t(key, values) → the page's words (a disc's tooltip); optional pane, toMap(lon, lat) and fromMap(latlng)
  // (the map's datum; WGS84 if not given).
  constructor(map, parent, o) {
    Object.assign(this, { map, o: { ...wgs84, ...o }, index: null, discs: [], markers: new Map(), count: 0, points: [] });
    this.singles = L.layerGroup();
    this.discLayer = L.layerGroup();
    parent.addLayer(this.singles).addLayer(this.discLayer);
  }

  // New rows (a reload): their positions; the points made for the old ones are dropped.
  reset(xs, ys) {
    Object.assign(this.o, { xs, ys });
    this.points = [];
    this.index = null;
  }

  // An index of these rows (indices into xs, ys). A row's point is made once and shared by every index
  // (a filter's index then makes no garbage for the points; kept indexes hold no copies).
  build(rows) {
    const { xs, ys } = this.o, all = this.points, points = new Array(rows.length);
    for (let n = 0; n < rows.length; n++) {
      const i = rows[n];
      points[n] = all[i] || (all[i] = { type: "Feature", properties: { i }, geometry: { type: "Point", coordinates: [xs[i], ys[i]] } });
    }
    return new Supercluster(CLUSTER).load(points);
  }

  // What the index holds in view. Discs (clusters, and rows sharing one spot) are kept from one draw to the
  // next and only moved and relabelled: adding and removing them took most of a redraw (151 discs: a pan
  // 22 → 2 ms, a filter 35–90 → 3–24 ms). ``markers``: row → its layer, for the rows drawn on their own.
  draw(index = this.index) {
    this.index = index;
    const b = this.map.getBounds(), sw = this.o.fromMap(b.getSouthWest()), ne = this.o.fromMap(b.getNorthEast());
    const items = index.getClusters([sw.lng, sw.lat, ne.lng, ne.lat], Math.round(this.map.getZoom()));
    const spots = new Map();
    let used = 0;
    // a focused disc may be about to show another cluster: focus goes back to the page, as when discs were rebuilt
    if (document.activeElement && document.activeElement.classList.contains("zj-cluster")) document.activeElement.blur();
    this.singles.clearLayers();
    this.markers.clear();
    for (const f of items) {
      const [lon, lat] = f.geometry.coordinates, p = f.properties;
      if (p.cluster) this.disc(used++, lon, lat, p.point_count, { cluster: p.cluster_id });
      else {
        const key = lon + "," + lat;                            // the same spot: one disc, listed on click
        spots.set(key, (spots.get(key) || []).concat(p.i));
      }
    }
    spots.forEach((rows) => {
      if (rows.length > 1) return this.disc(used++, this.o.xs[rows[0]], this.o.ys[rows[0]], rows.length, { rows });
      const m = this.o.marker(rows[0]);
      this.markers.set(rows[0], m);
      this.singles.addLayer(m);
    });
    this.discs.splice(used).forEach((m) => this.discLayer.removeLayer(m));
    this.count = items.length;
  }

  // The k-th disc of this draw: n rows, a cluster (``what.cluster``: zooms in) or several on one spot
  // (``what.rows``: listed). A disc kept from the last draw is moved and relabelled.
  disc(k, lon, lat, n, what) {
    const ll = this.o.toMap(lon, lat), title = this.o.t(what.rows ? "map.stack_hint" : "map.cluster_hint", { n });
    let m = this.discs[k];
    if (!m) {
      const opts = { icon: discIcon(n), keyboard: true, title };
      if (this.o.pane) opts.pane = this.o.pane;
      m = this.discs[k] = L.marker(ll, opts);
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
    if (m.what.rows) return this.o.list(m.getLatLng(), m.what.rows);
    const z = this.index.getClusterExpansionZoom(m.what.cluster);
    this.map.flyTo(m.getLatLng(), Math.min(z, this.map.getMaxZoom()), { duration: 0.4 });
  }

  // One row brought into view on its own (or in its stack), zooming in no further than that needs: its
  // position on the map, and its layer (a marker, or the disc of the rows on its spot) once drawn there.
  reveal(i) {
    const ll = this.o.toMap(this.o.xs[i], this.o.ys[i]);
    this.map.setView(ll, Math.max(this.map.getZoom(), CLUSTER.maxZoom + 1), { animate: false });
    const stack = this.discs.find((d) => d.what.rows && d.what.rows.includes(i));
    return { ll, layer: this.markers.get(i) || stack || null };
  }
}
