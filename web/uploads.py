"""Files uploaded to the workbench, kept between the preview and the commit (so a 20 MB workbook is sent
once), in ``<data_dir>/uploads``; each belongs to the user who sent it and expires after a few hours."""
from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path

from .errors import ApiError

TTL_S = 6 * 3600


class Uploads:
    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)

    def save(self, owner: str, filename: str, content: bytes) -> str:
        self.purge()
        uid = secrets.token_hex(16)
        tmp = self.dir / f".{uid}.part"
        tmp.write_bytes(content)                    # written whole, then renamed: never half a file
        os.replace(tmp, self.dir / uid)
        (self.dir / f"{uid}.json").write_text(json.dumps({"owner": owner, "filename": filename}), encoding="utf-8")
        return uid

    def load(self, uid: str, owner: str) -> tuple[str, bytes]:
        meta_path = self.dir / f"{uid}.json"
        if not uid.isalnum() or not meta_path.exists():
            raise ApiError(404, "上传的文件已过期或不存在，请重新上传", "the uploaded file has expired or does not exist; "
                           "upload it again", field="upload_id")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta["owner"] != owner:
            raise ApiError(403, "这不是你上传的文件", "this upload belongs to someone else", field="upload_id")
        return meta["filename"], (self.dir / uid).read_bytes()

    def delete(self, uid: str) -> None:
        for p in (self.dir / uid, self.dir / f"{uid}.json"):
            p.unlink(missing_ok=True)

    def purge(self) -> None:
        cutoff = time.time() - TTL_S
        for p in self.dir.iterdir():
            if p.stat().st_mtime < cutoff:
                p.unlink(missing_ok=True)
