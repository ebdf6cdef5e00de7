"""The printed map's CJK font, cut once to the characters a sheet usually says.

Embedding a CJK TrueType font in a PDF means subsetting it (matplotlib → fontTools) for every print, and
fontTools parses the whole font each time: for WenQuanYi Micro Hei (49,531 glyphs, 5 MB) that was 0.9 s
of a 1.8 s A4 sheet. So the first print of a process cuts the font once to GB2312, Latin-1 and every
character of the plan's texts and the message catalog (≈13,000 glyphs) under a family of its own, kept
in matplotlib's cache directory; prints name that family first and the full one after it. matplotlib
falls back glyph by glyph, so a rare character in a project's name (堃, 玥 …) still prints from the full font.
If the cut cannot be made (an unusual font, a read-only cache), prints use the full font as before.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import tempfile
from pathlib import Path

from geo.paths import PLAN_DIR

from . import messages

log = logging.getLogger("zhuji_map")
FAMILY = "Zhuji Print CJK"
_NAMES = {1: FAMILY, 4: FAMILY, 16: FAMILY, 6: "ZhujiPrintCJK"}     # name-table IDs: family, full, typographic, PostScript


def families(full: str) -> list[str]:
    """The families a print names, best first: the cut font (when it could be made), then ``full``."""
    return [FAMILY, full] if _cut(full) else [full]


def repertoire() -> str:
    """The characters the cut font keeps: printable Latin-1, GB2312, and whatever the plan and the UI say."""
    chars = {chr(c) for c in range(0x20, 0x100)}
    for cp in range(0x80, 0x10000):
        try:
            chr(cp).encode("gb2312")
        except UnicodeEncodeError:
            continue
        chars.add(chr(cp))
    for path in sorted(PLAN_DIR.iterdir()):
        if path.suffix in (".csv", ".yaml", ".md", ".json"):
            chars |= set(path.read_text(encoding="utf-8"))
    chars |= {ch for pair in messages.MESSAGES.values() for text in pair for ch in text}
    return "".join(sorted(c for c in chars if c.isprintable()))


@functools.lru_cache(maxsize=4)
def _cut(full: str) -> bool:
    """Make (or find) the cut of ``full`` and register it with matplotlib; False when it cannot be made."""
    from matplotlib import font_manager
    entry = next((e for e in font_manager.fontManager.ttflist if e.name == full), None)
    if entry is None:
        return False
    try:
        path = _cached(Path(entry.fname), entry.index)
        font_manager.fontManager.addfont(str(path))
    except Exception as exc:        # noqa: BLE001 — any failure here only costs speed, never the print
        log.warning("print font: could not cut %s (%s); printing with the full font", entry.fname, exc)
        return False
    return True


def _cached(source: Path, index: int) -> Path:
    import matplotlib
    chars = repertoire()
    st = source.stat()
    tag = hashlib.sha256(f"{source}|{index}|{st.st_size}|{st.st_mtime_ns}|{chars}".encode()).hexdigest()[:16]
    out = Path(matplotlib.get_cachedir()) / "zhuji-print" / f"{tag}.ttf"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".part")
    os.close(fd)
    try:
        _write_cut(source, index, chars, tmp)
        os.replace(tmp, out)            # atomic: another worker cutting at the same time writes the same bytes
    finally:
        Path(tmp).unlink(missing_ok=True)
    return out


def _write_cut(source: Path, index: int, chars: str, dest: str) -> None:
    from fontTools import subset
    opts = subset.Options(font_number=index, layout_features=[], name_IDs=["*"], name_languages=["*"],
                          notdef_outline=True)
    opts.drop_tables += ["FFTM"]
    font = subset.load_font(str(source), opts)
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=[ord(c) for c in chars])
    sub.subset(font)
    for rec in font["name"].names:
        if rec.nameID in _NAMES:
            rec.string = _NAMES[rec.nameID]
    font.save(dest)
