"""`make bench`: run every benchmarks/bench_*.py, print one table, write results/<name>.json.

Each module defines `run(workdir: Path) -> list[dict]`; a row has at least `benchmark`, `metric`,
`value` and `unit`, optionally `peer`, `peer_value` and `ratio`. `python benchmarks/run.py NAME...`
runs only those modules.
"""

from __future__ import annotations

import importlib.util
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load(path: Path):
    """Import a benchmark module from its file."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(names: list[str]) -> int:
    """Run the benchmarks and print the table."""
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    rows_all = []
    for path in sorted(HERE.glob("bench_*.py")):
        if names and path.stem not in names and path.stem.removeprefix("bench_") not in names:
            continue
        workdir = HERE / "work" / path.stem
        workdir.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        rows = load(path).run(workdir)
        meta = {"benchmark": path.stem, "seconds": time.perf_counter() - start,
                "machine": platform.platform(), "python": platform.python_version(), "rows": rows}
        (results / f"{path.stem}.json").write_text(json.dumps(meta, indent=2))
        rows_all.extend(rows)
    print(f"| {'benchmark':40} | {'metric':28} | {'value':>12} | unit | peer | ratio |")
    print("|" + "---|" * 6)
    for r in rows_all:
        ratio = f"{r['ratio']:.2f}" if isinstance(r.get("ratio"), int | float) else ""
        print(f"| {r['benchmark']:40} | {r['metric']:28} | {r['value']:>12.4g} | {r.get('unit', '')} | "
              f"{r.get('peer', '')} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
