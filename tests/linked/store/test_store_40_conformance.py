"""Conformance suites from ../shared/data (skipped when absent); scores printed per requirement."""

from __future__ import annotations

from ai4c.linked.conformance import geosparql as conformance
from conftest import shared


def test_geosparql_compliance_benchmark():
    root = shared("linked", "geosparql-compliance-benchmark-1.0")
    result = conformance.run_geosparql_benchmark(root)
    table = conformance.score_per_requirement(result)
    print(f"\nGeoSPARQL compliance benchmark: {result.score}/{result.total}")
    for requirement, (passed, total) in table.items():
        print(f"  {requirement}: {passed}/{total}")
    for name, detail in sorted(result.details.items()):
        print(f"  FAIL {name}: {detail}")
    assert result.total == 206
    # Core, topology, geometry, geometry-topology and RDFS entailment requirements all pass
    # except the 4 geof:distance (expected values of another metre approximation) and 2
    # geof:buffer (expected a 10-degree buffer for 10 uom:metre) queries; the query rewrite ones
    # (R28-R30) except 7 whose expected answers contradict the benchmark's own function answers.
    assert all(table[f"R{r}"][0] == table[f"R{r}"][1] for r in (*range(1, 19), *range(20, 28)) if f"R{r}" in table)
    assert table["R28"][0] >= 7 and table["R29"][0] >= 6
    assert result.score >= 192


def test_strabon_testsuite():
    root = shared("linked", "strabon-testsuite")
    result = conformance.run_strabon_testsuite(root)
    print(f"\nStrabon testsuite: {result.score}/{result.total} ({100 * result.score / result.total:.1f} %)")
    for name, detail in sorted(result.details.items()):
        print(f"  FAIL {name}: {detail}")
    assert result.total == 109
    # EhOverlapTest expects a polygon and a line crossing it not to overlap (PostGIS's ST_Overlaps); GeoSPARQL's
    # Egenhofer table applies T*T***T** to all geometry types, which relates them (docs/geosparql-store.md)
    assert result.score >= 104


def test_oxigraph_geosparql_tests():
    folder = shared("linked", "oxigraph-geosparql-tests", "testsuite", "oxigraph-tests", "geosparql")
    result = conformance.run_oxigraph_tests(folder)
    print(f"\nOxigraph GeoSPARQL tests: {result.score}/{result.total}")
    for name, detail in sorted(result.details.items()):
        print(f"  FAIL {name}: {detail}")
    assert result.total == 44
    # wkt_default_spatial_reference_system expects EPSG:4326 to be unsupported (unbound); we read it
    # in its lat/lon axis order as GeoSPARQL says, which gives false.
    assert result.score >= 43
