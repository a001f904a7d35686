"""EarthQA store kept in step with its catalogue: re-indexing an unchanged catalogue changes nothing, a
changed catalogue gives the store a freshly indexed store would hold (checked quad by quad), `ai4c catalog
index --earthqa-store` does it from the CLI, and names with quotes/backslashes/line breaks survive."""

from __future__ import annotations

import datetime as dt
import json

import pyoxigraph as ox
import pytest
from shapely.geometry import box, mapping, shape

from ai4c.catalog import local
from ai4c.catalog.rdf import EO, product_iri
from ai4c.linked.qa.interpretation import Interpretation
from ai4c.linked.qa.sparql import build_query
from ai4c.pipelines.earthqa_index import IndexReport, index, open_store, source_graph
from ai4c.simulate.eo_catalog import site_products, write_catalog


def _graph_quads(store_dir, graph: str) -> set[str]:
    """Every quad of a source's graph, as N-Quads text (comparable across stores)."""
    with open_store(store_dir) as store:
        return {f"{row['s']} {row['p']} {row['o']}"
                for row in store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")}


def _hits(store_dir, geometry) -> set[str]:
    """Products whose footprint intersects `geometry` (answered through the store's spatial index)."""
    query = ("PREFIX geo: <http://www.opengis.net/ont/geosparql#> "
             "PREFIX geof: <http://www.opengis.net/def/function/geosparql/> "
             "SELECT ?p WHERE { ?p geo:hasGeometry/geo:asWKT ?w "
             f'FILTER(geof:sfIntersects(?w, "{geometry.wkt}"^^geo:wktLiteral)) }}')
    with open_store(store_dir) as store:
        return {row["p"].value for row in store.query(query)}


@pytest.fixture(scope="module")
def products():
    return site_products(per_month=1, random_dates=0)[:120]


def test_reindexing_an_unchanged_catalogue_is_a_no_op(tmp_path, products):
    write_catalog(products, tmp_path / "cat.sqlite")
    first = index(tmp_path / "store", catalog=tmp_path / "cat.sqlite")
    assert first == IndexReport(added=len(products))
    before = _graph_quads(tmp_path / "store", source_graph(tmp_path / "cat.sqlite"))
    digests = [q for q in before if f"<{EO}recordDigest>" in q]
    assert len(digests) == len(products)
    again = index(tmp_path / "store", catalog=tmp_path / "cat.sqlite")
    assert again == IndexReport(unchanged=len(products))
    assert _graph_quads(tmp_path / "store", source_graph(tmp_path / "cat.sqlite")) == before


def test_changed_catalogue_gives_the_store_a_fresh_index_would_hold(tmp_path, products):
    catalog = tmp_path / "cat.sqlite"
    write_catalog(products, catalog)
    index(tmp_path / "store", catalog=catalog)
    moved, dropped, kept = products[3], products[7], products[11]
    old_footprint = shape(moved.geometry)
    far = box(100.0, -40.0, 100.5, -39.5)  # open ocean, no other product there
    moved.geometry, moved.cloud_cover = mapping(far), 55.5
    new = site_products(seed=99, per_month=1, random_dates=0)[0]
    new.id = new.title = "NEW_" + new.id
    db = local.connect(catalog)
    with db:
        local.add(db, moved)
        local.add(db, new)
        db.execute("DELETE FROM items WHERE id = ?", (dropped.id,))
    db.close()

    report = index(tmp_path / "store", catalog=catalog)
    assert report == IndexReport(added=1, updated=1, removed=1, unchanged=len(products) - 2)

    fresh = tmp_path / "fresh"
    graph = source_graph(catalog)
    synced = _graph_quads(tmp_path / "store", graph)
    index(fresh, catalog=catalog)  # the same catalogue file: the same graph name
    assert synced == _graph_quads(fresh, graph)

    assert product_iri(moved.id) in _hits(tmp_path / "store", far)
    assert product_iri(moved.id) not in _hits(tmp_path / "store", old_footprint)
    assert product_iri(dropped.id) not in _hits(tmp_path / "store", shape(dropped.geometry))
    assert product_iri(kept.id) in _hits(tmp_path / "store", shape(kept.geometry))
    assert product_iri(new.id) in _hits(tmp_path / "store", shape(new.geometry))


def test_catalog_index_updates_the_earthqa_store(tmp_path, run_cli):
    from ai4c.simulate.s5p import simulate_s5p

    source, store = tmp_path / "products", tmp_path / "store"
    for day in (3, 4):
        simulate_s5p(source, bbox=(5, 45, 15, 55), start=dt.datetime(2020, 3, day, 1, tzinfo=dt.UTC), seed=day)
    args = ("catalog", "index", source, "--catalog", tmp_path / "cat.sqlite", "--earthqa-store", store)
    code, out, _ = run_cli(*args)
    assert code == 0 and "2 products indexed (2 added, 0 updated, 0 unchanged, 0 removed)" in out
    simulate_s5p(source, bbox=(5, 45, 15, 55), start=dt.datetime(2020, 3, 5, 1, tzinfo=dt.UTC), seed=5)
    code, out, _ = run_cli(*args)
    assert code == 0 and "(1 added, 0 updated, 2 unchanged, 0 removed)" in out
    code, out, _ = run_cli("earthqa", "ask", "how many Sentinel-5P products in March 2020?", "--store", store,
                           "--format", "json")
    assert code == 0 and json.loads(out)["count"] == 3


def test_names_with_quotes_backslashes_and_line_breaks(tmp_path, products):
    odd = products[0]
    odd.id = 'S1A_odd "quoted" \\ name'
    odd.title = 'a "title"\nover two lines\\'
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps(odd.to_stac()) + "\n")
    assert index(tmp_path / "store", stac=items).added == 1
    with open_store(tmp_path / "store") as store:
        rows = list(store.query(f"SELECT ?title WHERE {{ <{product_iri(odd.id)}> "
                                "<http://purl.org/dc/terms/title> ?title }"))
        assert [row["title"].value for row in rows] == [odd.title]
        interp = Interpretation(product_types=['GRD" } ?x ?y ?z . FILTER(true) #\n'], tile='33"\\SVB')
        query = build_query(interp, None)
        ox.Store().query(query)  # valid SPARQL: the values stay inside their strings
        assert list(store.query(query)) == []


@pytest.mark.parametrize("wkt", ["POINT (14.99 37.75)", "LINESTRING (0 0, 1 1.5, 2 0)",
                                 "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 2 1, 2 2, 1 1))",
                                 "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
                                 "MULTIPOINT ((1 2), (3 4))", "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))",
                                 "GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 1 1))"])
def test_footprint_wkt_written_directly_is_the_same_geometry(wkt):
    from shapely import wkt as shapely_wkt

    from ai4c.catalog.rdf import geojson_wkt

    geometry = shapely_wkt.loads(wkt)
    written = geojson_wkt(json.loads(json.dumps(mapping(geometry))))  # lists, as the catalogue stores them
    assert shapely_wkt.loads(written).equals_exact(geometry, 0)
