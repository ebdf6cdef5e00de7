"""The map in real headless Chromium (Debian's /usr/bin/chromium driven by Playwright)."""

import pytest

from tests.conftest import REPO
from tests.live import import_projects, start_server

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "test-artifacts"



@pytest.fixture(scope="module")
def base_url():
    from tests.test_projects import excel_gbk_139
    proc, url = start_server()
    result = import_projects(url, excel_gbk_139(), "projects-2026.csv")   # includes a <script> name
    assert result["imported"] == 139
    yield url
    proc.terminate()
    proc.wait(10)


class Watched:
    """A page that records console errors and every request it makes."""

    def __init__(self, browser, base_url):
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.errors, self.requests, self.base = [], [], base_url
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.dialogs = []                                    # alert() from injected markup would land here
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def open(self, path="/"):
        self.page.goto(self.base + path)
        self.page.wait_for_selector("body[data-zhuji-ready='1']", timeout=15000)
        return self.page

    def foreign(self):
        return [u for u in self.requests if not u.startswith(self.base) and not u.startswith("data:")]


@pytest.fixture
def watched(browser, base_url):
    w = Watched(browser, base_url)
    yield w
    w.page.close()


def test_page_loads_offline_without_errors(watched):
    page = watched.open("/")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map-axis.png"))
    assert watched.errors == []
    assert watched.foreign() == [], "the page must not contact any other host"
    counts = page.evaluate("Object.fromEntries(Object.entries(ZhujiMap.layers).map(([k, v]) => [k, v.count]))")
    assert counts == {"axis": 2, "zones": 6, "towns": 23, "corridors": 33, "clusters": 23, "communities": 11,
                      "projects": 139}
    # the axis and the towns it serves are drawn and labelled at first sight
    assert page.evaluate("ZhujiMap.map.hasLayer(ZhujiMap.groups.axis) && ZhujiMap.map.hasLayer(ZhujiMap.groups.towns)")
    labels = page.locator(".zj-label-axis").all_inner_texts()
    assert {"店口", "枫桥", "暨阳", "姚江"} <= set(labels)
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator(".leaflet-control-measure").count() == 1
    assert page.locator(".leaflet-control-zoom-fullscreen").count() == 1
    assert page.locator(".leaflet-control-minimap").count() == 1
    assert page.locator(".zj-legend").count() == 1
    # every module the page ran was announced up front (modulepreload): fetched at once, not level by level
    modules = {u.split("/static/js/")[1] for u in watched.requests if "/static/js/" in u}
    announced = set(page.evaluate("[...document.querySelectorAll('link[rel=modulepreload]')].map(l => l.href)"
                                  ".map(h => h.split('/static/js/')[1])"))
    assert "main.js" in modules and modules <= announced, sorted(modules - announced)
    # the layer data was asked for first thing in the head (early_fetch) and each URL once: main.js took
    # the early answers instead of asking again
    data = [u.split("/api/")[1] for u in watched.requests if "/api/" in u and (".geojson" in u or "/api/map/" in u)]
    assert sorted(data) == sorted(set(data)) and len(data) == 8, data
    assert page.evaluate("Object.keys(window.ZhujiEarly)") == []


def test_every_overlay_toggles(watched):
    page = watched.open("/")
    boxes = page.locator(".leaflet-control-layers-overlays input[type=checkbox]")
    n = boxes.count()
    keys = page.evaluate("Object.keys(ZhujiMap.groups)")
    assert n == len(keys) == 11
    for i in range(n):
        box = boxes.nth(i)
        before = box.is_checked()
        on_map = page.evaluate("Object.keys(ZhujiMap.groups).filter(k => ZhujiMap.map.hasLayer(ZhujiMap.groups[k])).length")
        box.click()
        assert box.is_checked() != before
        after = page.evaluate("Object.keys(ZhujiMap.groups).filter(k => ZhujiMap.map.hasLayer(ZhujiMap.groups[k])).length")
        assert after == on_map + (1 if not before else -1)
        drawn = page.evaluate("(k) => ZhujiMap.groups[k].getLayers().length", keys[i])
        assert drawn > 0, keys[i]
    assert watched.errors == []


def click_at(page, lat, lon):
    pt = page.evaluate("([lat, lon]) => { const p = ZhujiMap.map.latLngToContainerPoint([lat, lon]);"
                       " const r = ZhujiMap.map.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }",
                       [lat, lon])
    page.mouse.click(*pt)


def test_clicking_a_town_opens_its_zhuanlan10_text(watched):
    page = watched.open("/")
    centre = page.evaluate("""(() => { const t = ZhujiMap.layers.towns.features.find(f => f.feature.properties.name === '赵家镇');
        const c = t.getCenter(); return [c.lat, c.lng]; })()""")
    click_at(page, *centre)                      # inside 赵家镇, away from its seat (where its projects cluster)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    text = popup.inner_text()
    assert "赵家镇" in text and "推进香榧一二三产业融合发展" in text
    assert "千年榧韵共富片区" in text and "示意" in text


SETTLED = """() => new Promise(resolve => {
    const m = ZhujiMap.map, done = () => requestAnimationFrame(() => requestAnimationFrame(resolve));
    if (m._animatingZoom || (m._panAnim && m._panAnim._inProgress)) m.once("moveend", done); else done(); })"""


def test_search_by_pinyin_finds_fengqiao(watched):
    page = watched.open("/")
    page.fill("#zj-search", "fengqiao")
    hit = page.locator("#zj-results button").first
    assert "枫桥镇" in hit.inner_text()
    hit.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    page.evaluate(SETTLED)                      # the map has stopped moving: the popup must still be open
    assert popup.is_visible() and page.evaluate("ZhujiMap.map.hasLayer(ZhujiMap.map._popup)")
    assert "创新发展平安产业、文旅产业" in popup.inner_text()
    page.fill("#zj-search", "田上")
    assert "田上枫景共富片区" in page.locator("#zj-results").inner_text()
    page.fill("#zj-search", "hgxz")                  # initials of 海归小镇
    assert "海归小镇" in page.locator("#zj-results").inner_text()


def test_permalink_restores_view_zoom_and_layers(watched, browser, base_url):
    page = watched.open("/?view=prosperity")
    page.evaluate("void ZhujiMap.map.setView([29.8, 120.3], 12)")
    page.locator(".leaflet-control-layers-overlays label", has_text="在建项目").locator("input").click()
    url = page.url
    assert "#map=12/29.8" in url and "clusters" in url and "corridors%3A%E5%9C%A8%E5%BB%BA" in url
    other = Watched(browser, base_url)
    p2 = other.page
    p2.goto(url)
    p2.wait_for_selector("body[data-zhuji-ready='1']")
    assert p2.evaluate("ZhujiMap.map.getZoom()") == 12
    assert p2.evaluate("ZhujiMap.map.hasLayer(ZhujiMap.groups['corridors:在建'])")
    assert p2.evaluate("ZhujiMap.map.hasLayer(ZhujiMap.groups.clusters)")
    assert not p2.evaluate("ZhujiMap.map.hasLayer(ZhujiMap.groups.axis)")
    p2.close()


def test_english_ui(watched):
    page = watched.open("/?lang=en&view=transport")
    assert "Zhuji 15th Five-Year Plan map" in page.locator("#zj-header").inner_text()
    assert "Under construction" in page.locator(".leaflet-control-layers").inner_text()
    assert watched.errors == []


def test_data_text_never_runs_as_html(browser, data_copy):
    """A name or text holding markup is shown as text in tooltips and popups; no script runs."""
    plan, bounds = data_copy
    csv = (plan / "clusters.csv").read_text(encoding="utf-8")
    evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    csv = csv.replace("十里春风共富片区,东和特色竹产业", f"十里春风{evil}共富片区,东和特色竹产业{evil}", 1)
    (plan / "clusters.csv").write_text(csv, encoding="utf-8")
    proc, url = start_server({"ZHUJI_MAP_PLAN_DIR": str(plan), "ZHUJI_MAP_BOUNDARIES_DIR": str(bounds)})
    try:
        w = Watched(browser, url)
        page = w.open("/?view=prosperity")
        page.fill("#zj-search", "十里春风")
        page.locator("#zj-results button").first.click()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(timeout=5000)
        assert "<script>window.__pwned=2</script>" in popup.inner_text()
        assert page.evaluate("window.__pwned") is None
        assert w.foreign() == []           # the <img src=x> was never requested
        w.page.close()
    finally:
        proc.terminate()
        proc.wait(10)


def test_projects_clustered_filtered_and_escaped(watched):
    page = watched.open("/")
    assert page.locator(".zj-cluster").count() > 0                 # clustered markers
    assert page.evaluate("ZhujiMap.layers.projects.layer.shown.length") == 139
    legend = page.locator('.zj-legend-sec[data-layer="projects"] .zj-legend-row')
    assert "先进制造业基地" in legend.all_inner_texts()
    page.evaluate("window.__all = ZhujiMap.layers.projects.layer.index")
    page.select_option("#zj-filters-projects select[name=sector]", "交通强省")
    assert page.evaluate("ZhujiMap.layers.projects.shown") == 17          # 专栏8: 17 transport projects
    assert "交通强省" in legend.all_inner_texts() and "先进制造业基地" not in legend.all_inner_texts()
    page.evaluate("window.__transport = ZhujiMap.layers.projects.layer.index")
    page.select_option("#zj-filters-projects select[name=sector]", "")
    # back to a choice made before: its index is the one kept, not built again
    assert page.evaluate("ZhujiMap.layers.projects.layer.index === window.__all")
    page.select_option("#zj-filters-projects select[name=sector]", "交通强省")
    assert page.evaluate("ZhujiMap.layers.projects.layer.index === window.__transport")
    assert page.evaluate("ZhujiMap.layers.projects.layer.index.points.length") == 17
    page.select_option("#zj-filters-projects select[name=sector]", "")
    # kept: the unfiltered index, then the most recently used ones while they hold no more points than placed
    kept = page.evaluate("""() => { const p = ZhujiMap.layers.projects.layer, n = p.placed.length, seen = [];
        p.setShown(p.placed, "a"); p.setShown(p.placed.slice(0, n - 20), "b");   // a + b > n: a goes (and 交通强省)
        seen.push(Array.from(p.indexes.keys()));
        const b = p.index;
        p.setShown(p.placed.slice(0, 10), "c"); p.setShown(p.placed.slice(0, n - 20), "b");   // b again: kept, last
        seen.push(Array.from(p.indexes.keys()), p.index === b);
        p.setShown(p.placed.slice(0, 5));                                        // no choice named: not kept
        seen.push(Array.from(p.indexes.keys()));
        p.setShown(p.placed, ""); return seen; }""")
    assert kept == [["", "b"], ["", "c", "b"], True, ["", "c", "b"]], kept
    # the project whose name holds <script> is shown as text, and no script runs
    latlng = page.evaluate("""() => { const p = ZhujiMap.layers.projects.layer;
        const ll = p.reveal(p.placed.find(i => String(p.value(i, 'name')).includes('<script>'))); return [ll.lat, ll.lng]; }""")
    page.evaluate(SETTLED)
    click_at(page, *latlng)                                          # a real click on the marker
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    if page.locator(".leaflet-popup-content .zj-stack").count():     # several projects on that spot: a list
        page.locator(".zj-stack-item", has_text="<script>").click()
    page.wait_for_selector(".leaflet-popup-content dl", timeout=5000)     # the full record has arrived
    text = popup.inner_text()
    assert '<script>alert("x")</script>诸暨项目' in text and "所在镇街" in text and "先进制造业基地" in text
    assert page.locator(".leaflet-popup-content script").count() == 0
    assert watched.dialogs == [] and watched.errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map-projects.png"))


DISCS = """() => { const p = ZhujiMap.layers.projects.layer, b = ZhujiMap.map.getBounds();
    const want = p.index.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], Math.round(ZhujiMap.map.getZoom()));
    const spots = {};
    for (const f of want) if (!f.properties.cluster) spots[f.geometry.coordinates] = (spots[f.geometry.coordinates] || 0) + 1;
    const counts = want.filter((f) => f.properties.cluster).map((f) => f.properties.point_count)
        .concat(Object.values(spots).filter((n) => n > 1));
    const shown = [...document.querySelectorAll(".leaflet-marker-icon.zj-cluster")].map((e) =>
        [Number(e.textContent), e.className.match(/zj-disc-(\\w)/)[1]]);
    const size = (n) => (n < 10 ? "s" : n < 100 ? "m" : "l");
    return {want: counts.sort((a, b) => a - b), shown: shown.map((x) => x[0]).sort((a, b) => a - b),
            sized: shown.every(([n, s]) => size(n) === s)}; }"""


def test_discs_are_moved_and_relabelled_to_match_the_filter(watched):
    """A filter change or a pan moves and relabels the discs already on the map (no new markers); every disc
    still shows its cluster's count at its size, also after the layer is switched off and on again."""
    page = watched.open("/")
    before = page.evaluate(DISCS)
    assert before["want"] and before["shown"] == before["want"] and before["sized"], before
    page.evaluate("window.__els = ZhujiMap.layers.projects.layer.view.discs.map((m) => m.getElement())")
    largest = page.evaluate("""() => { const c = ZhujiMap.layers.projects.layer.counts("sector");
        return Object.keys(c).sort((a, b) => c[b] - c[a])[0]; }""")         # a choice that still has discs
    page.select_option("#zj-filters-projects select[name=sector]", largest)
    after = page.evaluate(DISCS)
    assert after["shown"] == after["want"] and after["sized"] and after["want"] != before["want"], after
    assert page.evaluate("""ZhujiMap.layers.projects.layer.view.discs.every((m, i) =>
        i >= window.__els.length || m.getElement() === window.__els[i])"""), "discs are kept and moved"
    toggle = page.locator(".leaflet-control-layers-overlays label", has_text="重大项目").locator("input")
    toggle.click()
    assert page.locator(".leaflet-marker-icon.zj-cluster").count() == 0
    toggle.click()
    again = page.evaluate(DISCS)
    assert again["shown"] == after["want"] and again["sized"], again
    page.select_option("#zj-filters-projects select[name=sector]", "")
    assert page.evaluate(DISCS)["shown"] == before["want"]
    assert watched.errors == []


def test_download_buttons(watched):
    page = watched.open("/")
    page.click("#zj-download summary")
    page.select_option("#zj-download select[name=layer]", "towns")
    page.select_option("#zj-download select[name=format]", "shp")
    page.select_option("#zj-download select[name=crs]", "EPSG:4549")
    href = page.get_attribute("#zj-download .zj-download-link", "href")
    assert href == "/api/export/towns.shp?crs=EPSG%3A4549"
    with page.expect_download() as dl:
        page.click("#zj-download .zj-download-link")
    assert dl.value.suggested_filename.startswith("zhuji-towns-") and dl.value.suggested_filename.endswith("-EPSG4549.zip")


# ---------------------------------------------------------------- 查询此处 / 范围统计 / charts (issue 13)
def _json(url):
    import json
    import urllib.request
    return json.loads(urllib.request.urlopen(url).read())


def _screen(page, lat, lon):
    return page.evaluate("([lat, lon]) => { const p = ZhujiMap.map.latLngToContainerPoint([lat, lon]);"
                         " const r = ZhujiMap.map.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }",
                         [lat, lon])


def _lonlat(page, x, y):
    return page.evaluate("([x, y]) => { const r = ZhujiMap.map.getContainer().getBoundingClientRect();"
                         " const ll = ZhujiMap.map.containerPointToLatLng([x - r.left, y - r.top]); return [ll.lng, ll.lat]; }", [x, y])


def test_draw_a_polygon_and_read_the_counts(watched, base_url):
    from shapely.geometry import Polygon, shape
    page = watched.open("/")
    cx, cy = _screen(page, 29.72, 120.245)                     # around the city centre, where projects crowd
    corners = [(cx - 110, cy - 90), (cx + 120, cy - 70), (cx + 90, cy + 100), (cx - 100, cy + 80)]
    page.click(".zj-ask-area")
    page.click(".zj-draw-polygon")
    for n, (x, y) in enumerate(corners + corners[:1]):            # back on the first point closes the shape
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        if n < len(corners):        # leaflet-draw ignores a click that comes within 50 ms of the last vertex
            page.wait_for_function("(n) => { const h = ZhujiMap.drawHandler; return h._markers.length === n && !h._disableMarkers; }",
                                   arg=n + 1)
    page.wait_for_selector("#zj-answer[data-state='answered']", timeout=10000)
    area = Polygon([_lonlat(page, x, y) for x, y in corners])
    pts = [f for f in _json(base_url + "/api/layers/projects.geojson")["features"] if f["geometry"]]
    inside = [f["properties"] for f in pts if area.contains(shape(f["geometry"]))]
    assert len(inside) >= 10                                        # the test asks a question with an answer
    total = page.locator(".zj-answer-total").inner_text()
    inv = round(sum(p["investment"] or 0 for p in inside), 2)
    assert f"范围内 {len(inside)} 个项目" in total and f"总投资 {inv:g} 亿元" in total, (total, len(inside), inv)
    rows = page.locator(".zj-answer-table").first.locator("tr").all_inner_texts()[1:]
    by_sector = {r.split("\t")[0]: int(r.split("\t")[1]) for r in rows}
    assert sum(by_sector.values()) == len(inside)
    assert by_sector == {s: sum(p["sector"] == s for p in inside) for s in {p["sector"] for p in inside}}
    assert page.locator(".zj-answer-export").first.get_attribute("href").startswith("/api/stats.xlsx?")
    assert watched.errors == [] and watched.foreign() == []


def test_identify_lists_everything_at_a_point_and_opens_no_popup(watched, base_url):
    from shapely.geometry import shape
    page = watched.open("/")
    town = next(f for f in _json(base_url + "/api/layers/towns.geojson")["features"] if f["properties"]["name"] == "浣东街道")
    p = shape(town["geometry"]).representative_point()
    page.click(".zj-ask-identify")
    assert page.get_attribute(".zj-ask-identify", "aria-pressed") == "true"
    page.mouse.click(*_screen(page, p.y, p.x))
    page.wait_for_selector("#zj-answer[data-state='answered']", timeout=10000)
    text = page.locator("#zj-answer").inner_text()
    assert "浣东街道" in text and "融杭通金" in text and "枫桥经验" in text and "公里" in text
    assert "示意线" in text
    assert page.locator(".leaflet-popup").count() == 0              # the click was a question, not a popup
    page.click(".zj-answer-close")
    assert page.get_attribute(".zj-ask-identify", "aria-pressed") == "false"
    click_at(page, p.y, p.x)                                         # back to popups
    page.wait_for_selector(".leaflet-popup-content", timeout=5000)
    assert watched.errors == []


def test_axis_band_statistics_follow_the_year_filter(watched, base_url):
    page = watched.open("/")
    page.select_option("#zj-filters-projects select[name=year]", "2026")
    page.click(".zj-ask-area")
    page.select_option(".zj-answer-named select[name=kind]", "axis")
    page.select_option(".zj-answer-named select[name=which]", "EW")
    page.fill(".zj-answer-named input[name=km]", "5")
    page.click(".zj-answer-named button[type=submit]")
    page.wait_for_selector("#zj-answer[data-state='answered']", timeout=10000)
    api = _json(base_url + "/api/stats?axis=EW&km=5&year=2026")
    assert "2026年" in page.locator(".zj-answer-filters").inner_text()
    assert f"范围内 {api['projects']} 个项目" in page.locator(".zj-answer-total").inner_text()
    assert "枫桥经验发展轴两侧5公里" in page.locator(".zj-answer-head").inner_text()
    # on paper: the print link carries the area and the year, and the PDF states the same total
    href = page.get_attribute(".zj-answer-print", "href")
    assert "area_axis=EW" in href and "area_km=5" in href and "year=2026" in href
    pdf = page.request.get(base_url + href)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    path = ARTIFACTS / "area-statistics.pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    path.write_bytes(pdf.body())
    import re
    import subprocess
    words = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout)
    assert f"{api['projects']}个项目，总投资{api['investment_yi']}亿元" in words


@pytest.mark.parametrize("path, ready", [("/analysis", "body[data-dashboard]"), ("/indicators", "body[data-charts]")])
def test_charts_render_with_no_request_to_another_host(watched, path, ready):
    page = watched.page
    page.goto(watched.base + path)
    page.wait_for_selector(ready, timeout=15000)
    charts = page.locator("[data-drawn='1']")
    assert charts.count() >= (6 if path == "/analysis" else 10)
    assert page.locator("[data-drawn='1'] svg").count() == charts.count()     # drawn by ECharts, as SVG
    assert watched.foreign() == [] and watched.errors == []
