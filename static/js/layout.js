// Where the map is free of the header and the panels, and fitting the county into that space.
import { el } from "./dom.js";
import { state } from "./state.js";

export const SMALL = "(max-width: 700px), (max-height: 500px)";

export function isSmall() {
  return window.matchMedia(SMALL).matches;
}

// The controls in the top corners start below the header, whatever its height (it wraps on narrow screens).
export function watchHeader(map, header) {
  const set = () => {
    const h = header.offsetHeight ? header.offsetTop + header.offsetHeight : 0;
    map.getContainer().style.setProperty("--zj-top", h + "px");
  };
  set();
  if (window.ResizeObserver) new ResizeObserver(set).observe(header);
}

function boxes(container, selector) {
  return Array.from(container.querySelectorAll(selector)).map((e) => e.getBoundingClientRect())
    .filter((r) => r.width > 0 && r.height > 0);
}

// The free part of the map as padding (px) from the container's edges: below the header, beside the
// panels; short controls at the bottom (scale bar, attribution) count as a strip along the bottom.
export function freePadding(map) {
  const c = map.getContainer(), r = c.getBoundingClientRect();
  const pad = { top: 0, left: 0, right: 0, bottom: 0 };
  const header = document.getElementById("zj-header");
  if (header && header.offsetHeight) pad.top = header.getBoundingClientRect().bottom - r.top;
  const side = (b, left) => {
    if (left) pad.left = Math.max(pad.left, b.right - r.left);
    else pad.right = Math.max(pad.right, r.right - b.left);
  };
  boxes(c, ".leaflet-top.leaflet-left > .leaflet-control").forEach((b) => side(b, true));
  boxes(c, ".leaflet-top.leaflet-right > .leaflet-control").forEach((b) => side(b, false));
  [".leaflet-bottom.leaflet-left", ".leaflet-bottom.leaflet-right"].forEach((corner, i) => {
    boxes(c, corner + " > .leaflet-control").forEach((b) => {
      if (b.height < 60) pad.bottom = Math.max(pad.bottom, r.bottom - b.top);
      else side(b, i === 0);
    });
  });
  return pad;
}

// The bounds the map must show: the county, and the axis where it reaches beyond it.
function wanted(cfg) {
  const b = L.latLngBounds(cfg.bounds);
  const axis = state.layers.axis;
  if (axis && state.groups.axis && state.map.hasLayer(state.groups.axis)) {
    axis.features.forEach((f) => { if (f.getBounds) b.extend(f.getBounds()); });
  }
  return b;
}

// Fit the county (and the axis) into the free area. Only while the user has not moved the map.
export function fitView(map, cfg) {
  if (!state.autoFit) return;
  const p = freePadding(map), m = 8;
  state.fitting = true;
  map.fitBounds(wanted(cfg), { paddingTopLeft: [p.left + m, p.top + m], paddingBottomRight: [p.right + m, p.bottom + m],
                               animate: false });
  state.fitting = false;
}

export function keepFitted(map, cfg) {
  const userMoved = () => { if (!state.fitting) state.autoFit = false; };
  map.on("dragstart zoomstart", userMoved);
  let pending = null;
  const refit = () => {
    if (pending) cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => { pending = null; fitView(map, cfg); });
  };
  window.addEventListener("resize", refit);
  map.on("zj:layout", refit);
}

// A panel that folds to its heading button (collapsed by default on small screens).
export function collapsible(container, title, collapsed) {
  const btn = el("button", "zj-panel-toggle", title);
  btn.type = "button";
  container.classList.add("zj-panel");
  const set = (c) => {
    container.classList.toggle("zj-collapsed", c);
    btn.setAttribute("aria-expanded", String(!c));
  };
  set(collapsed);
  btn.addEventListener("click", (e) => {
    e.preventDefault();
    set(!container.classList.contains("zj-collapsed"));
    if (state.map) state.map.fire("zj:panel");
  });
  container.insertBefore(btn, container.firstChild);
  return btn;
}
