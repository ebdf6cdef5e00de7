"""What a store failure means, in words that say what to do: a full disk, a corrupt or read-only file, a
database locked by another writer, a server that does not answer. And the store that stands in when the
real one cannot be opened: the plan layers keep being served, reads of projects are empty, writes refused.
"""
from __future__ import annotations

import pandas as pd

from ..errors import StoreError
from .store import ConflictError

CAUSES = [  # (words in the driver's message, zh, en, HTTP status)
    (("disk is full", "no space left", "could not extend file", "DiskFull"),
     "磁盘已满，无法写入项目库（{where}）。请清理磁盘空间后重试；本次操作未写入任何数据。",
     "the disk is full; the project store ({where}) cannot be written. Free disk space and try again; nothing was "
     "stored.", 507),
    (("database is locked", "deadlock detected", "could not obtain lock", "lock timeout"),
     "另一项写入正在进行，项目库（{where}）暂时被占用。请稍后重试；本次操作未写入任何数据。",
     "another write is in progress and the project store ({where}) is busy. Try again shortly; nothing was stored.",
     409),
    (("file is not a database", "database disk image is malformed", "malformed"),
     "项目库文件已损坏（{where}）。请从备份恢复该文件，或将其移走后重启服务（将新建空库）。",
     "the project store file is corrupt ({where}). Restore it from a backup, or move it away and restart the "
     "service (an empty store is then created).", 503),
    (("readonly database", "read-only", "permission denied", "unable to open database"),
     "项目库文件不可写或无法打开（{where}）。请检查文件和目录的权限。",
     "the project store ({where}) is read-only or cannot be opened. Check the permissions of the file and its "
     "directory.", 503),
    (("connection refused", "could not connect", "server closed the connection", "timeout expired"),
     "无法连接项目库数据库（{where}）。请检查 PostgreSQL 服务是否运行。",
     "cannot reach the project database ({where}). Check that the PostgreSQL server is running.", 503),
]


def explain(exc: Exception, where: str, status_default: int = 500) -> StoreError:
    text = f"{type(exc).__name__}: {exc}"
    for words, zh, en, status in CAUSES:
        if any(w.lower() in text.lower() for w in words):
            cls = ConflictError if status == 409 else StoreError
            err = cls(zh.format(where=where), en.format(where=where))
            err.status = status
            return err
    err = StoreError(f"项目库操作失败，未写入任何数据（{text}）", f"the project store failed; nothing was stored ({text})")
    err.status = status_default
    return err


class UnavailableStore:
    """Stands in for a store that could not be opened: empty reads, every write refused with the reason."""

    kind = "unavailable"
    engine = None

    def __init__(self, error: StoreError, where: str):
        self.error, self.where, self.after_write = error, where, []

    def describe(self) -> str:
        return f"{self.where} (unavailable: {self.error.en})"

    def version(self) -> int:
        return 0

    def count(self) -> int:
        return 0

    def projects(self, **filters) -> pd.DataFrame:
        from .store import PROJECT_COLUMNS
        return pd.DataFrame(columns=PROJECT_COLUMNS)

    def get(self, key):
        return None

    def batches(self, **kw) -> list:
        return []

    def existing(self, keys, **kw) -> list:
        return []

    def replaced_in(self, import_id, **kw) -> list:
        return []

    def import_record(self, import_id):
        return None

    def __getattr__(self, name):          # any write, audit, account: the reason, not a traceback
        def refuse(*a, **kw):
            raise self.error
        return refuse
