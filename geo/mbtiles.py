"""Offline basemaps: raster MBTiles files (PNG/JPEG/WebP tiles in SQLite), read-only, no HTTP.

An MBTiles file keeps tiles in the TMS scheme (row 0 at the south); the web map asks in the XYZ
scheme (row 0 at the north), so ``tile`` flips the row. Files are opened read-only
(``mode=ro``) for each read, so a file can be replaced while the service runs.
"""
from __future__ import annotations

import logging
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("zhuji_map")
RASTER = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
MAX_ZOOM = 24


@dataclass(frozen=True)
class MBTiles:
    path: Path
    id: str                     # URL-safe name: /tiles/<id>/{z}/{x}/{y}.<ext>
    name: str                   # shown in the basemap switcher (metadata ``name``, else the file name)
    format: str                 # png | jpg | webp
    minzoom: int
    maxzoom: int
    bounds: tuple[float, float, float, float] | None   # west, south, east, north (WGS84)
    attribution: str = ""

    @property
    def ext(self) -> str:
        return "jpg" if self.format == "jpeg" else self.format

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at XYZ (z, x, y), or None when the file has none there."""
        if not (0 <= z <= MAX_ZOOM and 0 <= x < 2 ** z and 0 <= y < 2 ** z):
            return None
        with closing(_connect(self.path)) as con:
            row = con.execute("SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                              (z, x, (2 ** z - 1) - y)).fetchone()
        return bytes(row[0]) if row and row[0] else None


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def mimetype(data: bytes, fallback: str) -> str:
    """The image type from the tile's own bytes (a file may mix PNG and JPEG tiles)."""
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return RASTER.get(fallback, "application/octet-stream")


def open_mbtiles(path: Path, taken: set[str] = frozenset()) -> MBTiles | None:
    """The file's description, or None (logged) when it is not a raster MBTiles file."""
    try:
        with closing(_connect(path)) as con:
            meta = dict(con.execute("SELECT name, value FROM metadata").fetchall())
            zmin, zmax = con.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
    except sqlite3.Error as exc:
        log.warning("底图文件无法读取，已跳过 / basemap file skipped (%s): %s", path, exc)
        return None
    fmt = str(meta.get("format") or "png").lower()
    if fmt not in RASTER:
        log.warning("底图文件 %s 为矢量瓦片（%s），暂不支持，已跳过 / vector tiles are not supported: skipped", path, fmt)
        return None
    if zmin is None:
        log.warning("底图文件 %s 中没有瓦片，已跳过 / basemap file has no tiles: skipped", path)
        return None
    ident = base = re.sub(r"[^\w-]", "_", path.stem) or "basemap"
    n = 2
    while ident in taken:
        ident, n = f"{base}-{n}", n + 1
    return MBTiles(path=path, id=ident, name=str(meta.get("name") or path.stem).strip()[:80] or path.stem,
                   format=fmt, minzoom=_int(meta.get("minzoom"), zmin), maxzoom=_int(meta.get("maxzoom"), zmax),
                   bounds=_bounds(meta.get("bounds")), attribution=str(meta.get("attribution") or "")[:200])


def scan(directory: Path | None) -> list[MBTiles]:
    """Every raster ``*.mbtiles`` file in ``directory`` (not recursive), by file name."""
    if directory is None or not Path(directory).is_dir():
        return []
    out: list[MBTiles] = []
    for path in sorted(Path(directory).glob("*.mbtiles")):
        m = open_mbtiles(path, {x.id for x in out})
        if m is not None:
            out.append(m)
    return out


def _int(value, default: int) -> int:
    try:
        return max(0, min(MAX_ZOOM, int(float(value))))
    except (TypeError, ValueError):
        return int(default)


def _bounds(value) -> tuple[float, float, float, float] | None:
    try:
        w, s, e, n = (float(v) for v in str(value).split(","))
    except (TypeError, ValueError):
        return None
    if -180 <= w < e <= 180 and -85.06 <= s < n <= 85.06:
        return (w, s, e, n)
    return None
