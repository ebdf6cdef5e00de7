"""Who is asking, and may they? Sessions for people, bearer tokens for scripts, CSRF for browser writes.

- People sign in on /login: a signed session cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) that
  ends after ``session_hours`` or when the password changes.
- Scripts send ``Authorization: Bearer <token>``: a personal token (stored hashed) or the configured
  bootstrap token (``ZHUJI_MAP_TOKEN``, acting as an admin).
- Every state-changing request from a browser (a session, no bearer token) needs the CSRF token
  (Flask-WTF); failed sign-ins and bad tokens are rate-limited per address and logged.
- Reads are open unless ``public_read`` is off.
"""
from __future__ import annotations

import hmac
import logging
import os
import secrets
from datetime import timedelta
from functools import wraps
from pathlib import Path
from urllib.parse import quote

from flask import Flask, current_app, g, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from geo.paths import REPO

from .errors import ApiError
from .services import services
from .users import BOOTSTRAP, User

log = logging.getLogger("zhuji_map.auth")
csrf = CSRFProtect()
SAFE = ("GET", "HEAD", "OPTIONS")
OPEN_PATHS = ("/login", "/static/", "/healthz", "/favicon.ico")
FAILURES = parse("10/minute")          # failed sign-ins or tokens per address


class _SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def secret_key(cfg: dict) -> str:
    """The configured key, or one made once and kept beside the store so every worker shares it."""
    if cfg.get("secret_key"):
        return cfg["secret_key"]
    d = Path(cfg.get("data_dir") or os.environ.get("ZHUJI_MAP_DATA_DIR") or REPO / "instance")
    d.mkdir(parents=True, exist_ok=True)
    path = d / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def init_app(app: Flask, cfg: dict) -> None:
    app.secret_key = secret_key(cfg)
    app.session_interface = _SessionInterface()
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=False,
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=cfg["session_hours"]),
                      WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None)
    csrf.init_app(app)
    app.extensions["zhuji_failures"] = MovingWindowRateLimiter(MemoryStorage())   # per app (per worker)
    app.before_request(_gate)
    app.register_error_handler(CSRFError, _csrf_error)


def _csrf_error(exc: CSRFError):
    from .errors import respond
    log.warning("CSRF check failed on %s %s from %s: %s", request.method, request.path, request.remote_addr,
                exc.description)
    return respond(ApiError(400, "页面已过期或缺少安全令牌（CSRF），请刷新页面后重试；本次操作未执行",
                            "the page has expired or the security token (CSRF) is missing; reload the page and try "
                            "again — nothing was changed", field="csrf_token"))


# ---------------------------------------------------------------- who is asking

def _bearer() -> str | None:
    given = request.headers.get("Authorization", "")
    token = given[7:].strip() if given.lower().startswith("bearer ") else ""
    return token or None


def throttled(kind: str) -> None:
    """Refuse (429) an address that failed too often; checked before any password or token is."""
    key = f"{kind}:{request.remote_addr}"
    if not current_app.extensions["zhuji_failures"].test(FAILURES, key):
        raise ApiError(429, "失败次数过多，请一分钟后再试", "too many failed attempts; try again in a minute",
                       headers={"Retry-After": "60"})


def failed(kind: str, who: str = "") -> None:
    current_app.extensions["zhuji_failures"].hit(FAILURES, f"{kind}:{request.remote_addr}")
    log.warning("failed %s from %s %s", kind, request.remote_addr, who)


def _from_token(token: str) -> User:
    throttled("token")
    bootstrap = str(services().config.get("token") or "")
    if bootstrap and hmac.compare_digest(token.encode(), bootstrap.encode()):
        return BOOTSTRAP
    user = services().users.by_token(token)
    if user is None:
        failed("token")
        raise ApiError(401, "令牌无效或已撤销：Authorization: Bearer <token>",
                       "the token is invalid or revoked: Authorization: Bearer <token>",
                       headers={"WWW-Authenticate": "Bearer"})
    return user


def _from_session() -> User | None:
    uid = session.get("uid")
    if uid is None:
        return None
    user = services().users.get(uid)
    if user is None or user.epoch != session.get("epoch"):
        session.clear()                # disabled, or the password changed: the old session ends
        return None
    return user


def current_user() -> User | None:
    if "user" not in g:
        token = _bearer()
        g.via_token = token is not None
        g.user = _from_token(token) if token is not None else _from_session()
    return g.user


def _gate():
    """CSRF for browser writes; sign-in for everything when reads are not public."""
    # a cookie is ambient authority: browser writes with a session (and sign-in itself) need the CSRF token
    if request.method not in SAFE and _bearer() is None and (session.get("uid") or request.path == "/login"):
        csrf.protect()
    if not services().config["public_read"] and not request.path.startswith(OPEN_PATHS) and current_user() is None:
        if request.method == "GET" and not request.path.startswith(("/api/", "/ogc")):
            return redirect(f"/login?next={quote(request.full_path.rstrip('?'))}", code=303)
        raise ApiError(401, "请先登录", "please sign in first", headers={"WWW-Authenticate": "Bearer"})
    return None


def require(role: str = "editor"):
    """Decorator: the signed-in user (or token) must be an editor (or admin, which includes editor)."""
    def deco(fn):
        @wraps(fn)
        def wrapped(*a, **kw):
            user = current_user()
            if user is None and request.method == "GET" and not request.path.startswith(("/api/", "/ogc")):
                return redirect(f"/login?next={quote(request.full_path.rstrip('?'))}", code=303)   # a page: sign in
            if user is None:
                if not services().config.get("token") and services().users.count() == 0:
                    raise ApiError(401, "需要登录，但尚无任何账户，也未配置引导令牌（ZHUJI_MAP_TOKEN）；请用 "
                                   "`zhuji-map users add` 建立账户", "sign-in is needed, but there are no accounts and no "
                                   "bootstrap token (ZHUJI_MAP_TOKEN); create an account with `zhuji-map users add`",
                                   headers={"WWW-Authenticate": "Bearer"})
                raise ApiError(401, "需要登录，或提供有效令牌：Authorization: Bearer <token>",
                               "sign in, or send a valid token: Authorization: Bearer <token>",
                               headers={"WWW-Authenticate": "Bearer"})
            if role == "admin" and not user.is_admin:
                raise ApiError(403, "需要管理员权限", "this needs an administrator")
            g.editor, g.is_admin = user.label, user.is_admin
            return fn(*a, **kw)
        return wrapped
    return deco


require_editor = require("editor")
require_admin = require("admin")
