"""Step "report": what happened to every row, in the officer's own columns."""
from __future__ import annotations

import csv
import io


def rejected_csv(rejected: list[dict]) -> bytes:
    """Rejected rows with their reason, UTF-8 with BOM so Excel opens it, to fix and re-upload."""
    cols: list[str] = []
    for r in rejected:
        cols += [c for c in r["values"] if c not in cols]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["原行号/row", "原因/reason", *cols])
    for r in rejected:
        w.writerow([r["row"], r["reason"], *[r["values"].get(c, "") for c in cols]])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
