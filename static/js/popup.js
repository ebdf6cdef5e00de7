// Compact popups (≤ 320 px wide, the body scrolls) built as DOM nodes from the layer's popup fields.
// A popup opens above what was clicked (a point: above its symbol), never on it, and pans clear of the
// header and the panels. Research notes in English stay folded under 技术说明.
import { el, fetchJson } from "./dom.js";
import { freePadding, isSmall } from "./layout.js";
import { state, t } from "./state.js";

const CONF_WORDS = /\b(high|medium|low|unlocated|town|point|street|part)\b/g;

export function popupOptions(map, radius) {
  const p = freePadding(map), small = isSmall();
  return { maxWidth: small ? Math.min(280, window.innerWidth - 70) : 280, minWidth: 180, className: "zj-popup-box",
           autoPanPaddingTopLeft: [p.left + 8, p.top + 8], autoPanPaddingBottomRight: [p.right + 8, p.bottom + 8],
           offset: [0, 7 - (radius || 0)] };
}

function accuracyBadge(acc) {
  if (acc !== "schematic" && acc !== "derived") return null;
  const b = el("span", "zj-badge zj-" + acc, acc === "schematic" ? t("map.schematic") : t("map.derived"));
  b.title = t("map.schematic_note");
  return b;
}

// "medium (town); low (point)" → 中（镇街）；低（标注点）
export function confidenceText(v) {
  if (state.cfg.lang === "en") return String(v);
  return String(v).replace(CONF_WORDS, (w) => t("conf." + w)).replace(/\s*\(/g, "（").replace(/\)/g, "）")
    .replace(/;\s*/g, "；");
}

function levelWords(v) {
  return state.cfg.lang === "en" ? v : String(v).replace(/\b(high|medium|low|unlocated)\b/g, (w) => t("conf." + w));
}

// "中文 / English" → the page's half (each "；"-separated part on its own)
function bilingual(v) {
  return String(v).split("；").map((part) => {
    const i = part.indexOf(" / ");
    return i < 0 ? part : (state.cfg.lang === "en" ? part.slice(i + 3) : part.slice(0, i));
  }).join("；");
}

function fieldValue(f, v) {
  const dd = el("dd");
  if (f.kind === "quote") {
    dd.appendChild(el("blockquote", "zj-quote", v));
  } else if (f.kind === "confidence") {
    dd.appendChild(el("span", "zj-conf zj-conf-" + String(v).split(/[\s(;]/)[0], confidenceText(v)));
  } else if (f.kind === "list") {          // items may end in a confidence: "店口镇（中心镇，high）"
    const ul = el("ul");
    String(v).split("；").forEach((x) => { if (x) ul.appendChild(el("li", null, levelWords(x))); });
    dd.appendChild(ul);
  } else if (f.kind === "located") {
    dd.textContent = state.cfg.ui["map.located_" + v] || String(v);
  } else if (f.kind === "record") {        // the list's own columns, as the officer named them
    const inner = el("dl", "zj-record");
    Object.entries(v).forEach(([k, x]) => {
      if (x === null || x === "") return;
      inner.appendChild(el("dt", null, k));
      inner.appendChild(el("dd", null, String(x)));
    });
    dd.appendChild(inner);
  } else if (f.kind === "bilingual") {
    dd.textContent = bilingual(v);
  } else {
    dd.textContent = String(v);
  }
  return dd;
}

function fields(list, props) {
  const dl = el("dl");
  list.forEach((f) => {
    const v = props[f.key];
    if (v === null || v === undefined || v === "") return;
    if (f.kind === "record" && (typeof v !== "object" || !Object.keys(v).length)) return;
    dl.appendChild(el("dt", null, f.label));
    dl.appendChild(fieldValue(f, v));
  });
  return dl;
}

// One plain sentence on where the position comes from; the technical text folded under 技术说明.
function provenance(def, props) {
  const box = el("div", "zj-prov");
  const by = def.provenanceBy ? props[def.provenanceBy] : "";
  const text = def.provenance[by] || def.provenance[""];
  if (text) box.appendChild(el("p", "zj-prov-line", text));
  const tech = def.popup.filter((f) => f.kind === "tech").concat(
    [{ key: "source", label: t("map.provenance") }, { key: "datum", label: t("dl.crs") }, { key: "accuracy", label: t("map.accuracy") }]);
  const dl = fields(tech.map((f) => Object.assign({}, f, { kind: "text" })), props);
  if (dl.childNodes.length) {
    const fold = el("details", "zj-tech");
    fold.appendChild(el("summary", null, t("map.tech")));
    fold.appendChild(dl);
    box.appendChild(fold);
  }
  return box;
}

function links(cfg, def, props) {
  const box = el("div", "zj-links");
  if (def.detailUrl) {
    const a = el("a", "zj-detail", t("map.details") + " →");
    a.href = def.detailUrl.replace(/\{(\w+)\}/g, (_, k) => encodeURIComponent(props[k])) + "?lang=" + cfg.lang;
    box.appendChild(a);
  }
  if (def.compact && cfg.projectTable && props.key) {
    const a = el("a", "zj-detail zj-in-table", t("map.in_table") + " →");
    a.href = cfg.projectTable + "?key=" + encodeURIComponent(props.key);
    a.target = "_blank";
    box.appendChild(a);
  }
  return box;
}

export function popupContent(cfg, def, props) {
  const root = el("div", "zj-popup");
  const h = el("h3", null, props[def.titleField]);
  const badge = accuracyBadge(props.accuracy);
  if (badge) h.appendChild(badge);
  root.appendChild(h);
  const body = el("div", "zj-popup-body");
  body.appendChild(fields(def.popup.filter((f) => f.kind !== "tech"), props));
  body.appendChild(provenance(def, props));
  root.appendChild(body);
  root.appendChild(links(cfg, def, props));
  return root;
}

// Popup of a compact layer (projects): the full record is fetched when it opens.
export function lazyPopup(cfg, def, props, popup) {
  const box = el("div", "zj-popup");
  box.appendChild(el("h3", null, props[def.titleField]));
  box.appendChild(el("p", null, t("map.loading")));
  const url = def.detailApi.replace(/\{(\w+)\}/g, (_, k) => encodeURIComponent(props[k]));
  fetchJson(url).then((full) => {
    const content = popupContent(cfg, def, full);
    box.textContent = "";
    while (content.firstChild) box.appendChild(content.firstChild);
    if (popup.isOpen()) popup.update();     // re-measure and pan so the taller popup is in view
  }, (err) => { box.lastChild.textContent = String(err); });
  return box;
}

// Open a feature's popup: above a point's symbol, else where it was clicked (or at `at`).
export function openFeaturePopup(def, layer, at) {
  if (state.asking === "identify" || state.drawing) return null;     // the click is a question (ask.js)
  const map = state.map, cfg = state.cfg, p = layer.feature.properties;
  const point = layer.getRadius && layer.getLatLng;
  const where = point ? layer.getLatLng() : (at || layer.getBounds().getCenter());
  const popup = L.popup(popupOptions(map, point ? layer.getRadius() : 0)).setLatLng(where);
  popup.setContent(def.compact ? lazyPopup(cfg, def, p, popup) : popupContent(cfg, def, p));
  panBackOnClose(map, popup);
  popup.openOn(map);
  return popup;
}

// A popup that panned the map to fit pans it back when it closes (unless the user moved the map
// meanwhile), so the county does not stay pushed aside.
function panBackOnClose(map, popup) {
  const before = map.getCenter();
  let panned = false, moved = false;
  const onPan = () => { panned = true; }, onUser = () => { moved = true; };
  map.on("autopanstart", onPan);
  map.on("dragstart zoomstart", onUser);
  popup.once("remove", () => {
    map.off("autopanstart", onPan);
    map.off("dragstart zoomstart", onUser);
    if (panned && !moved) map.panTo(before);     // a popup opened next stops this pan and pans for itself
  });
}

// Popups open on click; Leaflet's close button gets a label in the page's language.
export function clickable(def, layer) {
  layer.on("click", (e) => openFeaturePopup(def, layer, e.latlng));
}

export function localisePopups(map) {
  map.on("popupopen", (e) => {
    const b = e.popup._closeButton;
    if (b) { b.setAttribute("aria-label", t("map.close")); b.title = t("map.close"); }
  });
}
