// Popup contents built as DOM nodes from the layer's popup fields.
import { el, fetchJson } from "./dom.js";
import { state, t } from "./state.js";

export const POPUP_OPTIONS = { maxWidth: 420, autoPanPaddingTopLeft: [60, 100], autoPanPaddingBottomRight: [40, 40] };

function accuracyBadge(acc) {
  if (!acc || acc === "official") return null;
  const b = el("span", "zj-badge zj-" + acc, acc === "schematic" ? t("map.schematic") : t("map.derived"));
  b.title = t("map.schematic_note");
  return b;
}

function fieldValue(f, v) {
  const dd = el("dd");
  if (f.kind === "quote") {
    dd.appendChild(el("blockquote", "zj-quote", v));
  } else if (f.kind === "confidence") {
    dd.appendChild(el("span", "zj-conf zj-conf-" + v, state.cfg.ui["conf." + v] || v));
  } else if (f.kind === "list") {
    const ul = el("ul");
    String(v).split("；").forEach((x) => { if (x) ul.appendChild(el("li", null, x)); });
    dd.appendChild(ul);
  } else {
    dd.textContent = String(v);
  }
  return dd;
}

export function popupContent(cfg, def, props) {
  const root = el("div", "zj-popup");
  const h = el("h3", null, props[def.titleField]);
  const badge = accuracyBadge(props.accuracy);
  if (badge) h.appendChild(badge);
  root.appendChild(h);
  const dl = el("dl");
  def.popup.forEach((f) => {
    const v = props[f.key];
    if (v === null || v === undefined || v === "") return;
    dl.appendChild(el("dt", null, f.label));
    dl.appendChild(fieldValue(f, v));
  });
  root.appendChild(dl);
  const prov = el("div", "zj-prov");
  prov.appendChild(el("strong", null, t("map.provenance") + "："));
  prov.appendChild(el("span", null, [props.source, props.datum, props.accuracy].filter(Boolean).join(" · ")));
  root.appendChild(prov);
  if (def.detailUrl) {
    const a = el("a", "zj-detail", t("map.details") + " →");
    a.href = def.detailUrl.replace(/\{(\w+)\}/g, (_, k) => encodeURIComponent(props[k])) + "?lang=" + cfg.lang;
    root.appendChild(a);
  }
  return root;
}

// Popup of a compact layer (projects): the full record is fetched when it opens.
export function lazyPopup(cfg, def, props, layer) {
  if (layer && layer._zjPopup) return layer._zjPopup;     // update() asks again: answer with the same box
  const box = el("div", "zj-popup");
  box.appendChild(el("h3", null, props[def.titleField]));
  if (layer) layer._zjPopup = box;
  box.appendChild(el("p", null, t("map.loading")));
  const url = def.detailApi.replace(/\{(\w+)\}/g, (_, k) => encodeURIComponent(props[k]));
  fetchJson(url).then((full) => {
    const content = popupContent(cfg, def, full);
    box.textContent = "";
    while (content.firstChild) box.appendChild(content.firstChild);
    const popup = layer && layer.getPopup();
    if (popup && popup.isOpen()) popup.update();     // re-measure and pan so the taller popup is in view
  }, (err) => { box.lastChild.textContent = String(err); if (layer) layer._zjPopup = null; });
  return box;
}

export function bindPopup(cfg, def, layer, props) {
  return layer.bindPopup(() => (def.compact ? lazyPopup(cfg, def, props, layer) : popupContent(cfg, def, props)),
                         POPUP_OPTIONS);
}
