"""Accounts and personal API tokens, kept in the project store's database (SQLite or PostGIS).

Passwords are hashed with werkzeug.security (scrypt); API tokens are random 32-byte secrets of which
only a SHA-256 hash and an 8-character prefix (to tell them apart in a list) are stored.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, String, Table, insert, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from geo.errors import DataError

ROLES = ("editor", "admin")
NAME = re.compile(r"^[\w.\-@\u4e00-\u9fff]{2,40}$")
MIN_PASSWORD = 8

metadata = MetaData()
users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String, unique=True, nullable=False), Column("display_name", String),
    Column("role", String, nullable=False), Column("password_hash", String, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("session_epoch", Integer, nullable=False, default=0),   # bumped on password change: old sessions end
    Column("created_at", DateTime(timezone=True)), Column("last_login_at", DateTime(timezone=True)),
)
tokens = Table(
    "api_tokens", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, nullable=False), Column("name", String, nullable=False),
    Column("prefix", String, nullable=False), Column("token_sha256", String, unique=True, nullable=False),
    Column("created_at", DateTime(timezone=True)), Column("last_used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
)


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    epoch: int = 0

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def label(self) -> str:
        """Who did it, in the audit trail."""
        return self.username


BOOTSTRAP = User(id=0, username="bootstrap-token", display_name="ZHUJI_MAP_TOKEN", role="admin")


def _now():
    return dt.datetime.now(dt.UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DataError(f"密码至少{MIN_PASSWORD}个字符", f"the password needs at least {MIN_PASSWORD} characters",
                        field="password")


class Users:
    def __init__(self, engine):
        self.engine = engine
        metadata.create_all(engine)

    def _row(self, **where):
        q = select(users)
        for k, v in where.items():
            q = q.where(users.c[k] == v)
        with self.engine.connect() as conn:
            return conn.execute(q).mappings().first()

    @staticmethod
    def _user(r) -> User:
        return User(r["id"], r["username"], r["display_name"] or r["username"], r["role"], r["session_epoch"])

    def add(self, username: str, password: str, role: str = "editor", display_name: str = "") -> User:
        if not NAME.match(username or ""):
            raise DataError("用户名应为2–40个字母、数字、汉字或 . - _ @", "the username must be 2–40 letters, digits, "
                            "Chinese characters or . - _ @", field="username")
        if role not in ROLES:
            raise DataError(f"角色应为 {'/'.join(ROLES)}", f"the role must be one of {', '.join(ROLES)}", field="role")
        check_password(password)
        if self._row(username=username):
            raise DataError(f"用户“{username}”已存在", f"user '{username}' already exists", field="username")
        with self.engine.begin() as conn:
            uid = conn.execute(insert(users).values(
                username=username, display_name=display_name or username, role=role, active=True, session_epoch=0,
                password_hash=generate_password_hash(password), created_at=_now())).inserted_primary_key[0]
        return User(uid, username, display_name or username, role)

    def authenticate(self, username: str, password: str) -> User | None:
        r = self._row(username=username)
        if r is None or not r["active"]:
            check_password_hash(generate_password_hash("x"), password)   # same work: no timing hint
            return None
        if not check_password_hash(r["password_hash"], password):
            return None
        with self.engine.begin() as conn:
            conn.execute(update(users).where(users.c.id == r["id"]).values(last_login_at=_now()))
        return self._user(r)

    def get(self, user_id: int) -> User | None:
        r = self._row(id=user_id)
        return self._user(r) if r is not None and r["active"] else None

    def by_name(self, username: str) -> dict | None:
        r = self._row(username=username)
        return dict(r) if r is not None else None

    def listing(self) -> list[dict]:
        cols = [users.c[c] for c in ("id", "username", "display_name", "role", "active", "created_at", "last_login_at")]
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(*cols).order_by(users.c.username)).mappings()]

    def _require(self, username: str) -> dict:
        r = self.by_name(username)
        if r is None:
            raise DataError(f"用户“{username}”不存在", f"no user '{username}'", field="username")
        return r

    def set_active(self, username: str, active: bool) -> None:
        r = self._require(username)
        with self.engine.begin() as conn:
            conn.execute(update(users).where(users.c.id == r["id"]).values(
                active=active, session_epoch=r["session_epoch"] + 1))

    def set_password(self, username: str, password: str) -> None:
        check_password(password)
        r = self._require(username)
        with self.engine.begin() as conn:
            conn.execute(update(users).where(users.c.id == r["id"]).values(
                password_hash=generate_password_hash(password), session_epoch=r["session_epoch"] + 1))

    def set_role(self, username: str, role: str) -> None:
        if role not in ROLES:
            raise DataError(f"角色应为 {'/'.join(ROLES)}", f"the role must be one of {', '.join(ROLES)}", field="role")
        r = self._require(username)
        with self.engine.begin() as conn:
            conn.execute(update(users).where(users.c.id == r["id"]).values(role=role))

    def count(self) -> int:
        with self.engine.connect() as conn:
            return len(conn.execute(select(users.c.id)).all())

    # ---------------------------------------------------------------- personal API tokens
    def create_token(self, user: User, name: str) -> str:
        """The token, shown once; only its hash is kept."""
        name = (name or "").strip()[:60]
        if not name:
            raise DataError("请为令牌起一个名字（例如用途）", "give the token a name (e.g. what it is for)", field="name")
        token = "zjm_" + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(insert(tokens).values(user_id=user.id, name=name, prefix=token[:12],
                                               token_sha256=_digest(token), created_at=_now()))
        return token

    def tokens_of(self, user: User) -> list[dict]:
        cols = [tokens.c[c] for c in ("id", "name", "prefix", "created_at", "last_used_at", "revoked_at")]
        with self.engine.connect() as conn:
            q = select(*cols).where(tokens.c.user_id == user.id).order_by(tokens.c.id.desc())
            return [dict(r) for r in conn.execute(q).mappings()]

    def revoke_token(self, user: User, token_id: int) -> bool:
        with self.engine.begin() as conn:
            n = conn.execute(update(tokens).where(tokens.c.id == token_id, tokens.c.user_id == user.id,
                                                  tokens.c.revoked_at.is_(None)).values(revoked_at=_now())).rowcount
        return bool(n)

    def by_token(self, token: str) -> User | None:
        with self.engine.connect() as conn:
            t = conn.execute(select(tokens).where(tokens.c.token_sha256 == _digest(token),
                                                  tokens.c.revoked_at.is_(None))).mappings().first()
        if t is None:
            return None
        with self.engine.begin() as conn:
            conn.execute(update(tokens).where(tokens.c.id == t["id"]).values(last_used_at=_now()))
        return self.get(t["user_id"])
