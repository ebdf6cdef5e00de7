// The header bar: title, thematic views, links, permalink, downloads, print and search. On a phone the
// views and tools fold behind a 菜单 button; the search keeps the whole width.
import { downloadBox } from "./downloads.js";
import { el, isolate } from "./dom.js";
import { writeHash } from "./permalink.js";
import { printButton } from "./print.js";
import { searchBox } from "./search.js";
import { t } from "./state.js";

function link(text, href, blank) {
  const a = el("a", null, text);
  a.href = href;
  if (blank) a.target = "_blank";
  return a;
}

function permalinkButton() {
  const b = el("button", "zj-permalink", t("map.permalink"));
  b.type = "button";
  b.addEventListener("click", () => {
    writeHash();
    const url = location.href;
    (navigator.clipboard ? navigator.clipboard.writeText(url) : Promise.reject()).then(
      () => { b.textContent = t("map.copied"); }, () => { window.prompt(t("map.permalink"), url); });
  });
  return b;
}

function views(cfg) {
  const nav = el("nav", "zj-views");
  Object.keys(cfg.views).forEach((v) => {
    const a = link(cfg.views[v], "?view=" + v + "&lang=" + cfg.lang);
    if (v === cfg.view) a.className = "active";
    a.dataset.view = v;
    nav.appendChild(a);
  });
  return nav;
}

function menuButton(bar) {
  const b = el("button", "zj-menu-button", "☰ " + t("map.menu"));
  b.type = "button";
  b.setAttribute("aria-expanded", "false");
  b.addEventListener("click", () => {
    const open = bar.classList.toggle("zj-menu-open");
    b.setAttribute("aria-expanded", String(open));
  });
  return b;
}

export function header(map, cfg) {
  const bar = el("div", "zj-header");
  bar.id = "zj-header";
  bar.appendChild(el("h1", null, t("app.title")));
  bar.appendChild(menuButton(bar));
  bar.appendChild(views(cfg));
  const tools = el("div", "zj-tools");
  tools.appendChild(link(t("map.indicators"), cfg.indicators, true));
  tools.appendChild(link(t("map.summary"), cfg.summary, true));
  tools.appendChild(link(t("map.analysis"), cfg.analysis, true));
  tools.appendChild(link(t("map.workbench"), cfg.workbench, true));
  tools.appendChild(link(t("map.lang_switch"), "?view=" + cfg.view + "&lang=" + (cfg.lang === "zh" ? "en" : "zh")));
  tools.appendChild(permalinkButton());
  tools.appendChild(printButton(map, cfg));
  tools.appendChild(downloadBox(cfg));
  bar.appendChild(tools);
  bar.appendChild(searchBox(map));
  map.getContainer().appendChild(bar);
  return isolate(bar);
}
