"""The one object that owns the service's state, built once at start and handed to every blueprint
(as Datasette's ``Datasette`` class is): configuration, plan data, project store, feature catalog and
the caches of what is served. Nothing is loaded at import time.
"""
from __future__ import annotations

import contextlib
import logging
import os
import threading
from functools import cached_property
from pathlib import Path

import pandas as pd
from flask import current_app

import geo
from geo import crs, export
from geo.features import Catalog
from geo.geojson import dumps, feature_collection
from geo.indicators import IndicatorStore, read_rules
from geo.paths import REPO
from geo.projects import ImportOptions, Limits, Store, default_url, import_file
from geo.projects.failures import UnavailableStore, explain
from geo.projects.join import join_index
from geo.projects.snapshot import Snapshot
from geo.registry import PLAN_LAYER_IDS, spec
from layers import DEFAULT_VIEW
from layers.render import build_page

from .assets import check_installed
from .basemaps import basemaps_for
from .caching import Cached, ExportCache
from .security import policy, script_hashes, tile_hosts
from .uploads import Uploads
from .users import Users

log = logging.getLogger("zhuji_map")
WARM_MAX = 200_000      # projects: a larger store is copied on first use, not by every worker as it starts (memory)
MAP_FEED = "/api/map/projects.json"
_warming: set[threading.Thread] = set()


def _before_fork() -> None:
    """A process forked while a warm-up runs would inherit its locks held and its work half done: the fork
    waits for it to end, however long (only a ``--preload`` master forks after the app is made, and its
    workers then start warm; the work is bounded by WARM_MAX and the store's own timeouts)."""
    for t in list(_warming):
        t.join()


os.register_at_fork(before=_before_fork)


def _yield_cpu() -> None:
    """Linux: this thread (the warm-up) at a lower priority, so that requests to other workers go first."""
    with contextlib.suppress(AttributeError, OSError):     # not Linux: the same work at the same priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


MAP_FIELDS = ["lon", "lat", "key", "name", "sector", "status", "town_name", "located_by", "year", "investment"]
CODED_FIELDS = ("sector", "status", "town_name", "located_by", "year")


def map_feed(f: pd.DataFrame) -> dict:
    """{n, fields, columns, values}: a coded field's column holds indices into ``values[field]`` (-1: blank)."""
    columns, values = {}, {}
    for name in MAP_FIELDS:
        col = f[name]
        if name in CODED_FIELDS:
            codes, uniques = pd.factorize(col, sort=True)
            columns[name], values[name] = codes.tolist(), uniques.astype(object).tolist()
        else:
            columns[name] = col.astype(object).where(col.notna(), None).tolist()
    return {"n": len(f), "fields": MAP_FIELDS, "columns": columns, "values": values}


class Services:
    """``web=False`` (the CLI): plan data, store and catalog only — no page, assets or basemaps."""

    def __init__(self, cfg: dict, *, web: bool = True):
        self.config = cfg
        self.data = geo.load(cfg["plan_dir"], cfg["boundaries_dir"])
        if web:
            self._validate()
            for p in self.data.problems:            # e.g. a refused replacement file: derived data stays
                log.warning("%s", p)
            self._web_setup()

    def _validate(self) -> None:
        """Refuse to serve data that fails validation — unless what fails came from a replacement file: then
        the replacement is set aside with the reason and the derived geometry is served."""
        try:
            geo.validate(self.data)
        except geo.ValidationError as exc:
            if not any(src.startswith("authoritative") for src in self.data.geometry_sources.values()):
                raise
            refused = geo.ReplacementError("替换文件与其他图层校验不一致，已停用，继续使用推导几何：" + exc.zh,
                                           "a replacement file failed validation with the other layers; set aside, "
                                           "derived geometry stays: " + exc.en, layer="boundaries")
            self.data = geo.load(self.config["plan_dir"], self.config["boundaries_dir"], replacements=False)
            geo.validate(self.data)
            self.data.problems.append(refused)

    @cached_property
    def store(self) -> Store:
        """The project store; if it cannot be opened (corrupt file, no server…), a stand-in that says why,
        so the plan layers are still served."""
        url = self.config["database_url"] or default_url(self.config["data_dir"])
        try:
            store = Store(url)
        except Exception as exc:  # noqa: BLE001 — any failure to open becomes a stated reason, not a dead service
            where = url.removeprefix("sqlite:///") if url.startswith("sqlite") else url.split("@")[-1]
            err = explain(exc, where, 503)
            log.error("project store unavailable: %s", err)
            self.data.problems.append(err)
            return UnavailableStore(err, where)
        log.info("project store: %s", store.describe())
        return store

    @cached_property
    def snapshot(self) -> Snapshot:
        snap = Snapshot(self.store)
        self.store.after_write.append(snap.after_write)     # this process sees its own writes next
        return snap

    def projects(self):
        """The compact copy of all projects (statistics, summaries, the map); never waits on a write."""
        return self.snapshot.frame()

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog(self.data, self.store)

    @cached_property
    def users(self) -> Users:
        return self.store if self.store.kind == "unavailable" else Users(self.store.engine)

    @cached_property
    def indicators(self) -> IndicatorStore:
        return self.store if self.store.kind == "unavailable" else IndicatorStore(self.store)

    @cached_property
    def rules(self) -> dict:
        return read_rules(self.data.plan_dir)

    @cached_property
    def exports(self) -> ExportCache:
        return ExportCache(self.config["export_cache_mb"] * 2**20, self.config["max_exports"])

    @cached_property
    def uploads(self) -> Uploads:
        return Uploads(Path(self.config["data_dir"] or REPO / "instance") / "uploads")

    def cached_table(self, build) -> Cached:
        """The project table's rows, rebuilt when the data changes."""
        return self._per_version("table", lambda: build(self.store, self.data))

    @property
    def limits(self) -> Limits:
        return Limits.from_config(self.config)

    def _web_setup(self) -> None:
        self.vendor_packages = check_installed()
        self.basemaps, self.gcj02 = basemaps_for(self.config)
        self.store.version()                        # open the store now, not on the first request
        join_index(self.data)                      # spatial indexes for imports and identify, built once
        self.layers = {lid: Cached(dumps(feature_collection(self.data.layer(lid), spec(lid).key)),
                                   "application/geo+json") for lid in PLAN_LAYER_IDS}
        self.context = Cached(dumps(feature_collection(self._context_frame(), "code")), "application/geo+json")
        self.accuracy = {lid: set(self.data.layer(lid)["accuracy"]) for lid in PLAN_LAYER_IDS}
        self._pages: dict[tuple[str, str], Cached] = {}
        self._projects: dict[str, tuple[int, Cached]] = {}
        self._building: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.page(DEFAULT_VIEW, "zh")               # the first visitor should not wait for Folium
        self._start_warm()

    def _start_warm(self) -> None:
        """The projects' copy and the map's feed made in the background as the process starts: without it the
        first visitor of each worker waited for them (100,000 projects: 2–3 s on the map's first draw)."""
        def run():
            _yield_cpu()
            try:
                if self.store.engine is not None and self.store.count() <= WARM_MAX:
                    self.projects_feed()
            except Exception:                         # made on first use instead; the reason is logged
                log.exception("warming the projects' copy failed")
            finally:
                _warming.discard(threading.current_thread())

        _ = self.snapshot                             # made here: two threads must not each make one
        t = threading.Thread(target=run, name="projects-warm", daemon=True)
        _warming.add(t)
        t.start()

    def _context_frame(self):
        d = self.data
        county = d.county.assign(role="county")[["code", "name", "role", "geometry"]]
        nb = d.neighbours.assign(role="neighbour")[["code", "name", "role", "geometry"]]
        nb["geometry"] = nb.geometry.simplify(0.002)   # context only: ~200 m is plenty at county scale
        return pd.concat([nb, county], ignore_index=True)

    # ---------------------------------------------------------------- the map page
    @property
    def bounds(self) -> list[list[float]]:
        minx, miny, maxx, maxy = self.data.county.total_bounds
        return [[miny, minx], [maxy, maxx]]

    def page(self, view: str, lang: str) -> Cached:
        key = (view, lang)
        if key not in self._pages:
            with self._lock:
                if key not in self._pages:
                    (s, w), (n, e) = self.bounds
                    html = build_page(view=view, lang=lang, centre=((s + n) / 2, (w + e) / 2), bounds=self.bounds,
                                      basemaps=self.basemaps, gcj02=self.gcj02, layer_accuracy=self.accuracy,
                                      downloads={"formats": export.browser_formats(), "crs": crs.browser_choices(lang)})
                    # Folium's inline scripts by hash; leaflet-measure compiles its templates with new Function()
                    csp = policy([*script_hashes(html), "'unsafe-eval'"], tile_hosts(self.basemaps))
                    self._pages[key] = Cached(html.encode("utf-8"), "text/html", {"Content-Security-Policy": csp})
        return self._pages[key]

    # ---------------------------------------------------------------- projects, cached per data version
    def _per_version(self, name: str, build, version: int | None = None) -> Cached:
        """``build()`` kept until the data version moves on (the store's, or ``version``: that of the copy it
        is built from); made once when several requests (or the warm-up) ask for it at the same time."""
        v = self.store.version() if version is None else version
        hit = self._projects.get(name)
        if hit is not None and hit[0] == v:
            return hit[1]
        with self._lock:
            lock = self._building.setdefault(name, threading.Lock())
        with lock:
            hit = self._projects.get(name)
            if hit is None or hit[0] != v:
                hit = (v, build())
                self._projects[name] = hit
        return hit[1]

    def projects_geojson(self):
        """The whole projects layer as GeoJSON, streamed from the store a chunk at a time."""
        from geo.features import projects_frame
        from geo.projects import query
        yield b'{"type":"FeatureCollection","features":['
        first = True
        for part in query.stream(self.store) if self.store.engine is not None else []:
            feats = feature_collection(projects_frame(part), "key")["features"]
            for f in feats:
                yield (b"" if first else b",") + dumps(f)
                first = False
        yield b"]}"

    def projects_feed(self) -> Cached:
        """What the map needs to draw and filter 100,000 projects: columns, not GeoJSON (¼ of the bytes);
        repeated words (sector, status, town, year) as codes into a short list, so the browser parses
        less and filters and counts on small integers."""
        version, f = self.snapshot.versioned()
        # kept by the version of the copy it is made from: while a newer copy is built, the feed of the older
        # one must not be taken for the newer data
        return self._per_version("feed", lambda: Cached(dumps(map_feed(f.loc[f["lon"].notna()])), "application/json"),
                                 version)

    def import_file(self, filename: str, content: bytes, *, commit: bool = True, **options):
        """The one import: ``commit=False`` previews (nothing stored)."""
        opts = ImportOptions(limits=self.limits, **options)
        return import_file(filename, content, self.data, store=self.store if commit else None, options=opts)

    def version_for(self, path: str) -> int | None:
        """Data version of what a URL shows: projects change at run time; plan layers only on restart. The map's
        feed is made from the copy of the projects, which follows the store a rebuild later: its version."""
        if path == MAP_FEED:
            return self.snapshot.versioned()[0]
        return self.store.version() if "projects" in path else 0


def services() -> Services:
    """The services of the app handling the current request."""
    return current_app.extensions["zhuji"]
