"""Browser assets: the app's own files in static/, npm packages from assets/ (`npm ci --prefix assets`)."""
from __future__ import annotations

import json
from pathlib import Path

from geo.paths import REPO

STATIC = REPO / "static"
ASSETS = REPO / "assets"
VENDOR = ASSETS / "node_modules"
VENDOR_SUFFIXES = {".js", ".css", ".png", ".svg", ".gif", ".jpg", ".woff", ".woff2", ".ttf", ".eot", ".map"}


def packages() -> set[str]:
    return set(json.loads((ASSETS / "package.json").read_text(encoding="utf-8"))["dependencies"])


def check_installed() -> set[str]:
    """The npm packages the page needs; refuses to start without them (the map must work offline)."""
    names = packages()
    missing = sorted(p for p in names if not (VENDOR / p / "package.json").exists())
    if missing:
        raise RuntimeError("浏览器资源未安装，请运行 `npm ci --prefix assets` / browser assets missing "
                           f"({', '.join(missing)}); run `npm ci --prefix assets`")
    return names


def is_served(package: str, path: str, allowed: set[str]) -> bool:
    """Only asset files of the listed packages (never their demo pages, which link to CDNs)."""
    return package in allowed and Path(path).suffix.lower() in VENDOR_SUFFIXES and ".." not in Path(path).parts
