// Every string that comes from data is inserted with textContent (never innerHTML), so text typed
// into a table or an uploaded file can never run as HTML/JS.
export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

export function fetchJson(url) {
  // the map page asked for its layers first thing (layers/render.py early_fetch); a body is read once
  const early = window.ZhujiEarly && Object.hasOwn(window.ZhujiEarly, url) ? window.ZhujiEarly[url] : null;
  if (early) delete window.ZhujiEarly[url];
  return (early || fetch(url, { credentials: "same-origin" })).then((r) => {
    if (!r.ok) throw new Error(url + " → HTTP " + r.status);
    return r.json();
  });
}

// A Leaflet control's container should not pass clicks and wheel turns on to the map.
export function isolate(div) {
  L.DomEvent.disableClickPropagation(div);
  L.DomEvent.disableScrollPropagation(div);
  return div;
}
