"""EarthQA parts: the gazetteer, the time expressions, the parser's account of what it assumed or did not
understand, the search areas, and the RDF of a product (checked against values computed here)."""

from __future__ import annotations

import datetime as dt

import pyoxigraph
import pytest
from pyproj import Geod
from shapely.geometry import Point

from ai4c.catalog.model import Product
from ai4c.catalog.rdf import EO, product_triples
from ai4c.catalog.stac_items import product_from_item, stac_products
from ai4c.core.errors import InvalidParameterError
from ai4c.linked.qa.gazetteer import Gazetteer, geonames_rows, normalise, place_from_row
from ai4c.linked.qa.interpretation import Interpretation
from ai4c.linked.qa.parser import UnknownPlaceError, parse_question
from ai4c.linked.qa.spatial import buffer_km, search_area
from ai4c.linked.qa.timeexpr import parse_period
from ai4c.pipelines.earthqa import load_gazetteer

TODAY = dt.date(2022, 1, 15)


@pytest.fixture(scope="module")
def gazetteer():
    return load_gazetteer()


def test_gazetteer_names_variants_accents_and_suggestions(gazetteer):
    assert normalise("Mönchengladbach!") == "monchengladbach"
    assert gazetteer.lookup("Mt. Etna")[0].name == "Etna"
    assert gazetteer.lookup("münchen")[0].name == "Munich"
    assert gazetteer.lookup("Hellas")[0].kind == "country"
    assert gazetteer.closest("vesuvious")[0] == "vesuvius"
    assert gazetteer.closest("xyzzyville") is None
    assert "Athens" in gazetteer.suggest("Athenz")
    italy = gazetteer.lookup("Italy")[0]
    assert italy.geometry.contains(Point(12.4964, 41.9028)) and not italy.geometry.contains(Point(2.35, 48.86))


def test_geonames_rows_become_places():
    line = "\t".join(["2525068", "Etna", "Etna", "Mongibello,Mount Etna", "37.75", "14.99", "T", "VLC", "IT", "",
                      "", "", "", "", "0", "", "3340", "", "Europe/Rome", "2020-01-01"])
    places = [place_from_row(r) for r in geonames_rows([line])]
    gaz = Gazetteer(places)
    assert gaz.lookup("mongibello")[0].kind == "volcano"
    assert gaz.lookup("Mount Etna")[0].geometry.equals(Point(14.99, 37.75))


@pytest.mark.parametrize("text, start, end", [
    ("in march 2018", "2018-03-01", "2018-04-01"),
    ("between 1 and 15 june 2021", "2021-06-01", "2021-06-16"),
    ("last summer", "2021-06-01", "2021-09-01"),
    ("since may 2020", "2020-05-01", "2022-01-16"),
    ("in the past 10 days", "2022-01-06", "2022-01-16"),
    ("yesterday", "2022-01-14", "2022-01-15"),
    ("q4 2019", "2019-10-01", "2020-01-01"),
])
def test_time_expressions(text, start, end):
    period, _ = parse_period(f" {text} ", TODAY)
    assert (period.start.date().isoformat(), period.end.date().isoformat()) == (start, end)


def test_absurd_and_event_relative_times():
    with pytest.raises(InvalidParameterError, match="outside"):
        parse_period(" in 3021 ", TODAY)
    with pytest.raises(InvalidParameterError, match="not a date"):
        parse_period(" on 31 february 2020 ", TODAY)
    period, _ = parse_period(" after the 2023 earthquake ", TODAY)
    assert period.start is None and "event" in period.not_understood[0]


def test_parser_reports_assumptions_and_leftovers(gazetteer):
    interp, place = parse_question("radar images near Etnna in ascending orbit with clouds below 20%", gazetteer, TODAY)
    assert place.name == "Etna" and interp.relation == "near" and interp.radius_km == 25
    assert interp.missions == ["Sentinel-1"] and interp.orbit_direction == "ASCENDING" and interp.cloud_max == 20
    assert any("Etnna" in a or "etnna" in a for a in interp.assumptions)
    assert any("radar" in a for a in interp.assumptions)
    interp, _ = parse_question("Sentinel-2 over Rome showing flooded vineyards", gazetteer, TODAY)
    assert interp.not_understood == ["words not understood: 'flooded vineyards'"]
    with pytest.raises(UnknownPlaceError, match="did you mean: Berlin"):
        parse_question("images over Bxrlinn", gazetteer, TODAY)
    with pytest.raises(InvalidParameterError, match="empty"):
        parse_question("  ", gazetteer, TODAY)


def test_search_area_radius_is_geodesic(gazetteer):
    etna = gazetteer.lookup("Etna")[0]
    area = search_area(etna, Interpretation(place="Etna", relation="within", distance_km=50))
    geod = Geod(ellps="WGS84")
    for lon, lat in list(area.exterior.coords)[::16]:
        assert abs(geod.inv(etna.geometry.x, etna.geometry.y, lon, lat)[2] / 1000 - 50) < 0.2
    assert buffer_km(Point(0, 60), 10).bounds[3] == pytest.approx(60 + 10 / 111.4, abs=0.002)


def test_product_rdf_and_stac_item(tmp_path):
    start = dt.datetime(2018, 3, 31, 23, 59, 50, tzinfo=dt.UTC)
    item = {"type": "Feature", "stac_version": "1.0.0", "id": "S1A_IW_GRDH_1SDV_20180331T235950_X",
            "geometry": {"type": "Polygon", "coordinates": [[[14, 37], [16, 37], [16, 39], [14, 39], [14, 37]]]},
            "properties": {"datetime": start.isoformat(), "end_datetime": (start + dt.timedelta(seconds=25)).isoformat(),
                           "platform": "sentinel-1a", "sat:orbit_state": "ascending", "sat:relative_orbit": 44,
                           "sar:polarizations": ["VV", "VH"], "s1:product_type": "GRD"},
            "assets": {"product": {"href": "https://example.org/p.zip", "roles": ["data"]},
                       "thumbnail": {"href": "https://example.org/q.png", "roles": ["thumbnail"]}}}
    product = product_from_item(item)
    store = pyoxigraph.Store()
    store.load(input="".join(product_triples(product)), format=pyoxigraph.RdfFormat.N_TRIPLES)
    facts = {(t.predicate.value.removeprefix(EO), t.object.value) for t in store.quads_for_pattern(None, None, None)}
    for fact in [("mission", "Sentinel-1"), ("platform", "Sentinel-1A"), ("productType", "GRD"),
                 ("processingLevel", "L1"), ("orbitDirection", "ASCENDING"), ("relativeOrbit", "44"),
                 ("polarisation", "VV"), ("polarisation", "VH"), ("sensingDay", "2018-03-31"),
                 ("sensingDay", "2018-04-01"), ("sensingMonth", "2018-04"), ("quicklook", "https://example.org/q.png")]:
        assert fact in facts
    (tmp_path / "items.jsonl").write_text('{"type": "Feature", "id": "x", "properties": {}}\n' +
                                         __import__("json").dumps(item) + "\nnot json\n")
    assert [p.id for p in stac_products(tmp_path / "items.jsonl")] == [item["id"]]


def test_s1_name_gives_polarisations_without_properties():
    p = Product(id="S1B_IW_SLC__1SSH_20190101T000000_X", collection="SENTINEL-1", product_type="", start=
                dt.datetime(2019, 1, 1, tzinfo=dt.UTC), end=dt.datetime(2019, 1, 1, tzinfo=dt.UTC), geometry=None,
                href="", provider="t")
    text = "".join(product_triples(p))
    assert '"HH"' in text and '"HV"' not in text and '"SLC"' in text


@pytest.mark.parametrize("question, expected", [
    ("S1 images on relative orbit 117", {"relative_orbit": 117, "missions": ["Sentinel-1"]}),
    ("Sentinel-2 tile 33SVB in 2020", {"tile": "33SVB", "missions": ["Sentinel-2"]}),
    ("dual pol SLC over Rome", {"polarisations": ["VV", "VH"], "product_types": ["SLC"]}),
    ("level 2 products of Paris", {"levels": ["L2", "L2A"]}),
    ("the 3 latest S2B images of Paris", {"order": "latest", "limit": 3, "platforms": ["Sentinel-2B"]}),
    ("nitrogen dioxide over Berlin", {"missions": ["Sentinel-5P"], "product_types": ["L2__NO2___"]}),
    ("S1 images within 10 miles of Rome", {"relation": "within", "distance_km": 16.09344}),
    ("S2 images south of Munich", {"relation": "south", "place": "Munich"}),
])
def test_parser_facets(gazetteer, question, expected):
    interp, _ = parse_question(question, gazetteer, TODAY)
    assert {key: getattr(interp, key) for key in expected} == expected
    assert interp.not_understood == []


def test_vector_file_of_named_features_extends_the_gazetteer(tmp_path):
    import json

    from shapely.geometry import box

    features = [{"type": "Feature", "properties": {"name": "Vigna del Sole", "natural": "vineyard",
                                                    "alt_name": "Sun Vineyard"},
                 "geometry": box(14.1, 37.2, 14.3, 37.4).__geo_interface__},
                {"type": "Feature", "properties": {"name": None}, "geometry": {"type": "Point", "coordinates": [0, 0]}}]
    path = tmp_path / "osm.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    gazetteer = load_gazetteer(str(path))
    place = gazetteer.lookup("sun vineyard")[0]
    assert place.name == "Vigna del Sole" and place.kind == "vineyard"
    assert place.geometry.equals(box(14.1, 37.2, 14.3, 37.4))
    interp, found = parse_question("S2 images over Vigna del Sole", gazetteer, TODAY)
    assert found is place and interp.not_understood == []


@pytest.mark.parametrize("question, place, leftover", [
    ("S1 images of Paris, France", "Paris", []), ("S2 over Etna in Sicily in 2021", "Etna", []),
    ("S2 over Lake Garda, Italy", "Lake Garda", []),
    ("S1 images of Rome and Athens", "Rome", ["'athens': one place per question is supported; used Rome"]),
])
def test_a_containing_place_qualifies_instead_of_competing(gazetteer, question, place, leftover):
    interp, found = parse_question(question, gazetteer, TODAY)
    assert found.name == place and interp.not_understood == leftover


@pytest.mark.parametrize("text, start, end", [
    ("in march", "2021-03-01", "2021-04-01"), ("during january", "2022-01-01", "2022-02-01"),
    ("in the summer", "2021-06-01", "2021-09-01"),
])
def test_month_or_season_without_a_year_is_the_latest_one_and_said_so(text, start, end):
    period, _ = parse_period(f" {text} ", TODAY)
    assert (period.start.date().isoformat(), period.end.date().isoformat()) == (start, end)
    assert "without a year" in period.assumptions[0]


def test_osm_features_store_extends_the_gazetteer(tmp_path):
    import geopandas
    from shapely.geometry import box

    store = tmp_path / "osm-store"
    store.mkdir()
    (store / "store.json").write_text("{}")
    frame = geopandas.GeoDataFrame({"name": ["Ospedale Garibaldi", None], "name_en": ["Garibaldi Hospital", None],
                                    "class": ["hospital", "hospital"]},
                                   geometry=[box(15.08, 37.50, 15.09, 37.51), box(0, 0, 1, 1)], crs="EPSG:4326")
    frame.to_parquet(store / "hospital.parquet")
    gazetteer = load_gazetteer(str(store))
    place = gazetteer.lookup("garibaldi hospital")[0]
    assert place.name == "Ospedale Garibaldi" and place.kind == "hospital"
    assert place.geometry.equals(box(15.08, 37.50, 15.09, 37.51))
