"""GeoTriples: RML test-case conformance per format, and dump_rdf throughput (triples/s) on generated data.

Sizes: AI4C_BENCH_RML_ROWS (CSV rows, default 200000) and AI4C_BENCH_RML_FEATURES (Shapefile polygons,
default 50000). Scaling: the largest CSV case (RMLTC0011b: students, sports and their links, 5 triples per
row of each file) at AI4C_BENCH_RML_SCALE_ROWS rows (comma-separated, default 1000000,10000000), each run in a
fresh process for its wall time and peak RSS; from AI4C_BENCH_RML_SCALE_GZIP rows on (default 100 M: ~40 GB of
N-Triples) the output is gzip-compressed N-Triples (`-o out.nt.gz`, compressed on a second thread). The conformance part needs ../shared/data/linked/rml-test-cases (and PostgreSQL for its
SQL cases; skipped with a note when it cannot start).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from measure import measured

CASES = Path(os.environ.get("AI4C_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data")) \
    / "linked" / "rml-test-cases" / "test-cases"
MORPH_KGC_FILE_CASES = 95  # morph-kgc's published score on the 118 CSV/JSON/XML cases
KGC_CASES = CASES.parents[1] / "rml-kgc-test-cases"


def kgc_modules(workdir: Path) -> list[dict]:
    """Pass counts per W3C KG-Construct RML module (rml-io, rml-cc, rml-fnml, rml-lv, rml-star)."""
    from ai4c.linked.conformance.rml_kgc import run_modules

    if not KGC_CASES.exists():
        print(f"bench_rml: {KGC_CASES} absent, module conformance skipped")
        return []
    rows = []
    for module, results in run_modules(KGC_CASES, workdir / "kgc").items():
        passed = sum(r.passed for r in results)
        rows.append({"benchmark": "geotriples rml-kgc-test-cases", "metric": f"{module} passed", "value": passed,
                     "unit": f"of {len(results)}"})
    return rows


def conformance(workdir: Path) -> list[dict]:
    """Per-format pass counts (PostgreSQL on a throw-away server)."""
    from ai4c.linked.conformance.rml import FILE_FORMATS, run_all, scores, temporary_postgres

    if not CASES.exists():
        print(f"bench_rml: {CASES} absent, conformance skipped")
        return []
    results = run_all(CASES, FILE_FORMATS, workdir)
    try:
        with temporary_postgres() as dsn:
            results += run_all(CASES, ("PostgreSQL",), workdir, dsn)
    except RuntimeError as exc:
        print(f"bench_rml: PostgreSQL cases skipped ({exc})")
    rows = []
    for fmt, (passed, total) in sorted(scores(results).items()):
        rows.append({"benchmark": "geotriples rml-test-cases", "metric": f"{fmt} passed", "value": passed,
                     "unit": f"of {total}"})
        rows.append({"benchmark": "geotriples rml-test-cases", "metric": f"{fmt} pass rate",
                     "value": round(100.0 * passed / total, 1), "unit": "%"})
    file_passed = sum(r.passed for r in results if r.fmt in FILE_FORMATS)
    rows.append({"benchmark": "geotriples rml-test-cases", "metric": "CSV+JSON+XML passed", "value": file_passed,
                 "unit": "of 118", "peer": "morph-kgc", "peer_value": MORPH_KGC_FILE_CASES,
                 "ratio": file_passed / MORPH_KGC_FILE_CASES})
    core = sum(r.passed for r in run_all(CASES, FILE_FORMATS, workdir, core=True))
    rows.append({"benchmark": "geotriples rml-test-cases", "metric": "CSV+JSON+XML as RML-Core", "value": core,
                 "unit": "of 118"})
    return rows


def make_csv(path: Path, rows: int) -> None:
    """Points with a name and a value (5 triples + 2 geometry triples per row)."""
    rng = np.random.default_rng(0)
    lon, lat, val = rng.uniform(19, 29, rows), rng.uniform(34, 42, rows), rng.random(rows)
    with open(path, "w") as f:
        f.write("id,name,value,lon,lat\n")
        for i in range(rows):
            f.write(f"{i},site {i},{val[i]:.5f},{lon[i]:.5f},{lat[i]:.5f}\n")


def make_shapefile(path: Path, count: int) -> None:
    """Square parcels in EPSG:2100 with two attributes."""
    import pyogrio.raw
    import shapely

    x = np.arange(count) % 1000 * 100.0 + 400000
    y = np.arange(count) // 1000 * 100.0 + 4200000
    boxes = shapely.box(x, y, x + 90, y + 90)
    pyogrio.raw.write(str(path), geometry=shapely.to_wkb(boxes), field_data=[np.arange(count), x / 1000.0],
                      fields=["code", "km"], crs="EPSG:2100", geometry_type="Polygon", driver="ESRI Shapefile")


def throughput(workdir: Path) -> list[dict]:
    """generate_mapping + dump_rdf on a CSV and a Shapefile; triples/s and peak RSS."""
    from ai4c.linked.mapping import dump_rdf
    from ai4c.linked.mapping.generate import generate_mapping

    rows = int(os.environ.get("AI4C_BENCH_RML_ROWS", 200000))
    features = int(os.environ.get("AI4C_BENCH_RML_FEATURES", 50000))
    out = []
    for name, size, maker in (("csv", rows, make_csv), ("shp", features, make_shapefile)):
        src = workdir / f"data.{name}"
        maker(src, size)
        mapping = generate_mapping(src, workdir / f"{name}.ttl", base_iri="http://ex.org/", rml=True)
        start = time.perf_counter()
        count = dump_rdf(mapping, workdir / f"{name}.nt")
        seconds = time.perf_counter() - start
        label = f"geotriples dump_rdf {name} ({size} rows)"
        out += [{"benchmark": label, "metric": "triples/s", "value": count / seconds, "unit": "triples/s"},
                {"benchmark": label, "metric": "wall time", "value": seconds, "unit": "s"},
                {"benchmark": label, "metric": "triples", "value": count, "unit": "triples"}]
    out.append(peak_memory(workdir, rows))
    return out


def peak_memory(workdir: Path, rows: int) -> dict:
    """Peak RSS of `geotriples dump_rdf` on the CSV in a fresh process (streaming: independent of rows)."""
    import sys

    peak = measured([sys.executable, "-m", "ai4c", "geotriples", "dump_rdf", "--quiet", "--overwrite", "-o",
                     str(workdir / "rss.nt"), str(workdir / "csv.ttl")]).peak_mb
    size = (workdir / "data.csv").stat().st_size / 2**20
    return {"benchmark": f"geotriples dump_rdf csv ({rows} rows, {size:.0f} MiB)", "metric": "peak RSS",
            "value": peak, "unit": "MiB"}


SCALE_CASE = CASES / "RMLTC0011b-CSV"


def make_scaled_case(folder: Path, rows: int) -> Path:
    """RMLTC0011b's mapping over `rows` students, sports and student-sport links (written in chunks)."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SCALE_CASE / "mapping.ttl", folder / "mapping.ttl")
    chunk = 1_000_000
    files = {"student.csv": ("ID,FirstName,LastName\n", "{0},First{0},Last{0}\n"),
             "sport.csv": ("ID,Description\n", "{0},Sport {0}\n"),
             "student_sport.csv": ("ID_Student,ID_Sport\n", "{0},{1}\n")}
    for name, (header, line) in files.items():
        with open(folder / name, "w") as handle:
            handle.write(header)
            for start in range(0, rows, chunk):
                handle.write("".join(line.format(i, (i * 7) % rows) for i in range(start, min(rows, start + chunk))))
    return folder / "mapping.ttl"


def scaling(workdir: Path) -> list[dict]:
    """Wall time, rows/s and peak RSS of dump_rdf on the largest CSV case at growing sizes (linear, flat)."""
    import gzip
    import shutil
    import sys

    if not SCALE_CASE.exists():
        print(f"bench_rml: {SCALE_CASE} absent, scaling skipped")
        return []
    sizes = [int(x) for x in os.environ.get("AI4C_BENCH_RML_SCALE_ROWS", "1000000,10000000").split(",") if x]
    gzip_from = int(os.environ.get("AI4C_BENCH_RML_SCALE_GZIP", 100_000_000))
    out, first = [], None
    for rows in sizes:
        folder = workdir / f"scale-{rows}"
        mapping = make_scaled_case(folder, rows)
        output = folder / ("out.nt.gz" if rows >= gzip_from else "out.nt")
        run = measured([sys.executable, "-m", "ai4c", "geotriples", "dump_rdf", "--quiet", "--overwrite", "-f",
                        "ntriples", "-o", str(output), str(mapping)])
        output_mb = output.stat().st_size / 2**20
        with (gzip.open if output.suffix == ".gz" else open)(output, "rb") as lines:
            triples = sum(block.count(b"\n") for block in iter(lambda: lines.read(1 << 24), b""))
        shutil.rmtree(folder)  # tens of GB at 100 M rows
        per_row = run.wall / rows
        first = first or per_row
        label = f"geotriples dump_rdf RMLTC0011b-CSV x {rows:,} rows"
        out += [{"benchmark": label, "metric": "wall time", "value": round(run.wall, 1), "unit": "s"},
                {"benchmark": label, "metric": "rows/s", "value": round(rows / run.wall), "unit": "rows/s"},
                {"benchmark": label, "metric": "triples", "value": triples, "unit": "triples"},
                {"benchmark": label, "metric": "peak RSS", "value": round(run.peak_mb), "unit": "MiB"},
                {"benchmark": label, "metric": f"output ({output.name})", "value": round(output_mb), "unit": "MiB"},
                {"benchmark": label, "metric": "time per row vs the smallest size", "value": round(per_row / first, 2),
                 "unit": "x (1.0 = linear)"}]
        print(out[-6:], flush=True)
    return out


def run(workdir: Path) -> list[dict]:
    """All GeoTriples rows."""
    workdir.mkdir(parents=True, exist_ok=True)
    return conformance(workdir) + kgc_modules(workdir) + throughput(workdir) + scaling(workdir)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    parts = sys.argv[1:] or ["all"]  # e.g. `python bench_rml.py scaling` for the scaling part alone
    chosen = run if parts == ["all"] else (lambda w: [r for p in parts for r in globals()[p](w)])
    Path("/tmp/bench_rml").mkdir(parents=True, exist_ok=True)
    for row in chosen(Path("/tmp/bench_rml")):
        print(row)
