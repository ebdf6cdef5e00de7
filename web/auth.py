"""Who may write. Reads are open; writes need ``Authorization: Bearer <token>`` (the configured
bootstrap token). Without a configured token the service is read-only."""
from __future__ import annotations

import hmac
from functools import wraps

from flask import g, request

from .errors import ApiError
from .services import services


def _bearer() -> str:
    given = request.headers.get("Authorization", "")
    return given[7:].strip() if given.lower().startswith("bearer ") else ""


def require_editor(fn):
    @wraps(fn)
    def wrapped(*a, **kw):
        token = str(services().config.get("token") or "")
        challenge = {"WWW-Authenticate": "Bearer"}
        if not token:
            raise ApiError(401, "写入未启用：服务未配置编辑令牌（ZHUJI_MAP_TOKEN）",
                           "writes are disabled: no editor token is configured (ZHUJI_MAP_TOKEN)", headers=challenge)
        given = _bearer()
        if not given or not hmac.compare_digest(given.encode(), token.encode()):
            raise ApiError(401, "需要有效的编辑令牌：Authorization: Bearer <token>",
                           "a valid editor token is required: Authorization: Bearer <token>", headers=challenge)
        g.editor = given
        return fn(*a, **kw)
    return wrapped
