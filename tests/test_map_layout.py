"""The map page read as a planner sees it, at 1366×768, 1920×1080 and on a 390×844 phone: what is where
on the screen (bounding boxes), what the legend lists, the words shown, popups, basemaps and printing.

A real server and Debian's Chromium (Playwright); the offline basemap is an MBTiles file made here with
GDAL. Every wait is on a condition (the page's ready flag, the label placement's zoom, a selector).
"""
from __future__ import annotations

import io
import json
import math
import re
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.live import import_projects, start_server

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "test-artifacts"
DESKTOP = [(1366, 768), (1920, 1080)]
PHONE = (390, 844)
# Latin-letter words the Chinese page may show: names (formats, services, the map engine, the language
# switch) and units. Codes with digits (G60, S211, A4, WGS84, project ids) are names, not words. Anything
# else is an English developer note in the Chinese UI.
ALLOWED = {"OGC", "API", "PDF", "PNG", "GeoJSON", "KML", "CSV", "Shapefile", "GeoPackage", "English", "Leaflet", "EPSG",
           "km", "m", "dpi"}



# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    """The service as installed: no basemap configured, no MBTiles file, 139 projects."""
    from tests.test_projects import excel_gbk_139
    empty = tmp_path_factory.mktemp("no-basemaps")
    proc, url = start_server({"ZHUJI_MAP_BASEMAP_DIR": str(empty)})
    assert import_projects(url, excel_gbk_139(), "projects-2026.csv")["imported"] == 139
    yield url
    proc.terminate()
    proc.wait(10)


def make_mbtiles(directory: Path, name: str = "测试底图") -> Path:
    """A raster MBTiles file over the county made by GDAL: the north half red, the south half blue."""
    w = h = 256
    ppm = directory / "src.ppm"
    ppm.write_bytes(b"P6\n%d %d\n255\n" % (w, h) + bytes([200, 40, 40]) * (w * h // 2) + bytes([40, 40, 200]) * (w * h // 2))
    out = directory / "zhuji-offline.mbtiles"
    subprocess.run(["gdal_translate", "-q", "-of", "MBTILES", "-a_srs", "EPSG:4326", "-a_ullr", "119.9", "30.0", "120.6",
                    "29.3", "-co", f"NAME={name}", str(ppm), str(out)], check=True)
    subprocess.run(["gdaladdo", "-q", "-r", "average", str(out), "2"], check=True)
    ppm.unlink()
    return out


@pytest.fixture(scope="module")
def offline_url(tmp_path_factory):
    """The service with an MBTiles file dropped into its basemap directory."""
    if not shutil.which("gdal_translate"):
        pytest.fail("GDAL's command-line tools are required (apt-get install gdal-bin)", pytrace=False)
    d = tmp_path_factory.mktemp("basemap")
    make_mbtiles(d)
    proc, url = start_server({"ZHUJI_MAP_BASEMAP_DIR": str(d)})
    yield url
    proc.terminate()
    proc.wait(10)


class Page:
    """A page of the map at one screen size, recording console errors and every request."""

    def __init__(self, browser, base, size, touch=False):
        self.ctx = browser.new_context(viewport={"width": size[0], "height": size[1]}, has_touch=touch, is_mobile=touch,
                                       device_scale_factor=1)
        self.page = self.ctx.new_page()
        self.base, self.errors, self.requests = base, [], []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def open(self, path="/"):
        self.page.goto(self.base + path)
        try:
            self.page.wait_for_selector("body[data-zhuji-ready='1']", timeout=20000)
        except Exception as exc:
            state = self.page.evaluate("window.ZhujiMap ? [ZhujiMap.errors, Object.keys(ZhujiMap.layers)] : null")
            raise AssertionError(f"the map did not get ready: {self.errors} {state}") from exc
        self.settled()
        return self.page

    def settled(self):
        """The map has stopped moving and its labels are placed for the zoom it shows."""
        self.page.evaluate(SETTLED)
        self.page.wait_for_function("ZhujiMap.labelZoom === ZhujiMap.map.getZoom()", timeout=5000)

    def foreign(self):
        return [u for u in self.requests if not u.startswith(self.base) and not u.startswith(("data:", "blob:"))]

    def close(self):
        self.ctx.close()


SETTLED = """() => new Promise(resolve => {
    const m = ZhujiMap.map, done = () => requestAnimationFrame(() => requestAnimationFrame(resolve));
    if (m._animatingZoom || (m._panAnim && m._panAnim._inProgress)) m.once("moveend", done); else done(); })"""


@pytest.fixture
def opened(browser, base_url):
    pages = []

    def make(size=DESKTOP[0], path="/", touch=False):
        p = Page(browser, base_url, size, touch)
        pages.append(p)
        p.open(path)
        return p
    yield make
    for p in pages:
        p.close()


# ---------------------------------------------------------------- geometry on the screen
def rect(page, selector):
    box = page.locator(selector).first.bounding_box() if page.locator(selector).count() else None
    return None if not box or box["width"] == 0 else (box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"])


def overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inside(a, outer):
    return a[0] >= outer[0] and a[1] >= outer[1] and a[2] <= outer[2] and a[3] <= outer[3]


PROJECT = """(bounds) => { const m = ZhujiMap.map, r = m.getContainer().getBoundingClientRect();
    const b = L.latLngBounds(bounds), nw = m.latLngToContainerPoint(b.getNorthWest()), se = m.latLngToContainerPoint(b.getSouthEast());
    return [nw.x + r.left, nw.y + r.top, se.x + r.left, se.y + r.top]; }"""
AXIS_BOUNDS = """() => { const b = L.latLngBounds([]); ZhujiMap.layers.axis.features.forEach(f => b.extend(f.getBounds()));
    return [[b.getSouth(), b.getWest()], [b.getNorth(), b.getEast()]]; }"""
PANELS = ("#zj-header", "#zj-layers", "#zj-legend", "#zj-filters-projects", ".leaflet-control-zoom",
          ".leaflet-control-minimap", ".leaflet-control-measure", ".leaflet-control-scale", ".leaflet-control-attribution")


def town_centre(page, name):
    """Inside a town but away from its seat, where the projects (and their clusters) are."""
    return page.evaluate("""(name) => { const t = ZhujiMap.layers.towns.features.find(f => f.feature.properties.name === name);
        const c = t.getCenter(); return [c.lat, c.lng]; }""", name)


def screen_point(page, lat, lon):
    return page.evaluate("([lat, lon]) => { const p = ZhujiMap.map.latLngToContainerPoint([lat, lon]);"
                         " const r = ZhujiMap.map.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }",
                         [lat, lon])


def visible_label_rects(page, selector):
    return page.evaluate("""(sel) => Array.from(document.querySelectorAll(sel))
        .filter(e => e.isConnected && getComputedStyle(e).visibility !== 'hidden' && e.getBoundingClientRect().width > 0)
        .map(e => { const r = e.getBoundingClientRect(); return [e.textContent, [r.left, r.top, r.right, r.bottom]]; })""",
                         selector)


# ---------------------------------------------------------------- readable at first sight
@pytest.mark.parametrize("size", DESKTOP, ids=lambda s: f"{s[0]}x{s[1]}")
def test_county_and_axis_are_clear_of_header_and_panels(opened, size):
    w = opened(size)
    page = w.page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"map-axis-{size[0]}x{size[1]}.png"))
    county = page.evaluate(PROJECT, page.evaluate("ZhujiMap.cfg.bounds"))
    axis = page.evaluate(PROJECT, page.evaluate(AXIS_BOUNDS))
    screen = (0, 0, size[0], size[1])
    assert inside(county, screen) and inside(axis, screen)
    for sel in PANELS:
        box = rect(page, sel)
        if box:
            assert not overlap(county, box), f"the county lies under {sel}"
            assert not overlap(axis, box), f"the axis lies under {sel}"
    # …and fills the free area in one direction at least (not a thumbnail in the middle)
    free = (rect(page, "#zj-filters-projects")[2], rect(page, "#zj-header")[3], rect(page, "#zj-layers")[0], size[1])
    fill = max((county[2] - county[0]) / (free[2] - free[0]), (county[3] - county[1]) / (free[3] - free[1]))
    assert fill >= 0.75
    assert w.errors == [] and w.foreign() == []


@pytest.mark.parametrize("size", DESKTOP, ids=lambda s: f"{s[0]}x{s[1]}")
def test_axis_branches_labelled_and_junction_kept_clear(opened, size):
    w = opened(size)
    page = w.page
    names = dict(visible_label_rects(page, ".zj-line-label-axis .zj-line-text"))
    assert set(names) == {"融杭通金 G60", "枫桥经验 接绍"}
    free = (rect(page, "#zj-filters-projects")[2], rect(page, "#zj-header")[3], rect(page, "#zj-layers")[0], size[1])
    assert all(inside(r, free) for r in names.values()), "axis names sit in the free map area"
    jx, jy = page.evaluate("(() => { const p = ZhujiMap.map.latLngToContainerPoint(ZhujiMap.junction);"
                           " const r = ZhujiMap.map.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; })()")
    labels = visible_label_rects(page, ".zj-label, .zj-line-text")
    on_junction = [t for t, r in labels if r[0] - 4 <= jx <= r[2] + 4 and r[1] - 4 <= jy <= r[3] + 4]
    assert on_junction == [], "no name on the axis junction"
    z = page.evaluate("(['zj-projects', 'zj-axis', 'zj-junction']).map(p => +ZhujiMap.map.getPane(p).style.zIndex)")
    assert z[0] < z[1] < z[2], "project clusters are drawn under the axis and its junction"


@pytest.mark.parametrize("size", DESKTOP, ids=lambda s: f"{s[0]}x{s[1]}")
def test_names_do_not_overlap_at_any_zoom(opened, size):
    w = opened(size)
    page = w.page
    for zoom in (None, 11, 12):
        if zoom:
            page.evaluate("z => void ZhujiMap.map.setZoom(z, {animate: false})", zoom)
            w.settled()
        labels = visible_label_rects(page, ".zj-label, .zj-neighbour")
        towns = [t for t, _ in labels]
        assert len(towns) >= 12, towns
        for i, (a, ra) in enumerate(labels):
            for b, rb in labels[i + 1:]:
                assert not overlap(ra, rb), f"“{a}” overlaps “{b}” at zoom {zoom}"
    # zone names are shown at town zoom
    zones = {t for t, _ in visible_label_rects(page, ".zj-label-zone")}
    assert {"海归小镇", "高湖未来新区", "西施故里片区"} <= {z.split("（")[0] for z in zones}


def test_corridor_names_along_lines_from_zoom_11(opened):
    w = opened(DESKTOP[0], "/?view=transport")
    page = w.page
    assert visible_label_rects(page, ".zj-line-label:not(.zj-line-label-axis) .zj-line-text") == []
    page.evaluate("void ZhujiMap.map.setView([29.72, 120.25], 11, {animate: false})")
    w.settled()
    shown = visible_label_rects(page, ".zj-line-label:not(.zj-line-label-axis) .zj-line-text")
    assert len(shown) >= 3 and any("高速" in t for t, _ in shown)
    turned = page.evaluate("Array.from(document.querySelectorAll('.zj-line-text')).filter(e => /rotate\\((?!0\\.0deg)/"
                           ".test(e.style.transform)).length")
    assert turned >= 1, "names follow the lines' direction"


def test_labels_switch_hides_every_permanent_label(opened):
    w = opened()
    page = w.page
    assert len(visible_label_rects(page, ".zj-label")) > 10
    page.click("#zj-labels-toggle")
    w.settled()
    assert visible_label_rects(page, ".zj-label, .zj-line-text, .zj-neighbour") == []
    page.click("#zj-labels-toggle")
    w.settled()
    assert len(visible_label_rects(page, ".zj-label")) > 10


# ---------------------------------------------------------------- the legend shows what is drawn
LEGEND = """() => Array.from(document.querySelectorAll('#zj-legend .zj-legend-sec')).map(s => [s.dataset.layer,
    Array.from(s.querySelectorAll('.zj-legend-row span')).map(e => e.textContent)])"""


def legend(page):
    return dict(page.evaluate(LEGEND))


def test_legend_lists_exactly_the_layers_and_classes_drawn(opened):
    w = opened()
    page = w.page
    sections = legend(page)
    assert set(sections) == {"axis", "zones", "towns", "projects", "context"}
    assert sections["towns"][0] == "发展轴途经镇街"                    # the axis view's fill, as drawn
    # the zone legend is a dashed outline; the axis colours are the drawn ones
    dash = page.evaluate("document.querySelector('#zj-legend [data-layer=zones] rect').getAttribute('stroke-dasharray')")
    assert dash == "8 5"
    drawn = sorted(set(page.evaluate("Array.from(ZhujiMap.map.getPane('zj-axis').querySelectorAll('path'))"
                                     ".filter(p => p.getAttribute('stroke-opacity') !== '0')"   # not the click helpers
                                     ".map(p => p.getAttribute('stroke'))")))
    swatches = sorted(page.evaluate("Array.from(document.querySelectorAll('#zj-legend [data-layer=axis] line'))"
                                    ".map(l => l.getAttribute('stroke'))"))
    assert swatches == drawn == ["#8e44ad", "#d35400"]
    # a layer switched off leaves the legend
    page.locator(".leaflet-control-layers-overlays label", has_text="六大片区").locator("input").click()
    page.wait_for_function("!document.querySelector('#zj-legend [data-layer=zones]')")
    # sectors: only those of the projects shown
    page.select_option("#zj-filters-projects select[name=sector]", "交通强省")
    page.wait_for_function("""Array.from(document.querySelectorAll('#zj-legend [data-layer=projects] .zj-legend-row span'))
        .map(e => e.textContent).filter(t => ['先进制造业基地', '交通强省'].includes(t)).join() === '交通强省'""")
    sizes = [t for t in legend(page)["projects"] if t.endswith("亿元")]
    assert 1 <= len(sizes) <= 3
    assert w.errors == []


def test_legend_lists_only_the_corridor_statuses_on(opened):
    w = opened(DESKTOP[0], "/?view=transport")
    page = w.page
    assert legend(page)["corridors"] == ["在建", "实施", "前期", "研究", "现状"]
    for label in ("实施项目", "前期项目", "研究项目", "现状线路"):
        page.locator(".leaflet-control-layers-overlays label", has_text=label).locator("input").click()
    page.wait_for_function("document.querySelectorAll('#zj-legend [data-layer=corridors] .zj-legend-row').length === 1")
    assert legend(page)["corridors"] == ["在建"]


@pytest.mark.parametrize("size", DESKTOP, ids=lambda s: f"{s[0]}x{s[1]}")
def test_legend_never_runs_off_screen_and_folds(opened, size):
    w = opened(size, "/?view=transport")
    page = w.page
    page.locator(".leaflet-control-layers-overlays label", has_text="共富片区").locator("input").click()
    page.locator(".leaflet-control-layers-overlays label", has_text="未来产业社区").locator("input").click()
    page.wait_for_function("!!document.querySelector('#zj-legend [data-layer=communities]')")
    box = rect(page, "#zj-legend")
    assert box[3] <= size[1] and box[1] >= rect(page, "#zj-layers")[3], "below the layer panel, above the screen's edge"
    assert page.evaluate("getComputedStyle(document.getElementById('zj-legend')).overflowY") == "auto"   # scrolls inside
    page.click("#zj-legend .zj-panel-toggle")
    assert not page.locator("#zj-legend .zj-legend-body").is_visible()
    page.click("#zj-legend .zj-panel-toggle")
    assert page.locator("#zj-legend .zj-legend-body").is_visible()


# ---------------------------------------------------------------- scale, attribution, words
def test_metric_scale_only_and_attribution_without_flag(opened):
    w = opened()
    page = w.page
    lines = page.locator(".leaflet-control-scale-line").all_inner_texts()
    assert len(lines) == 1 and re.fullmatch(r"\d+ k?m", lines[0].strip())
    attribution = page.locator(".leaflet-control-attribution")
    assert attribution.locator("svg, img").count() == 0
    assert not re.search(r"[\U0001F000-\U0001FFFF\u2600-\u27ff]", attribution.inner_text())
    assert page.get_attribute(".leaflet-control-zoom-in", "title") == "放大"


def words(text):
    found = {w.strip(".-") for w in re.findall(r"[A-Za-z][A-Za-z0-9.\-]*", text)}
    return {w for w in found if w and not re.search(r"\d", w)}


VISIBLE_TEXT = """() => { const out = [document.body.innerText];
    document.querySelectorAll('[title], [aria-label], [placeholder]').forEach(e => {
        if (e.getClientRects().length) out.push(e.getAttribute('title') || '', e.getAttribute('aria-label') || '',
                                                e.getAttribute('placeholder') || ''); });
    return out.join('\\n'); }"""


def reveal_project(page, index=0):
    """Bring one project into view on its own (or in the stack of its spot); its position on the map."""
    return page.evaluate("(n) => { const p = ZhujiMap.layers.projects.layer; const ll = p.reveal(p.placed[n]);"
                         " return [ll.lat, ll.lng]; }", index)


def open_popup_at(w, lat, lon):
    page = w.page
    page.mouse.click(*screen_point(page, lat, lon))
    page.wait_for_selector(".leaflet-popup-content h3", timeout=5000)
    if page.locator(".leaflet-popup-content .zj-stack").count():      # several projects on one spot: pick one
        page.locator(".zj-stack-item").first.click()
        page.wait_for_selector(".leaflet-popup-content .zj-links", timeout=5000)
    page.evaluate(SETTLED)
    return page.locator(".leaflet-popup-content")


def latin_words_of_popups(w, clicks):
    found = set()
    for lat, lon in clicks:
        popup = open_popup_at(w, lat, lon)
        w.page.wait_for_function("!document.querySelector('.leaflet-popup-content').innerText.includes('加载中')")
        found |= words(w.page.evaluate(VISIBLE_TEXT))
        assert popup.is_visible()
        w.page.click(".leaflet-popup-close-button")
        w.page.wait_for_selector(".leaflet-popup", state="detached")
        w.settled()                                            # the map pans back to where it was
    return found


def test_no_english_developer_notes_in_the_chinese_ui(opened):
    w = opened()
    page = w.page
    seat = page.evaluate("""(() => { const t = ZhujiMap.layers.towns.features.find(f => f.feature.properties.name === '枫桥镇');
        return [+t.feature.properties.seat_lat, +t.feature.properties.seat_lon]; })()""")
    zone = page.evaluate("(() => { const z = ZhujiMap.layers.zones.features[1].getLatLng(); return [z.lat, z.lng]; })()")
    page.click(".zj-line-label-axis .zj-line-text >> nth=0")          # a name along the axis opens the axis
    page.wait_for_selector(".leaflet-popup-content h3", timeout=5000)
    assert "发展轴" in page.locator(".leaflet-popup-content h3").inner_text()
    w.settled()
    found = words(page.evaluate(VISIBLE_TEXT))
    page.click(".leaflet-popup-close-button")
    w.settled()
    index = page.evaluate("(() => { const p = ZhujiMap.layers.projects.layer;"
                          " return p.placed.findIndex(i => !/[A-Za-z]/.test(p.value(i, 'name'))); })()")
    project = reveal_project(page, index)
    w.settled()
    found |= words(page.evaluate(VISIBLE_TEXT)) | latin_words_of_popups(w, [project])
    page.locator(".leaflet-control-layers-overlays label", has_text="重大项目").locator("input").click()   # clusters off
    page.evaluate("([lat, lon]) => void ZhujiMap.map.setView([lat, lon], 11, {animate: false})", seat)
    w.settled()
    found |= latin_words_of_popups(w, [seat, zone])
    for view, layer in (("transport", "corridors"), ("industry", "communities"), ("prosperity", "clusters")):
        w.open(f"/?view={view}")
        feature = page.evaluate(f"""(() => {{ const f = ZhujiMap.layers.{layer}.features.find(x => x.getLatLng || x.getCenter);
            const p = f.getLatLng ? f.getLatLng() : f.getCenter(); return [p.lat, p.lng]; }})()""")
        found |= words(page.evaluate(VISIBLE_TEXT)) | latin_words_of_popups(w, [feature])
    assert found - ALLOWED == set()


# ---------------------------------------------------------------- popups
def check_popup_clear_of(w, latlng, max_width=320):
    page = w.page
    box = page.locator(".leaflet-popup-content-wrapper").bounding_box()
    x, y = screen_point(page, *latlng)                         # where the clicked place is now (after auto-pan)
    assert box["width"] <= max_width
    assert not (box["x"] <= x <= box["x"] + box["width"] and box["y"] <= y <= box["y"] + box["height"] + 8)
    size = page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"] and box["y"] >= rect(page, "#zj-header")[3]


@pytest.mark.parametrize("size", DESKTOP, ids=lambda s: f"{s[0]}x{s[1]}")
def test_popups_are_compact_and_never_cover_what_was_clicked(opened, size):
    w = opened(size)
    page = w.page
    town = town_centre(page, "赵家镇")
    popup = open_popup_at(w, *town)
    assert "赵家镇" in popup.inner_text()
    check_popup_clear_of(w, town)
    body = page.evaluate("(() => { const b = document.querySelector('.leaflet-popup .zj-popup-body');"
                         " return [getComputedStyle(b).overflowY, b.clientHeight]; })()")
    assert body[0] == "auto" and body[1] <= 300
    # plain-Chinese provenance; the technical note folded
    assert "非官方行政界线" in popup.inner_text()
    tech = page.locator(".leaflet-popup .zj-tech")
    assert tech.locator("summary").inner_text() == "技术说明" and not tech.locator("dd").first.is_visible()
    tech.locator("summary").click()
    assert "Voronoi" in tech.inner_text()
    page.click(".leaflet-popup-close-button")
    page.wait_for_function("!document.querySelector('.leaflet-popup')")


def test_a_click_beside_a_line_opens_the_town_not_the_line(opened):
    w = opened()
    page = w.page
    page.click("#zj-labels-toggle")                                   # names off, projects off: only the areas
    page.locator(".leaflet-control-layers-overlays label", has_text="重大项目").locator("input").click()
    page.evaluate("void ZhujiMap.map.setView([29.776, 120.287], 12, {animate: false})")
    w.settled()
    # the NS axis between 山下湖 and 暨阳: on its middle line it opens the axis, 4 px beside it the town
    mid = page.evaluate("""(() => { const m = ZhujiMap.map, a = m.latLngToContainerPoint([29.837474, 120.326463]),
        b = m.latLngToContainerPoint([29.715076, 120.248408]), r = m.getContainer().getBoundingClientRect();
        const len = Math.hypot(b.x - a.x, b.y - a.y), n = [-(b.y - a.y) / len, (b.x - a.x) / len];
        const c = [(a.x + b.x) / 2 + r.left, (a.y + b.y) / 2 + r.top]; return [c, n]; })()""")
    (cx, cy), (nx, ny) = mid
    page.mouse.click(cx + 4 * nx, cy + 4 * ny)
    title = page.locator(".leaflet-popup-content h3")
    title.wait_for(timeout=5000)
    towns = set(page.evaluate("ZhujiMap.layers.towns.features.map(f => f.feature.properties.name)"))
    assert title.inner_text().replace("示意（推导）", "") in towns
    page.click(".leaflet-popup-close-button")
    page.wait_for_selector(".leaflet-popup", state="detached")
    page.mouse.click(cx, cy)
    title.wait_for(timeout=5000)
    assert "融杭通金" in title.inner_text()
    # a click on a line draws no black box around it; keyboard focus stays visible
    assert page.evaluate("document.activeElement.tagName") == "path"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "none"
    page.evaluate("(() => { const e = document.activeElement; e.blur(); e.focus({focusVisible: true}); })()")
    assert page.evaluate("document.activeElement.matches(':focus-visible')")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"


def test_project_popup_links_to_the_project_table(opened):
    w = opened()
    page = w.page
    latlng = reveal_project(page, 0)
    w.settled()
    open_popup_at(w, *latlng)
    link = page.locator(".leaflet-popup .zj-in-table")
    link.wait_for(timeout=15000)
    name = page.locator(".leaflet-popup-content h3").inner_text()
    key = page.evaluate("(name) => { const p = ZhujiMap.layers.projects.layer;"
                        " return p.value(p.placed.find(i => name.startsWith(p.value(i, 'name'))), 'key'); }", name)
    assert link.inner_text().startswith("在项目表中查看")
    assert link.get_attribute("href") == "/work/projects?key=" + urllib.request.quote(key, safe="")
    assert "位置为项目清单上报的坐标" in page.locator(".leaflet-popup-content").inner_text()
    w.settled()                     # the filled-in popup may pan the map once more
    check_popup_clear_of(w, latlng)


# ---------------------------------------------------------------- projects: size, colour, year filter
def test_projects_sized_by_investment_and_filtered_by_year(opened):
    w = opened()
    page = w.page
    radii = page.evaluate("""(() => { const p = ZhujiMap.layers.projects.layer; return p.placed.map(i => { const m = p.marker(i);
        return [m.feature.properties.investment, m.options.radius, m.options.fillColor, m.feature.properties.sector]; }); })()""")
    small = min(radii, key=lambda r: r[0])
    big = max(radii, key=lambda r: r[0])
    assert big[1] > small[1] and math.isclose(big[1] / small[1], (3 + 1.5 * math.sqrt(big[0])) / (3 + 1.5 * math.sqrt(small[0])),
                                              rel_tol=0.01)
    colours = {}
    for _, _, colour, sector in radii:
        colours.setdefault(sector, set()).add(colour)
    assert all(len(c) == 1 for c in colours.values()) and len({next(iter(c)) for c in colours.values()}) == len(colours)
    years = page.locator("#zj-filters-projects select[name=year] option").all_inner_texts()
    assert years == ["全部", "2026 (139)"]
    page.select_option("#zj-filters-projects select[name=year]", "2026")
    assert page.evaluate("ZhujiMap.layers.projects.shown") == 139
    assert page.evaluate("ZhujiMap.filters.year") == "2026"


def test_projects_without_a_point_are_counted_in_the_filter_box(browser, base_url):
    """Projects of several towns or the whole city are not on the map; the filter box says how many."""
    w = Page(browser, base_url, DESKTOP[0])
    try:
        def more(route):
            layers = json.loads(urllib.request.urlopen(route.request.url).read())
            for layer in layers:
                if layer["id"] == "projects":
                    layer["count"] += 2                 # as if two were city-wide
            route.fulfill(status=200, content_type="application/json", body=json.dumps(layers))
        w.page.route("**/api/layers?*", more)
        page = w.open()
        note = page.locator("#zj-filters-projects .zj-filter-note")
        note.wait_for(timeout=5000)
        assert note.inner_text() == "另有2个跨镇街/全市项目未落点"
    finally:
        w.close()


# ---------------------------------------------------------------- layer settings
def test_opacity_and_order_of_layers(opened):
    w = opened()
    page = w.page
    page.click("#zj-settings summary")
    page.wait_for_selector("#zj-settings .zj-setting")      # the rows are built on the fold's toggle event
    rows = page.evaluate("Array.from(document.querySelectorAll('#zj-settings .zj-setting')).map(r => r.dataset.layer)")
    assert rows[-1] == "basemap" and set(rows[:-1]) == set(page.evaluate("ZhujiMap.cfg.layers.map(d => d.id)"))
    towns = page.locator("#zj-settings .zj-setting[data-layer=towns] input[type=range]")
    towns.fill("40")
    assert page.evaluate("getComputedStyle(ZhujiMap.map.getPane('zj-towns')).opacity") == "0.4"
    above = rows[rows.index("towns") - 1]
    z_before = page.evaluate("([a, b]) => [a, b].map(id => +ZhujiMap.map.getPane('zj-' + id).style.zIndex)", ["towns", above])
    page.click("#zj-settings .zj-setting[data-layer=towns] button[aria-label=上移]")
    z_after = page.evaluate("([a, b]) => [a, b].map(id => +ZhujiMap.map.getPane('zj-' + id).style.zIndex)", ["towns", above])
    assert z_after == [z_before[1], z_before[0]]
    rows2 = page.evaluate("Array.from(document.querySelectorAll('#zj-settings .zj-setting')).map(r => r.dataset.layer)")
    assert rows2.index("towns") == rows.index("towns") - 1


# ---------------------------------------------------------------- basemaps
def test_no_basemap_by_default_and_no_other_host(opened):
    w = opened()
    page = w.page
    base = page.locator(".leaflet-control-layers-base label")
    assert base.count() == 1 and base.first.inner_text().strip() == "无底图" and base.first.locator("input").is_checked()
    assert page.locator(".leaflet-tile").count() == 0
    assert w.foreign() == [] and not [u for u in w.requests if "/tiles/" in u]


def fetch(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.headers, r.read()              # headers: case-insensitive
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def xyz(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


@pytest.mark.gdal
def test_offline_mbtiles_basemap_is_served_with_the_rows_flipped(offline_url):
    from PIL import Image
    north, south = xyz(120.25, 29.9, 9), xyz(120.25, 29.4, 9)
    status, headers, body = fetch(f"{offline_url}/tiles/zhuji-offline/9/{north[0]}/{north[1]}.png")
    assert status == 200 and headers["Content-Type"] == "image/png" and "max-age" in headers["Cache-Control"]
    assert Image.open(io.BytesIO(body)).convert("RGB").getpixel((128, 200))[0] > 150       # red: the north half
    _, _, south_tile = fetch(f"{offline_url}/tiles/zhuji-offline/9/{south[0]}/{south[1]}.png")
    assert Image.open(io.BytesIO(south_tile)).convert("RGB").getpixel((128, 60))[2] > 150   # blue: the south half
    assert fetch(f"{offline_url}/tiles/zhuji-offline/9/{north[0]}/{north[1]}.png", {"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(f"{offline_url}/tiles/zhuji-offline/9/0/0.png")[0] == 404                  # not in the file
    assert fetch(f"{offline_url}/tiles/zhuji-offline/40/0/0.png")[0] == 404
    assert fetch(f"{offline_url}/tiles/nosuch/9/0/0.png")[0] == 404
    assert fetch(f"{offline_url}/tiles/..%2F..%2Fetc/9/0/0.png")[0] == 404


@pytest.mark.gdal
def test_offline_basemap_in_the_switcher_and_drawn(browser, offline_url):
    w = Page(browser, offline_url, DESKTOP[0])
    try:
        page = w.open()
        labels = [t.strip() for t in page.locator(".leaflet-control-layers-base label").all_inner_texts()]
        assert labels == ["无底图", "测试底图"]
        assert page.locator(".leaflet-control-layers-base label", has_text="测试底图").locator("input").is_checked()
        page.wait_for_function("""Array.from(document.querySelectorAll('img.leaflet-tile-loaded'))
            .some(i => i.src.includes('/tiles/zhuji-offline/') && i.complete && i.naturalWidth === 256)""", timeout=10000)
        tiles = [u for u in w.requests if "/tiles/" in u]
        assert tiles and all(u.startswith(offline_url + "/tiles/zhuji-offline/") for u in tiles)
        page.locator(".leaflet-control-layers-base label", has_text="无底图").locator("input").click()
        page.wait_for_function("document.querySelectorAll('img.leaflet-tile').length === 0")
        assert w.foreign() == [] and w.errors == []
    finally:
        w.close()


def test_a_gcj02_basemap_shifts_the_overlays(browser, base_url):
    """Gaode tiles are GCJ-02: while such a basemap is on, everything drawn moves with it (and back)."""
    w = Page(browser, base_url, DESKTOP[0])
    try:
        page = w.open()
        page.route(re.compile(r"https?://(?!127\.0\.0\.1).*"), lambda route: route.abort())    # never leave the machine
        before = page.evaluate("ZhujiMap.layers.towns.features[0].getBounds().getCenter()")
        page.evaluate("""(() => { const g = L.layerGroup(); g._zjBasemap = {id: 'gcj', datum: 'gcj02'};
            ZhujiMap.control.addBaseLayer(g, 'GCJ'); })()""")
        page.locator(".leaflet-control-layers-base label", has_text="GCJ").locator("input").click()
        moved = page.evaluate("ZhujiMap.layers.towns.features[0].getBounds().getCenter()")
        assert page.evaluate("ZhujiMap.datum") == "gcj02"
        assert 0.002 < moved["lng"] - before["lng"] < 0.01 and -0.005 < moved["lat"] - before["lat"] < 0
        page.locator(".leaflet-control-layers-base label", has_text="无底图").locator("input").click()
        back = page.evaluate("ZhujiMap.layers.towns.features[0].getBounds().getCenter()")
        assert abs(back["lng"] - before["lng"]) < 1e-9 and abs(back["lat"] - before["lat"]) < 1e-9
    finally:
        w.close()


# ---------------------------------------------------------------- print dialog
def test_print_dialog_sends_the_map_state_and_downloads(opened):
    w = opened()
    page = w.page
    page.select_option("#zj-filters-projects select[name=sector]", "交通强省")
    seen = []

    def answer(route):
        seen.append(route.request.url)
        route.fulfill(status=200, body=b"%PDF-1.4 test", headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": "attachment; filename=zhuji-map-axis.pdf; filename*=UTF-8''%E5%8F%91%E5%B1%95%E8%BD%B4.pdf"})
    page.route("**/api/print.*", answer)
    page.click("#zj-print-open")
    dialog = page.locator("#zj-print")
    assert dialog.is_visible()
    assert page.input_value("#zj-print input[name=title]") == page.evaluate("ZhujiMap.cfg.viewTitle")
    page.select_option("#zj-print select[name=size]", "A3")
    page.fill("#zj-print input[name=approval]", "浙S(2026)1号")
    with page.expect_download() as dl:
        page.click("#zj-print .zj-print-go")
    assert dl.value.suggested_filename == "发展轴.pdf"
    q = urllib.parse.parse_qs(urllib.parse.urlparse(seen[0]).query)
    assert urllib.parse.urlparse(seen[0]).path == "/api/print.pdf"
    assert q["view"] == ["axis"] and q["size"] == ["A3"] and q["sector"] == ["交通强省"] and q["approval"] == ["浙S(2026)1号"]
    assert set(q["layers"][0].split(",")) == {"axis", "zones", "towns", "projects"}
    bbox = [float(v) for v in q["bbox"][0].split(",")]
    (s, w_), (n, e) = page.evaluate("ZhujiMap.cfg.bounds")
    assert bbox[0] < w_ < e < bbox[2] and bbox[1] < s < n < bbox[3], "the map's free area holds the county"
    assert bbox[2] - bbox[0] < 2.5 * (e - w_) and bbox[3] - bbox[1] < 1.5 * (n - s), "…and not much more"
    assert "dpi" not in q
    page.wait_for_function("document.querySelector('#zj-print .zj-print-status').textContent.includes('发展轴.pdf')")


def test_print_dialog_says_so_when_the_server_cannot_print(opened):
    w = opened()
    page = w.page
    page.route("**/api/print.*", lambda route: route.fulfill(status=404, content_type="application/json",
                                                             body=json.dumps({"code": "NotFound", "zh": "请求的资源不存在"})))
    page.click("#zj-print-open")
    page.select_option("#zj-print select[name=format]", "png")
    assert page.locator("#zj-print input[name=dpi]").is_enabled()
    page.click("#zj-print .zj-print-go")
    page.wait_for_function("document.querySelector('#zj-print .zj-print-status').textContent.includes('尚未启用')")
    page.click("#zj-print .zj-print-close")
    assert not page.locator("#zj-print").is_visible()


# ---------------------------------------------------------------- phone
def covered_share(page, size):
    """Share of the screen under the header and the (folded) panels."""
    boxes = page.evaluate("""Array.from(document.querySelectorAll('#zj-header, .leaflet-control'))
        .map(e => e.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0).map(r => [r.left, r.top, r.right, r.bottom])""")
    # rasterise at 2 px so overlapping boxes count once
    cells = set()
    for x0, y0, x1, y1 in boxes:
        for x in range(max(0, int(x0)) // 2, min(size[0], math.ceil(x1)) // 2):
            for y in range(max(0, int(y0)) // 2, min(size[1], math.ceil(y1)) // 2):
                cells.add((x, y))
    return len(cells) * 4 / (size[0] * size[1])


def test_phone_keeps_the_map_and_folds_the_panels(opened):
    w = opened(PHONE, touch=True)
    page = w.page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map-phone-390x844.png"))
    m = rect(page, ".folium-map")
    assert (m[2] - m[0]) * (m[3] - m[1]) >= 0.99 * PHONE[0] * PHONE[1]
    for panel in ("#zj-layers", "#zj-legend", "#zj-filters-projects"):
        assert "zj-collapsed" in page.get_attribute(panel, "class")
    assert covered_share(page, PHONE) <= 0.30, "the map keeps at least 70 % of the screen"
    search = rect(page, "#zj-search")
    assert search[2] - search[0] >= 0.85 * PHONE[0]
    county = page.evaluate(PROJECT, page.evaluate("ZhujiMap.cfg.bounds"))
    assert county[2] - county[0] >= 0.5 * PHONE[0], "the county is not a thumbnail"
    form = page.locator("#zj-layers .leaflet-control-layers-list")
    assert not form.is_visible()
    page.tap("#zj-layers .zj-panel-toggle")
    assert form.is_visible() and rect(page, "#zj-layers")[2] <= PHONE[0]
    page.tap("#zj-layers .zj-panel-toggle")
    assert not form.is_visible()
    page.tap(".zj-menu-button")
    assert page.locator(".zj-views").is_visible() and page.locator("#zj-print-open").is_visible()
    page.tap(".zj-menu-button")
    assert w.errors == []


def test_phone_popups_open_on_tap_and_fit(opened):
    w = opened(PHONE, touch=True)
    page = w.page
    # a tap snaps to the nearest clickable thing (Chromium's touch adjustment): no project clusters nearby
    page.evaluate("void ZhujiMap.map.removeLayer(ZhujiMap.groups.projects)")
    town = town_centre(page, "赵家镇")
    page.touchscreen.tap(*screen_point(page, *town))
    page.wait_for_selector(".leaflet-popup-content h3", timeout=5000)
    page.evaluate(SETTLED)
    assert "赵家镇" in page.locator(".leaflet-popup-content h3").inner_text()
    check_popup_clear_of(w, town, max_width=PHONE[0] - 40)


# ---------------------------------------------------------------- basemap configuration (no browser needed)
def test_basemaps_setting_from_toml_and_environment(tmp_path):
    from web import config
    from web.basemaps import basemaps_for
    toml = tmp_path / "c.toml"
    toml.write_text('basemap = "tianditu"\ntianditu_key = "K1"\n\n[[basemaps]]\nname = "内网影像"\n'
                    'url = "http://10.0.0.5/wmts?TileMatrix={TileMatrix}&TileCol={TileCol}&TileRow={TileRow}"\n'
                    'type = "wmts"\ndatum = "CGCS2000"\nmax_zoom = 17\n', encoding="utf-8")
    cfg = config.load(config_file=str(toml), environ={"ZHUJI_MAP_BASEMAP_DIR": str(tmp_path)})
    maps, gcj = basemaps_for(cfg)
    assert [m["name"] for m in maps] == ["天地图 矢量", "内网影像"] and not gcj
    assert len(maps[0]["layers"]) == 2 and "tk=K1" in maps[0]["layers"][1]["url"]          # 矢量 + 注记
    assert maps[1]["layers"] == [{"url": "http://10.0.0.5/wmts?TileMatrix={z}&TileCol={x}&TileRow={y}", "maxNativeZoom": 17}]
    assert maps[1]["datum"] == "cgcs2000"
    env = {"ZHUJI_MAP_BASEMAPS": json.dumps([{"name": "高德", "url": "https://x/{z}/{x}/{y}.png", "datum": "gcj-02"}])}
    maps, gcj = basemaps_for(config.load(environ=env))
    assert gcj and maps[0]["datum"] == "gcj02"


@pytest.mark.parametrize("entry, field", [
    ({"name": "a", "url": "https://x/{z}/{x}/{y}.png"}, "basemaps[0].datum"),
    ({"name": "a", "url": "https://x/{z}/{x}/{y}.png", "datum": "bd09"}, "basemaps[0].datum"),
    ({"name": "a", "url": "https://x/tiles.png", "datum": "wgs84"}, "basemaps[0].url"),
    ({"name": "a", "url": "https://x/{z}/{x}/{y}.png", "datum": "wgs84", "colour": "red"}, "basemaps[0].colour"),
    ({"name": "a", "url": "https://x/{z}/{x}/{y}.png", "datum": "wgs84", "type": "wms"}, "basemaps[0].type"),
])
def test_a_wrong_basemap_entry_is_named(entry, field):
    from web import config
    from web.basemaps import basemaps_for
    with pytest.raises(config.ConfigError) as e:
        basemaps_for(config.load({"basemaps": [entry]}, environ={}))
    assert e.value.field == field and "basemaps" in e.value.zh
    with pytest.raises(config.ConfigError, match="basemaps"):
        config.load(environ={"ZHUJI_MAP_BASEMAPS": "{not json"})


@pytest.mark.gdal
def test_the_page_names_the_offline_basemap_but_not_its_file(tmp_path, monkeypatch):
    import server
    make_mbtiles(tmp_path)
    monkeypatch.setenv("ZHUJI_MAP_DATA_DIR", str(tmp_path / "store"))
    html = server.create_app({"basemap_dir": tmp_path}).test_client().get("/").get_data(as_text=True)
    from tests.test_server import page_config
    maps = page_config(html)["basemaps"]
    assert [m["name"] for m in maps] == ["测试底图"] and maps[0]["layers"][0]["url"] == "/tiles/zhuji-offline/{z}/{x}/{y}.png"
    assert str(tmp_path) not in html
