"""Sign in and out, personal API tokens, and (for admins) the accounts."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, redirect, render_template, request, session

from geo.errors import DataError

from .auth import current_user, failed, require, throttled
from .errors import ApiError
from .i18n import request_lang
from .services import services

bp = Blueprint("account", __name__)


def _next_url() -> str:
    nxt = request.values.get("next") or "/work"
    parts = urlparse(nxt)
    return nxt if not parts.scheme and not parts.netloc and nxt.startswith("/") else "/work"   # no open redirect


@bp.get("/login")
def login_form():
    request_lang()
    return render_template("work/login.html", next=_next_url(), error=None)


@bp.post("/login")
def login():
    request_lang()
    throttled("login")
    name, password = request.form.get("username", "").strip(), request.form.get("password", "")
    user = services().users.authenticate(name, password)
    if user is None:
        failed("login", repr(name))
        return render_template("work/login.html", next=_next_url(), error=True, username=name), 401
    session.clear()
    session.update(uid=user.id, epoch=user.epoch)
    session.permanent = True
    services().store.audit(user.label, "login", user.username, 0, {})
    return redirect(_next_url(), code=303)


@bp.post("/logout")
def logout():
    session.clear()
    return redirect("/login", code=303)


@bp.get("/account")
@require("editor")
def account():
    request_lang()
    user = current_user()
    tokens = services().users.tokens_of(user) if user.id else []
    return render_template("work/account.html", user=user, tokens=tokens, new_token=None)


@bp.post("/account/tokens")
@require("editor")
def create_token():
    request_lang()
    user = current_user()
    if not user.id:
        raise ApiError(400, "引导令牌不能再建令牌，请用账户登录", "the bootstrap token cannot create tokens; sign in")
    token = services().users.create_token(user, request.form.get("name", ""))
    services().store.audit(user.label, "token-create", request.form.get("name", ""), 0, {"prefix": token[:12]})
    return render_template("work/account.html", user=user, tokens=services().users.tokens_of(user), new_token=token)


@bp.post("/account/tokens/<int:token_id>/revoke")
@require("editor")
def revoke_token(token_id):
    user = current_user()
    if not services().users.revoke_token(user, token_id):
        raise ApiError(404, f"令牌{token_id}不存在或已撤销", f"no active token {token_id}")
    services().store.audit(user.label, "token-revoke", str(token_id), 0, {})
    return redirect("/account", code=303)


@bp.get("/admin/users")
@require("admin")
def users_page():
    request_lang()
    return render_template("work/users.html", users=services().users.listing(), done=request.args.get("done"))


@bp.post("/admin/users")
@require("admin")
def add_user():
    f = request.form
    services().users.add(f.get("username", "").strip(), f.get("password", ""), f.get("role", "editor"),
                         f.get("display_name", "").strip())
    services().store.audit(current_user().label, "user-add", f.get("username", ""), 0, {"role": f.get("role")})
    return redirect("/admin/users?done=1", code=303)


@bp.post("/admin/users/<username>")
@require("admin")
def change_user(username):
    users, f, me = services().users, request.form, current_user()
    action = f.get("action")
    if action in ("disable", "enable"):
        if username == me.username and action == "disable":
            raise DataError("不能停用自己的账户", "you cannot disable your own account", field="action")
        users.set_active(username, action == "enable")
    elif action == "password":
        users.set_password(username, f.get("password", ""))
    elif action == "role":
        users.set_role(username, f.get("role", ""))
    else:
        raise DataError("未知操作", "unknown action; expected disable, enable, password or role", field="action")
    services().store.audit(me.label, f"user-{action}", username, 0, {})
    return redirect("/admin/users?done=1", code=303)
