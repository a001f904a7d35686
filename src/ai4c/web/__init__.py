"""The project's shared web front-end: one set of static assets (Leaflet, an offline world outline,
`ai4c.css`, `ai4c-map.js`) and one page frame, reused by every browser page the package serves
(Sextant, the OSM features page, the JedAI workbench, EarthQA). Nothing is fetched from a CDN.

    app = FastAPI()
    mount_static(app)                       # assets at /static/ai4c/...
    html = render_page("My page", "<div id='map' class='ai4c-map'></div>", scripts=["/my.js"])
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

STATIC_DIR: Path = Path(__file__).resolve().parent / "static"
STATIC_URL = "/static/ai4c"
LEAFLET_VERSION = "1.9.4"

_HEAD_STYLES = ("vendor/leaflet/leaflet.css", "ai4c.css")
_HEAD_SCRIPTS = ("vendor/leaflet/leaflet.js", "ai4c-map.js")


def mount_static(app) -> None:
    """Serve the shared assets of STATIC_DIR at `/static/ai4c/` on a FastAPI/Starlette app (idempotent)."""
    from starlette.staticfiles import StaticFiles

    if any(getattr(route, "path", None) == STATIC_URL for route in app.routes):
        return
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="ai4c-static")


def asset_url(name: str, static_url: str = STATIC_URL) -> str:
    """URL of one shared asset (e.g. 'ai4c-map.js') under the mount point."""
    return f"{static_url.rstrip('/')}/{name}"


def render_page(title: str, body_html: str, scripts: Sequence[str] = (), styles: Sequence[str] = (),
                *, static_url: str = STATIC_URL) -> str:
    """A whole HTML page: the shared head (Leaflet, ai4c.css, ai4c-map.js), the header bar with
    `title`, `body_html` inside <main>, then the page's own `styles` and `scripts` (URLs)."""
    esc = html.escape
    links = [asset_url(name, static_url) for name in _HEAD_STYLES] + list(styles)
    head_scripts = [asset_url(name, static_url) for name in _HEAD_SCRIPTS]
    style_tags = "\n".join(f'<link rel="stylesheet" href="{esc(url)}">' for url in links)
    script_tags = "\n".join(f'<script src="{esc(url)}"></script>' for url in head_scripts)
    page_scripts = "\n".join(f'<script src="{esc(url)}"></script>' for url in scripts)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · ai4c</title>
<link rel="icon" href="data:,">
{style_tags}
{script_tags}
</head>
<body class="ai4c">
<header class="ai4c-bar"><span class="ai4c-brand">ai4c</span><h1 class="ai4c-title">{esc(title)}</h1>
<span class="ai4c-bar-tools" id="ai4c-bar-tools"></span></header>
<div class="ai4c-messages" id="ai4c-messages" role="alert" aria-live="polite"></div>
<main class="ai4c-main">
{body_html}
</main>
{page_scripts}
</body>
</html>
"""


__all__ = ["LEAFLET_VERSION", "STATIC_DIR", "STATIC_URL", "asset_url", "mount_static", "render_page"]
