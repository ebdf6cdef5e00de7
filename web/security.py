"""Security headers on every answer. The Content-Security-Policy lets scripts come from this app only;
the map page's inline scripts (written by Folium) are allowed by their SHA-256 hashes, computed when the
page is built. Tiles may come from the basemap hosts that are configured, and from nowhere else."""
from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlparse

from flask import Flask, Response

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>(.*?)</script>", re.S)


def script_hashes(html: str) -> list[str]:
    return ["'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
            for m in INLINE_SCRIPT.findall(html)]


def tile_hosts(basemaps: list[dict]) -> list[str]:
    """Origins of every configured tile layer, so the CSP lets those images in and nothing else."""
    hosts = []
    for b in basemaps:
        for layer in b.get("layers") or [b]:
            u = urlparse(str(layer.get("url", "")).replace("{s}", "x"))
            if u.scheme and u.netloc:
                sub = layer.get("subdomains")
                hosts.append(f"{u.scheme}://{'*.' + u.netloc.split('.', 1)[1] if sub else u.netloc}")
    return sorted(set(hosts))


def policy(extra_scripts: list[str] = (), img_hosts: list[str] = ()) -> str:
    return "; ".join([
        "default-src 'self'", " ".join(["script-src 'self'", *extra_scripts]), "style-src 'self' 'unsafe-inline'",
        " ".join(["img-src 'self' data: blob:", *img_hosts]), "connect-src 'self'", "font-src 'self' data:",
        "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'self'",
    ])


def init_app(app: Flask, basemaps: list[dict]) -> None:
    default = policy(img_hosts=tile_hosts(basemaps))

    @app.after_request
    def headers(resp: Response) -> Response:
        resp.headers.setdefault("Content-Security-Policy", default)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp
