"""The workbench as a project officer uses it, in headless Debian Chromium: sign in, upload the office's
lists (a GBK CSV with a title row; a GCJ-02 workbook with a two-row merged header), map a column, choose
the coordinate system, preview, commit, edit, export the filtered table, roll a list back."""
import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import shapely

import geo
from geo.datum import wgs84_to_gcj02
from tests.conftest import REPO
from tests.live import start_server
from tests.test_workbench import PASSWORD, officer_list

pytestmark = pytest.mark.browser


def border_points(data, n=6):
    """WGS84 points whose GCJ-02 coordinates, taken as WGS84 by mistake, fall in another town: only a real
    conversion puts them in the right one."""
    towns = data.towns[["code", "name", "geometry"]]
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = data.county.total_bounds
    out = []
    while len(out) < n:
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        gx, gy = (float(v) for v in wgs84_to_gcj02(lon, lat))
        here = towns[towns.contains(shapely.Point(lon, lat))]
        there = towns[towns.contains(shapely.Point(gx, gy))]
        if len(here) == 1 and len(there) == 1 and here["code"].iloc[0] != there["code"].iloc[0]:
            out.append((lon, lat, gx, gy, here["name"].iloc[0]))
    return out


def gcj_workbook(points) -> bytes:
    """Title, then a two-row header: 坐标（GCJ-02 not said!) merged over 经度/纬度, 投资（亿元） over two columns."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2026年诸暨市重大项目（第二批）"])
    ws.append(["序号", "项目名称", "坐标", None, "投资（亿元）", None, "推进情况", "牵头单位"])
    ws.append([None, None, "经度", "纬度", "总投资", "2026年计划投资", None, None])
    for a, b in (("A2", "A3"), ("B2", "B3"), ("G2", "G3"), ("H2", "H3"), ("C2", "D2"), ("E2", "F2")):
        ws.merge_cells(f"{a}:{b}")
    for i, (_, _, gx, gy, _) in enumerate(points, 1):
        ws.append([i, f"高德取点项目{i}", round(gx, 7), round(gy, 7), 2.0 + i, 1.0, "在建", "发改局"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def site():
    d = tempfile.mkdtemp(prefix="zhuji-wb-")
    env = {**os.environ, "ZHUJI_MAP_DATA_DIR": d}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "cli.py", "users", "add", "chief", "--role", "admin", "--password-stdin"],
                   input=PASSWORD + "\n", text=True, cwd=REPO, env=env, check=True)
    proc, url = start_server({"ZHUJI_MAP_DATA_DIR": d})
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def page(site, browser):
    pg = browser.new_page(viewport={"width": 1366, "height": 900})
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("dialog", lambda d: d.accept())                       # confirm() of rollback / delete
    pg.goto(site + "/work")
    pg.fill("input[name=username]", "chief")
    pg.fill("input[name=password]", PASSWORD)
    pg.click("#login-form button[type=submit]")
    pg.wait_for_url("**/work")
    yield pg
    pg.close()


def preview_done(pg, before):
    pg.wait_for_function("(b) => document.body.dataset.preview && document.body.dataset.preview !== b", arg=before)


def test_gbk_list_with_title_row_is_read_previewed_and_committed(page, site, tmp_path):
    page.goto(site + "/work/upload")
    (tmp_path / "2026年重大项目.csv").write_bytes(officer_list())
    page.set_input_files("#file", str(tmp_path / "2026年重大项目.csv"))
    preview_done(page, "")
    assert page.input_value("#title") == "2026年诸暨市重大项目计划表" and page.input_value("#year") == "2026"
    assert "可导入 4 行" in page.inner_text("#counts") and "跳过 1 行" in page.inner_text("#counts")
    assert "火星村" in page.inner_text("#rejected")
    assert page.evaluate("ZhujiUpload.points.getLayers().length") == 2        # two villages → seats; the rest no point
    page.click("#commit")
    page.wait_for_selector("#done:not([hidden])")
    assert "已导入 4 个项目" in page.inner_text("#done-text")
    assert page.get_attribute("#done-rejected", "href").endswith("rejected.xlsx")
    assert page.errors == []


def test_gcj02_workbook_needs_the_datum_and_lands_in_the_right_towns(page, site, tmp_path):
    data = geo.load()
    points = border_points(data)
    (tmp_path / "第二批.xlsx").write_bytes(gcj_workbook(points))
    page.goto(site + "/work/upload")
    page.set_input_files("#file", str(tmp_path / "第二批.xlsx"))
    preview_done(page, "")
    assert page.is_visible("#datum-needed") and page.is_disabled("#commit")
    mapping = page.evaluate("ZhujiUpload.preview.mapping")
    assert mapping["坐标/经度"] == "lon" and mapping["2026年计划投资（亿元）"] == "investment_year"
    before = page.evaluate("document.body.dataset.preview")
    page.select_option("#mapping select[data-column='推进情况']", "status")      # the officer maps a column
    preview_done(page, before)
    before = page.evaluate("document.body.dataset.preview")
    page.select_option("#datum", "gcj02")                                       # and says where the points came from
    preview_done(page, before)
    rows = page.evaluate("ZhujiUpload.preview.rows")
    assert len(rows) == len(points)
    for r, (lon, lat, _, _, town) in zip(sorted(rows, key=lambda r: r["row"]), points):
        assert abs(r["lon"] - lon) < 1e-6 and abs(r["lat"] - lat) < 1e-6      # the pyproj-free GCJ-02 reference
        assert r["town"] == town and r["accuracy"] == "上报坐标（GCJ-02 已转换）"
    page.click("#commit")
    page.wait_for_selector("#done:not([hidden])")
    assert f"已导入 {len(points)} 个项目" in page.inner_text("#done-text")


def test_table_filters_edits_links_to_the_map_and_exports_the_selection(page, site):
    page.goto(site + "/work/projects")
    page.wait_for_selector("body[data-ready='1']")
    total = page.evaluate("ZhujiTable.rows.length")
    assert total == 10
    page.fill("#q", "高德取点")
    page.wait_for_function("document.body.dataset.filtered === '6'")
    row = page.locator("#projects tbody tr[data-key]").first
    key = row.get_attribute("data-key")
    row.click()
    page.wait_for_selector(".leaflet-popup-content")                          # row → marker
    assert "高德取点项目" in page.inner_text(".leaflet-popup-content")
    row.locator("button").click()                                             # edit
    page.wait_for_selector("#editor[open]")
    page.fill("#edit-form input[name=name]", "高德取点项目（已核实）")
    page.click("#edit-form button[type=submit]")
    page.wait_for_function("(k) => document.body.dataset.selected && document.body.dataset.selected !== k", arg=key)
    assert "高德取点项目（已核实）" in page.locator("#projects tbody tr.selected").inner_text()
    with page.expect_download() as dl:
        page.click("#export-xlsx")
    assert dl.value.suggested_filename.endswith(".xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active
    names = [ws.cell(r, 2).value for r in range(2, ws.max_row + 1)]
    assert len(names) == 6 and "高德取点项目（已核实）" in names and all("高德取点" in n for n in names)
    # one list chosen: its own other columns (牵头单位, kept on import) join the table
    page.fill("#q", "")
    batch = page.evaluate("String(ZhujiTable.rows.find(r => r[ZhujiTable.col.name].startsWith('高德取点'))[ZhujiTable.col.import_id])")
    page.select_option("#f-batch", batch)
    page.wait_for_function("document.body.dataset.filtered === '6'")
    assert "牵头单位" in page.inner_text("#projects thead") and "发改局" in page.inner_text("#projects tbody")
    # marker → row: a real click on a marker selects its row in the table
    target = page.evaluate("ZhujiTable.rows.map(r => r[0]).find(k => k.includes('高德取点项目3'))")
    xy = page.evaluate("""(k) => { const T = ZhujiTable, { ll, layer } = T.view.reveal(T.rowOf.get(k));
        T.map.closePopup();
        const p = T.map.latLngToContainerPoint(ll), r = T.map.getContainer().getBoundingClientRect();
        return [p.x + r.left, p.y + r.top, layer === T.view.markers.get(T.rowOf.get(k))]; }""", target)
    assert xy[2], "drawn on its own, where the map was brought to"
    page.mouse.click(*xy[:2])
    page.wait_for_function("(k) => document.body.dataset.selected === k", arg=target)
    assert page.locator("#projects tbody tr.selected").get_attribute("data-key") == target


def test_projects_on_one_spot_are_one_disc_on_the_table_map_that_lists_them(page, site):
    """Two projects moved (in the editor) onto one spot show as one disc, also at the map's highest zoom; a
    real click on it lists both, and choosing a name selects that project's row. Its popup closes once a
    filter takes the project off the map."""
    page.goto(site + "/work/projects")
    page.wait_for_selector("body[data-ready='1']")
    keys = page.evaluate("ZhujiTable.rows.map(r => r[0]).filter(k => /高德取点项目[45]$/.test(k)).sort()")
    assert len(keys) == 2
    for k in keys:
        page.locator(f"#projects tbody tr[data-key='{k}'] button").click()
        page.wait_for_selector("#editor[open]")
        page.fill("#edit-form input[name=lon]", "120.25")
        page.fill("#edit-form input[name=lat]", "29.7")
        page.click("#edit-form button[type=submit]")
        page.wait_for_function("(k) => document.body.dataset.selected === k", arg=k)
    stack = """(k) => { const T = ZhujiTable, i = T.rowOf.get(k), d = T.view.discs.find((d) => d.what.rows && d.what.rows.includes(i));
        return d ? [d.count, T.map.getZoom()] : null; }"""
    page.evaluate("ZhujiTable.map.setZoom(ZhujiTable.map.getMaxZoom(), {animate: false})")
    assert page.evaluate(stack, keys[0]) == [2, 18]
    xy = page.evaluate("""(k) => { const T = ZhujiTable, { layer } = T.view.reveal(T.rowOf.get(k));
        T.map.closePopup();
        const b = layer.getElement().getBoundingClientRect();
        return [b.left + b.width / 2, b.top + b.height / 2, layer.count, layer.getElement().title]; }""", keys[0])
    assert xy[2] == 2 and xy[3] == "同一位置2个项目，点击列出", xy
    no_popup = "() => document.querySelectorAll('.leaflet-popup').length === 0"      # a closed popup fades out first
    page.wait_for_function(no_popup)
    page.mouse.click(*xy[:2])
    items = page.locator(".leaflet-popup-content .zj-stack-item")
    items.first.wait_for()
    assert "此处2个项目" in page.inner_text(".leaflet-popup-content")
    assert sorted(items.all_inner_texts()) == ["高德取点项目4", "高德取点项目5"]
    items.filter(has_text="高德取点项目4").click()                     # the row last edited (5) was selected
    page.wait_for_function("(k) => document.body.dataset.selected === k", arg=keys[0])
    assert page.locator("#projects tbody tr.selected").get_attribute("data-key") == keys[0]
    assert "高德取点项目4" in page.inner_text(".leaflet-popup-content")
    page.fill("#q", "高德取点项目5")
    page.wait_for_function("() => document.body.dataset.mapped === '1'")
    page.wait_for_function(no_popup)                                      # 项目4 is off the map: its popup too
    page.fill("#q", "")
    assert page.errors == []


def test_every_filter_shows_the_rows_and_total_the_store_holds(page, site):
    """Each choice of year, list, sector, status and town (a project of several towns under each of them)
    shows the rows and investment total counted here from the table's rows as served."""
    page.goto(site + "/work/projects")
    page.wait_for_selector("body[data-ready='1']")
    table = page.request.get(site + "/api/work/table.json").json()
    rows = [dict(zip(table["fields"], r)) for r in table["rows"]]
    tests = {"#f-year": lambda r, v: str(r["year"]) == v, "#f-batch": lambda r, v: str(r["import_id"]) == v,
             "#f-sector": lambda r, v: r["sector"] == v, "#f-status": lambda r, v: r["status"] == v,
             "#f-town": lambda r, v: r["town_code"] == v or v in (r["town_codes"] or "").split(";")}
    seen = 0
    for sel, test in tests.items():
        for value in page.eval_on_selector(sel, "s => [...s.options].map(o => o.value).filter(Boolean)"):
            page.select_option(sel, value)
            want = [r for r in rows if test(r, value)]
            page.wait_for_function("(n) => document.body.dataset.filtered === String(n)", arg=len(want), timeout=10_000)
            inv = f"{round(sum(r['investment'] or 0 for r in want), 2):,.2f}".rstrip("0").rstrip(".")
            assert f"显示 {len(want)} / {len(rows)} 个项目，总投资 {inv} 亿元" in page.inner_text("#summary"), (sel, value)
            seen += bool(want)
        page.select_option(sel, "")
    assert seen >= 8 and any(";" in (r["town_codes"] or "") for r in rows), "choices with rows, a project of several towns"


def test_an_admin_rolls_a_list_back(page, site):
    page.goto(site + "/work/batches")
    second = page.locator("#batches tbody tr", has_text="第二批")
    second.locator(".zj-rollback").click()
    page.wait_for_selector("#batches tbody tr[data-status='rolled_back']")
    assert "已撤销" in page.locator("#batches tbody tr", has_text="第二批").inner_text()
    page.goto(site + "/work/projects")
    page.wait_for_selector("body[data-ready='1']")
    assert page.evaluate("ZhujiTable.rows.length") == 4
    assert page.errors == []


def test_a_second_list_says_which_projects_it_replaces_in_the_pages_language(page, site, tmp_path):
    batches = page.evaluate("fetch('/api/work/batches').then(r => r.json())")
    first = next(b for b in batches if b["title"] == "2026年诸暨市重大项目计划表")
    rows = [["1", "杜黄新村田园综合体", "枫桥镇", "枫桥镇杜黄新村", "农业农村优先", "68000", "11000", "枫桥镇人民政府", "新建"],
            ["2", "", "枫桥镇", "", "民生设施", "1000", "500", "x", "新建"],
            ["3", "五泄新景区", "五泄镇", "", "文化旅游融合", "9000", "3000", "五泄镇人民政府", "新建"]]
    (tmp_path / "补充清单.csv").write_bytes(officer_list(rows))
    page.goto(site + "/work/upload")
    page.set_input_files("#file", str(tmp_path / "补充清单.csv"))
    preview_done(page, "")
    replacing = page.inner_text("#replacing")
    assert "1 行将替换已有项目" in replacing and "杜黄新村田园综合体" in replacing
    assert f"批次 {first['id']}" in replacing and first["title"] in replacing
    rejected, notes = page.inner_text("#rejected"), page.text_content("#warnings")
    assert "项目名称为空" in rejected and "blank" not in rejected                 # 中文 only in the Chinese UI
    assert "已换算为亿元" in notes and "converted" not in notes
    page.click("#commit")
    page.wait_for_selector("#done:not([hidden])")
    done = page.inner_text("#done-text")
    assert "已导入 2 个项目" in done and "其中 1 个替换了已有项目" in done
    replaced = page.inner_text("#done-replaced")                                 # named, with the list it was in
    assert "杜黄新村田园综合体" in replaced and f"原属批次 {first['id']}" in replaced and first["title"] in replaced
    page.goto(site + "/work/upload?lang=en")
    page.set_input_files("#file", str(tmp_path / "补充清单.csv"))
    preview_done(page, "")
    rejected, notes = page.inner_text("#rejected"), page.text_content("#warnings")
    assert "project name is blank" in rejected and "项目名称为空" not in rejected
    assert "converted to 100 million yuan" in notes and "已换算" not in notes
    assert "2 rows will replace" in page.inner_text("#replacing")
    assert page.errors == []


def test_the_table_is_usable_on_a_phone(page, site):
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        page.goto(site + "/work/projects")
        page.wait_for_selector("body[data-ready='1']")
        total = page.evaluate("ZhujiTable.rows.length")
        wrap = page.locator("#table-wrap").bounding_box()
        assert wrap["height"] > 250 and wrap["width"] > 300
        boxes = [r.bounding_box() for r in page.locator("#projects tbody tr[data-key]").all()]
        inside = [b for b in boxes if b["height"] > 20 and b["y"] >= wrap["y"] and b["y"] + b["height"] <= wrap["y"] + wrap["height"] + 1]
        assert total >= 4 and len(inside) == total                          # every row shows
        assert page.locator("#projects tbody tr[data-key]").first.is_visible()
        assert page.evaluate("getComputedStyle(document.getElementById('table-wrap')).overflowY") == "auto"
        m = page.locator("#table-map").bounding_box()
        assert m["height"] > 200 and m["width"] > 300 and m["y"] >= wrap["y"] + wrap["height"]   # stacked below
        # the page itself never scrolls sideways; the table does, inside its box
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.evaluate("(w => w.scrollWidth > w.clientWidth + 200)(document.getElementById('table-wrap'))")
        for sel in ("#add", "#export-xlsx", "#export-csv", "#q", "#f-town"):       # every action within the screen
            box = page.locator(sel).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, sel
        page.evaluate("document.getElementById('table-wrap').scrollLeft = 10000")
        page.wait_for_function("() => document.getElementById('table-wrap').scrollLeft > 200")
        edit = page.locator("#projects tbody tr[data-key]").first.locator("button")
        box = edit.bounding_box()
        assert box["x"] >= wrap["x"] and box["x"] + box["width"] <= wrap["x"] + wrap["width"]   # still in view
        edit.click()                                      # by a real pointer: nothing covers it
        page.wait_for_selector("#editor[open]")
        dialog = page.locator("#editor").bounding_box()
        assert dialog["x"] >= 0 and dialog["x"] + dialog["width"] <= 390
        page.click("#edit-cancel")
        page.wait_for_selector("#editor[open]", state="detached")
        page.goto(site + "/work/batches")                              # the lists too: their table scrolls in a box
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        page.set_viewport_size({"width": 1366, "height": 900})


def test_the_editor_is_at_hand_and_offers_the_allowed_values(page, site):
    page.goto(site + "/work/projects")
    page.wait_for_selector("body[data-ready='1']")
    row = page.locator("#projects tbody tr[data-key]").first
    edit = row.locator("button")
    box = edit.bounding_box()
    assert edit.inner_text() == "编辑" and box["x"] + box["width"] < 300           # the first column, in view
    row.locator("td").nth(2).dblclick()                                         # a double click opens it too
    page.wait_for_selector("#editor[open]")
    statuses = page.eval_on_selector_all("#edit-form select[name=status] option", "os => os.map(o => o.value)")
    sectors = page.eval_on_selector_all("#edit-form select[name=sector] option", "os => os.map(o => o.value)")
    assert statuses[0] == "" and "在建" in statuses and "前期" in statuses and "竣工" not in statuses
    assert len([s for s in sectors if s]) == 10 and "交通强省" in sectors
    page.click("#edit-cancel")
    key = row.get_attribute("data-key")
    row.focus()
    page.keyboard.press("Enter")                                                # and Enter on a focused row
    page.wait_for_selector("#editor[open]")
    lon, lat = page.input_value("#edit-form input[name=lon]"), page.input_value("#edit-form input[name=lat]")
    page.fill("#edit-form input[name=lon]", "121.5")                              # 上海: refused, the field named
    page.fill("#edit-form input[name=lat]", "31.2")
    page.click("#edit-form button[type=submit]")
    page.wait_for_selector("#edit-form input[name=lon].zj-invalid")
    error = page.inner_text("#edit-error")
    assert "诸暨市域外" in error and "outside" not in error and page.is_visible("#editor[open]")
    page.fill("#edit-form input[name=lon]", lon)
    page.fill("#edit-form input[name=lat]", lat)
    page.select_option("#edit-form select[name=status]", "在建")
    page.click("#edit-form button[type=submit]")
    page.wait_for_selector("#editor[open]", state="detached")
    status = page.evaluate("(k) => fetch('/api/projects/' + k).then(r => r.json()).then(p => p.status)", key)
    assert status == "在建"
    assert page.errors == []
