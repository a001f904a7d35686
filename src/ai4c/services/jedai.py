"""The JedAI workbench: one page comparing the recorded ER runs (figures per step, F1 and time) with
a data explorer of found, false and missed matches; written as a file or served (FastAPI)."""

from __future__ import annotations

import json
from pathlib import Path

from ai4c.core.io import write_text_atomic
from ai4c.pipelines.jedai import default_history, read_history
from ai4c.web import STATIC_DIR, STATIC_URL, mount_static, render_page

PAGE_STATIC = STATIC_DIR / "jedai"  # the workbench script, served with the shared assets
PAGE_URL = f"{STATIC_URL}/jedai"

_STYLE = """<style>
.jedai-wrap { flex: 1 1 auto; padding: 10px; overflow: auto; }
.jedai-wrap section { margin-bottom: 18px; }
.jedai-wrap h2 { font-size: 15px; margin: 6px 0; }
#jedai-run-table tr[data-run] { cursor: pointer; }
.jedai-selected { background: #e6f0f7; }
.jedai-bars { display: inline-flex; flex-direction: column; gap: 2px; }
.jedai-bar { display: inline-block; height: 6px; }
.jedai-bar-f1 { background: #2b7bb9; } .jedai-bar-time { background: #d08c2d; }
#jedai-explorer-tabs button { margin-right: 4px; }
.jedai-tab-on { font-weight: bold; outline: 3px solid #d08c2d; }
#jedai-step-table td:nth-child(3) { max-width: 220px; white-space: normal; word-break: break-word; }
#jedai-explorer-table td { white-space: normal; }
#jedai-config { font-size: 11.5px; white-space: pre-wrap; }
</style>"""


def _body(runs: list[dict]) -> str:
    data = json.dumps(runs, default=str).replace("</", "<\\/")
    return f"""{_STYLE}
<div class="jedai-wrap">
<p id="jedai-empty" class="ai4c-muted ai4c-hidden">No run recorded yet: run <code>ai4c jedai resolve</code>.</p>
<section><h2>Runs</h2><table class="ai4c-table" id="jedai-run-table"></table></section>
<section><h2>Workflow of <span id="jedai-selected-name"></span></h2>
<table class="ai4c-table" id="jedai-step-table"></table>
<details><summary class="ai4c-muted">configuration</summary><pre id="jedai-config"></pre></details></section>
<section><h2>Data explorer</h2><div class="ai4c-row" id="jedai-explorer-tabs"></div>
<table class="ai4c-table" id="jedai-explorer-table"></table></section>
</div>
<script type="application/json" id="jedai-runs">{data}</script>"""


def workbench_html(runs: list[dict], *, static_url: str = STATIC_URL, page_url: str = PAGE_URL) -> str:
    """The whole page for these runs."""
    return render_page("JedAI workbench", _body(runs), scripts=[f"{page_url}/workbench.js"],
                       static_url=static_url)


def write_workbench(history: Path | None, output: Path) -> tuple[Path, int]:
    """Write the page as a file that opens offline (assets from the installed package)."""
    runs = read_history(history or default_history())
    page = workbench_html(runs, static_url=STATIC_DIR.as_uri(), page_url=PAGE_STATIC.as_uri())
    return write_text_atomic(output, page), len(runs)


def create_app(history: Path | None = None):
    """FastAPI app: `/` the page, `/api/runs` the history as JSON (re-read on each request)."""
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    path = history or default_history()
    app = FastAPI(title="ai4c JedAI workbench")
    mount_static(app)

    @app.get("/", response_class=HTMLResponse)
    def page() -> str:
        return workbench_html(read_history(path))

    @app.get("/api/runs")
    def runs() -> list[dict]:
        return read_history(path)

    return app


__all__ = ["create_app", "workbench_html", "write_workbench"]
