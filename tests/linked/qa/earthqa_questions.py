"""The EarthQA question set: >= 200 questions (paraphrases, misspellings, questions with empty answers) with
gold answers computed from the simulated catalogue by plain Python filters written here, independently of
the question parser, the gazetteer and the query generator (place coordinates and extents are typed here;
country outlines are read from the raw world-outline file)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cache

from pyproj import Geod
from shapely.geometry import Point, box, shape

from ai4c.web import STATIC_DIR

REFERENCE = dt.date(2022, 1, 15)
GEOD = Geod(ellps="WGS84")

POINTS = {"Etna": (14.9934, 37.751), "Vesuvius": (14.426, 40.821), "Athens": (23.7275, 37.9838),
          "Rome": (12.4964, 41.9028), "Paris": (2.3522, 48.8566), "Berlin": (13.405, 52.52),
          "Madrid": (-3.7038, 40.4168), "Lisbon": (-9.1393, 38.7223), "Hekla": (-19.665, 63.983),
          "Thessaloniki": (22.9444, 40.6401), "Catania": (15.0873, 37.5079), "Naples": (14.2681, 40.8518),
          "Mont Blanc": (6.865, 45.833), "Munich": (11.582, 48.1351), "Tokyo": (139.6503, 35.6762)}
EXTENTS = {"Lake Garda": (10.55, 45.43, 10.88, 45.9), "Crete": (23.5, 34.8, 26.35, 35.7),
           "Sicily": (12.4, 36.6, 15.7, 38.35), "Attica": (22.9, 37.6, 24.1, 38.4),
           "Tuscany": (9.68, 42.23, 12.37, 44.47), "Bavaria": (8.97, 47.27, 13.84, 50.56)}


@cache
def country(name: str):
    """A country's outline from the raw GeoJSON file shipped with the web front-end."""
    data = json.loads((STATIC_DIR / "world" / "countries-50m.geojson").read_text())
    return next(shape(f["geometry"]).buffer(0) for f in data["features"] if f["properties"]["name"] == name)


def _distance_km(footprint, lon: float, lat: float) -> float:
    """Geodesic distance from a point to a footprint (0 inside), boundary densified to ~0.5 km."""
    if footprint.contains(Point(lon, lat)):
        return 0.0
    ring = footprint.exterior if footprint.geom_type == "Polygon" else footprint.boundary
    coords = list(ring.segmentize(0.005).coords)
    _, _, dists = GEOD.inv([lon] * len(coords), [lat] * len(coords), [c[0] for c in coords], [c[1] for c in coords])
    return min(dists) / 1000.0


# ---- filters: each takes a Product and says whether it belongs to the answer
def at(name):
    return lambda p: p.footprint.intersects(Point(*POINTS[name]))


def near(name, km=25.0):
    return lambda p: _distance_km(p.footprint, *POINTS[name]) <= km


def inside(name):
    return lambda p: p.footprint.intersects(box(*EXTENTS[name]))


def in_country(name):
    return lambda p: p.footprint.intersects(country(name))


def side_of(name, side, reach=300.0):
    """The documented band: `reach` km beyond the point on that side, `reach` km wide."""
    import math

    lon, lat = POINTS[name]
    dlat = reach / 111.32
    dlon = reach / (111.32 * math.cos(math.radians(lat)))
    bands = {"north": box(lon - dlon / 2, lat, lon + dlon / 2, lat + dlat),
             "east": box(lon, lat - dlat / 2, lon + dlon, lat + dlat / 2)}
    return lambda p: p.footprint.intersects(bands[side])


def mission(*names):
    return lambda p: p.collection in names


def ptype(*types):
    return lambda p: p.product_type in types


def period(a: dt.date, b: dt.date):
    """Sensing overlaps the days a..b inclusive."""
    lo = dt.datetime(a.year, a.month, a.day, tzinfo=dt.UTC)
    hi = dt.datetime(b.year, b.month, b.day, tzinfo=dt.UTC) + dt.timedelta(days=1)
    return lambda p: p.start < hi and p.end >= lo


def month(year, mon):
    last = (dt.date(year + mon // 12, mon % 12 + 1, 1) - dt.timedelta(days=1))
    return period(dt.date(year, mon, 1), last)


def year(y):
    return period(dt.date(y, 1, 1), dt.date(y, 12, 31))


def cloud_below(x):
    return lambda p: p.cloud_cover is not None and p.cloud_cover <= x


def cloud_above(x):
    return lambda p: p.cloud_cover is not None and p.cloud_cover >= x


def direction(d):
    return lambda p: p.properties.get("orbit_direction") == d


def pol(*pols):
    return lambda p: all(x in (p.properties.get("polarisations") or []) for x in pols)


def platform(code):
    return lambda p: p.platform == code


S1, S2, S5P = mission("SENTINEL-1"), mission("SENTINEL-2"), mission("SENTINEL-5P")
NOTHING = (lambda p: False,)


@dataclass
class Q:
    """Paraphrases sharing one gold answer: kind 'set' (ids), 'count', 'latest'/'earliest'/'least_cloudy'
    (top-k ids in order), 'not_understood' (the set, plus the phrase reported), 'error' (exit 2)."""

    questions: list[str]
    filters: tuple = ()
    kind: str = "set"
    k: int = 1
    flagged: str = ""
    notes: list[str] = field(default_factory=list)


def gold(q: Q, products):
    """The gold answer of a question group from the products."""
    chosen = [p for p in products if all(f(p) for f in q.filters)]
    if q.kind == "count":
        return len(chosen)
    if q.kind == "latest":
        return [p.id for p in sorted(chosen, key=lambda p: p.start, reverse=True)[:q.k]]
    if q.kind == "earliest":
        return [p.id for p in sorted(chosen, key=lambda p: p.start)[:q.k]]
    if q.kind == "least_cloudy":
        return [p.id for p in sorted(chosen, key=lambda p: (p.cloud_cover, -p.start.timestamp()))[:q.k]]
    return {p.id for p in chosen}


M2018 = month(2018, 3)
SUMMER21 = period(dt.date(2021, 6, 1), dt.date(2021, 8, 31))

QUESTIONS = [
    Q(["Find Sentinel-1 products that show Etna in March 2018", "Sentinel-1 images of Etna in March 2018",
       "S1 acquisitions over Mount Etna, March 2018", "radar images of Etna in mar 2018",
       "Sentinal-1 images of Etna in Marhc 2018", "show me S-1 scenes covering Mt. Etna during March 2018"],
      (S1, at("Etna"), M2018)),
    Q(["Sentinel-2 images of Etna in March 2018", "optical imagery over Etna in March 2018",
       "S2 products of Mount Etna in 03/2018".replace("03/2018", "March 2018")], (S2, at("Etna"), M2018)),
    Q(["Sentinel-2 images of Vesuvius in July 2019", "S2 over Vesuvio in July 2019",
       "Sentinel-2 of Mount Vesuvious in July 2019"], (S2, at("Vesuvius"), month(2019, 7))),
    Q(["Sentinel-1 over Vesuvius in June 2021", "SAR images of Mount Vesuvius in June 2021"],
      (S1, at("Vesuvius"), month(2021, 6))),
    Q(["Sentinel-1 GRD products over Athens in 2021", "GRD images of Athens in 2021",
       "ground range detected Sentinel-1 products over Athina in 2021"], (S1, ptype("GRD"), at("Athens"), year(2021))),
    Q(["Sentinel-1 SLC products over Athens in 2021", "SLC images over Athens in 2021"],
      (S1, ptype("SLC"), at("Athens"), year(2021))),
    Q(["Sentinel-2 L2A products over Rome in summer 2021", "level-2A images of Rome in summer 2021",
       "bottom of atmosphere Sentinel-2 images of Roma in summer 2021"],
      (S2, ptype("L2A"), at("Rome"), SUMMER21)),
    Q(["Sentinel-2 L1C products over Rome in summer 2021", "L1C images of Rome in summer of 2021"],
      (S2, ptype("L1C"), at("Rome"), SUMMER21)),
    Q(["Sentinel-2 images of Paris last summer", "S2 over Paris during last summer",
       "optical images of Paris from last summer"], (S2, at("Paris"), SUMMER21)),
    Q(["Sentinel-1 images of Berlin last summer", "radar images of Berlin last summer"],
      (S1, at("Berlin"), SUMMER21)),
    Q(["Sentinel-2 images of Madrid with cloud cover below 10%", "S2 over Madrid with less than 10 % clouds",
       "Sentinel-2 products of Madrid, cloud cover under 10 percent", "S2 images over Madrid with clouds below 10%"],
      (S2, at("Madrid"), cloud_below(10))),
    Q(["Sentinel-2 images of Lisbon with cloud cover below 30% in 2021",
       "S2 products over Lisboa in 2021 with less than 30% cloud cover"],
      (S2, at("Lisbon"), cloud_below(30), year(2021))),
    Q(["cloud-free Sentinel-2 images of Athens", "Sentinel-2 images of Athens without clouds",
       "cloudless S2 images over Athens"], (S2, at("Athens"), cloud_below(5))),
    Q(["Sentinel-2 images of Berlin with cloud cover above 80%", "S2 over Berlin with more than 80% cloud cover"],
      (S2, at("Berlin"), cloud_above(80))),
    Q(["the least cloudy Sentinel-2 image of Rome in 2021", "clearest S2 image of Rome in 2021",
       "least cloudy optical image over Rome in 2021"], (S2, at("Rome"), year(2021)), "least_cloudy"),
    Q(["the least cloudy Sentinel-2 image of Paris last summer", "clearest Sentinel-2 image over Paris last summer"],
      (S2, at("Paris"), SUMMER21), "least_cloudy"),
    Q(["the 3 least cloudy Sentinel-2 images of Madrid", "3 clearest S2 images of Madrid"],
      (S2, at("Madrid")), "least_cloudy", k=3),
    Q(["the latest Sentinel-1 image of Etna", "most recent S1 image of Etna", "newest radar image over Mount Etna",
       "last Sentinel-1 acquisition over Etna"], (S1, at("Etna")), "latest"),
    Q(["the latest Sentinel-2 image of Lake Garda", "most recent Sentinel-2 product over Lago di Garda"],
      (S2, inside("Lake Garda")), "latest"),
    Q(["the 5 latest Sentinel-2 images of Athens", "5 most recent S2 images of Athens"],
      (S2, at("Athens")), "latest", k=5),
    Q(["the earliest Sentinel-1 image of Hekla", "oldest S1 product over Hekla", "first Sentinel-1 image of Hekla"],
      (S1, at("Hekla")), "earliest"),
    Q(["how many Sentinel-1 products over Etna in 2021?", "number of S1 images of Etna in 2021",
       "count Sentinel-1 acquisitions over Mount Etna in 2021"], (S1, at("Etna"), year(2021)), "count"),
    Q(["how many Sentinel-2 images of Rome have cloud cover below 20%?",
       "number of Sentinel-2 products over Rome with less than 20% clouds"],
      (S2, at("Rome"), cloud_below(20)), "count"),
    Q(["how many products over Paris in March 2018?", "how many images of Paris in March 2018"],
      (at("Paris"), M2018), "count"),
    Q(["how many Sentinel-5P products in March 2018?", "number of S5P products in March 2018"],
      (S5P, M2018), "count"),
    Q(["Sentinel-1 images within 50 km of Athens in 2019", "S1 products within 50 km of Athens in 2019",
       "radar images less than 50 km from Athens in 2019"], (S1, near("Athens", 50), year(2019))),
    Q(["Sentinel-2 images within 100 km of Naples in June 2021", "S2 within 100km of Napoli in June 2021"],
      (S2, near("Naples", 100), month(2021, 6))),
    Q(["Sentinel-1 images near Catania in March 2018", "S1 images close to Catania in March 2018",
       "Sentinel-1 around Catania in March 2018"], (S1, near("Catania", 25), M2018)),
    Q(["Sentinel-2 images near Thessaloniki in 2019", "S2 images in the vicinity of Salonica in 2019"],
      (S2, near("Thessaloniki", 25), year(2019))),
    Q(["Sentinel-1 images north of Rome in June 2021", "S1 images to the north of Rome in June 2021"],
      (S1, side_of("Rome", "north"), month(2021, 6))),
    Q(["Sentinel-1 images of Italy in March 2018", "S1 products over Italy in March 2018",
       "radar images of Italia in March 2018"], (S1, in_country("Italy"), M2018)),
    Q(["Sentinel-2 images of Greece in December 2021", "S2 over Greece in Dec 2021", "optical images of Hellas in December 2021"],
      (S2, in_country("Greece"), month(2021, 12))),
    Q(["Sentinel-1 images of Iceland in 2019", "S1 over Iceland during 2019"], (S1, in_country("Iceland"), year(2019))),
    Q(["Sentinel-2 images of Germany in January 2022", "S2 products over Deutschland in January 2022"],
      (S2, in_country("Germany"), month(2022, 1))),
    Q(["Sentinel-2 images of Crete in July 2021", "S2 over Kriti in July 2021", "Sentinel-2 images of Creete in July 2021"],
      (S2, inside("Crete"), month(2021, 7))),
    Q(["Sentinel-1 images of Sicily in March 2018", "S1 products over Sicilia in March 2018"],
      (S1, inside("Sicily"), M2018)),
    Q(["Sentinel-2 images of Attica in 2021 with cloud cover below 50%", "S2 over Attica in 2021 under 50% clouds"],
      (S2, inside("Attica"), year(2021), cloud_below(50))),
    Q(["Sentinel-1 images of Bavaria in August 2021", "S1 images over Bayern in August 2021"],
      (S1, inside("Bavaria"), month(2021, 8))),
    Q(["Sentinel-2 images of Tuscany in 2019", "S2 images over Toscana in 2019"], (S2, inside("Tuscany"), year(2019))),
    Q(["Sentinel-1 images of Lake Garda between 1 and 15 June 2021", "S1 over Lake Garda from 1 to 15 June 2021",
       "Sentinel-1 images of Lake Garda between 2021-06-01 and 2021-06-15"],
      (S1, inside("Lake Garda"), period(dt.date(2021, 6, 1), dt.date(2021, 6, 15)))),
    Q(["Sentinel-2 images of Athens between June and August 2021", "S2 of Athens from June to August 2021"],
      (S2, at("Athens"), SUMMER21)),
    Q(["Sentinel-1 images of Madrid between 2018 and 2019", "S1 over Madrid from 2018 to 2019"],
      (S1, at("Madrid"), period(dt.date(2018, 1, 1), dt.date(2019, 12, 31)))),
    Q(["Sentinel-1 ascending images of Etna", "ascending Sentinel-1 passes over Etna",
       "S1 images of Etna in ascending orbit"], (S1, at("Etna"), direction("ASCENDING"))),
    Q(["Sentinel-1 descending images of Athens in 2021", "descending S1 images over Athens in 2021"],
      (S1, at("Athens"), direction("DESCENDING"), year(2021))),
    Q(["Sentinel-1 VV images of Rome", "S1 images of Rome in VV polarisation", "VV polarized radar images of Rome"],
      (S1, at("Rome"), pol("VV"))),
    Q(["Sentinel-1 HH images of Hekla", "S1 HH polarization images over Hekla"], (S1, at("Hekla"), pol("HH"))),
    Q(["dual polarisation Sentinel-1 images of Berlin in 2021", "Sentinel-1 VV+VH images of Berlin in 2021"],
      (S1, at("Berlin"), pol("VV", "VH"), year(2021))),
    Q(["Sentinel-1A images of Paris", "S1A products over Paris"], (S1, platform("S1A"), at("Paris"))),
    Q(["Sentinel-2B images of Lisbon in 2021", "S2B products over Lisbon in 2021"],
      (S2, platform("S2B"), at("Lisbon"), year(2021))),
    Q(["Sentinel-5P carbon monoxide products in March 2018", "S5P CO products in March 2018",
       "carbon monoxide columns in March 2018"], (S5P, ptype("L2__CO____"), M2018)),
    Q(["Sentinel-5P NO2 products over Rome in March 2018", "nitrogen dioxide over Rome in March 2018"],
      (S5P, ptype("L2__NO2___"), at("Rome"), M2018)),
    Q(["Sentinel-5P products over Berlin on 3 March 2018", "S5P over Berlin on March 3, 2018",
       "TROPOMI products over Berlin on 2018-03-03"], (S5P, at("Berlin"), period(dt.date(2018, 3, 3), dt.date(2018, 3, 3)))),
    Q(["Sentinel-2 images of Athens in December 2021 and January 2022".replace(" and January 2022", ""),
       "S2 images of Athens last month", "Sentinel-2 images over Athens in the previous month"],
      (S2, at("Athens"), month(2021, 12))),
    Q(["Sentinel-1 images of Rome in the last 30 days", "S1 images over Rome in the past 30 days"],
      (S1, at("Rome"), period(dt.date(2021, 12, 17), dt.date(2022, 1, 15)))),
    Q(["Sentinel-2 images of Lisbon last year", "S2 products over Lisbon in the last year".replace("in the last year", "last year")],
      (S2, at("Lisbon"), year(2021))),
    Q(["Sentinel-2 images of Paris this year", "S2 over Paris this year"],
      (S2, at("Paris"), period(dt.date(2022, 1, 1), dt.date(2022, 1, 15)))),
    Q(["Sentinel-1 images of Thessaloniki since June 2021", "S1 over Thessaloniki since June 2021"],
      (S1, at("Thessaloniki"), period(dt.date(2021, 6, 1), dt.date(2022, 1, 15)))),
    Q(["Sentinel-1 images of Madrid before 2017", "S1 of Madrid before 2017"],
      (S1, at("Madrid"), period(dt.date(2014, 4, 3), dt.date(2016, 12, 31)))),
    Q(["Sentinel-2 images of Etna in spring 2018", "S2 over Etna in spring of 2018"],
      (S2, at("Etna"), period(dt.date(2018, 3, 1), dt.date(2018, 5, 31)))),
    Q(["Sentinel-1 images of Hekla in Q3 2021", "S1 over Hekla in the third quarter of 2021"],
      (S1, at("Hekla"), period(dt.date(2021, 7, 1), dt.date(2021, 9, 30)))),
    Q(["level-1 Sentinel-1 images of Berlin in 2018", "S1 level 1 products over Berlin in 2018"],
      (S1, ptype("GRD", "SLC"), at("Berlin"), year(2018))),
    Q(["all products over Crete in July 2021", "everything over Crete in July 2021".replace("everything", "all images"),
       "what images exist over Crete in July 2021"], (inside("Crete"), month(2021, 7))),
    Q(["images of Hekla", "all products of Hekla", "what data covers Hekla"], (at("Hekla"),)),
    Q(["Sentinel-2 images of Mont Blanc in 2021", "S2 over Monte Bianco in 2021"], (S2, at("Mont Blanc"), year(2021))),
    Q(["Sentinel-1 images of Munich in 2021", "S1 images over München in 2021", "S1 images over Munchen in 2021"],
      (S1, at("Munich"), year(2021))),
    Q(["Sentinel-2 images east of Athens in 2021", "S2 images to the east of Athens in 2021"],
      (S2, side_of("Athens", "east"), year(2021))),
    Q(["Sentinel-2 images of Athens in July 2019 with less than 50% clouds",
       "S2 over Athens in July 2019, cloud cover below 50 %"], (S2, at("Athens"), month(2019, 7), cloud_below(50))),
    Q(["the latest Sentinel-2 L2A image of Berlin", "most recent level-2A S2 image of Berlin"],
      (S2, ptype("L2A"), at("Berlin")), "latest"),
    Q(["how many Sentinel-2 images of Crete last summer?", "number of S2 products over Crete last summer"],
      (S2, inside("Crete"), SUMMER21), "count"),
    Q(["Sentinel-1 SLC images of Hekla in descending orbit", "descending SLC images over Hekla"],
      (S1, ptype("SLC"), at("Hekla"), direction("DESCENDING"))),
    Q(["Sentinel-1 images within 20 km of Vesuvius", "S1 products within 20 km from Mount Vesuvius"],
      (S1, near("Vesuvius", 20))),
    Q(["Sentinel-2 images of Portugal in 2019", "S2 over Portugal in 2019"], (S2, in_country("Portugal"), year(2019))),
    Q(["Sentinel-1 images of Spain in June 2021", "S1 products over Espana in June 2021"],
      (S1, in_country("Spain"), month(2021, 6))),
    Q(["Are there any Sentinel-1 acquisitions of Mount Etna from March 2018?",
       "I need radar data for Etna, March 2018", "Etna, Sentinel-1, March 2018"], (S1, at("Etna"), M2018)),
    Q(["Which Sentinel-2 images of Berlin were taken in July 2019?", "Berlin Sentinel-2 July 2019",
       "Can you find S2 tiles covering Berlin from July 2019?"], (S2, at("Berlin"), month(2019, 7))),
    Q(["What is the most recent Sentinel-2 image of Madrid?", "Give me the newest S2 scene of Madrid"],
      (S2, at("Madrid")), "latest"),
    Q(["How many radar images of Lisbon were acquired in 2021?", "count of Sentinel-1 scenes over Lisbon in 2021"],
      (S1, at("Lisbon"), year(2021)), "count"),
    Q(["Sentinel-2 data for Thessaloniki with at most 15% cloud cover",
       "S2 over Thessaloniki, max 15% clouds"], (S2, at("Thessaloniki"), cloud_below(15))),
    Q(["sentinel 1 imagery over vesuvius between may and july 2019".replace("may and july", "May and July"),
       "S1 images of Vesuvius from May to July 2019"],
      (S1, at("Vesuvius"), period(dt.date(2019, 5, 1), dt.date(2019, 7, 31)))),
    Q(["Do you have Sentinel-2 pictures of Crete taken in December 2021 with fewer than 40% clouds?",
       "Crete: S2, December 2021, cloud cover < 40%"], (S2, inside("Crete"), month(2021, 12), cloud_below(40))),
    Q(["show descending Sentinel-1 GRD over Rome in 2019", "Rome, descending S1 GRD, 2019"],
      (S1, ptype("GRD"), direction("DESCENDING"), at("Rome"), year(2019))),
    Q(["What Sentinel-5P data is there for Paris in early March 2018?"],
      (S5P, at("Paris"), period(dt.date(2018, 3, 1), dt.date(2018, 3, 10)))),
    Q(["oldest Sentinel-2 L1C image of Hekla", "the first level-1C S2 product over Hekla"],
      (S2, ptype("L1C"), at("Hekla")), "earliest"),
    Q(["Sentinel-1 acquisitions of Rome, Italy in June 2021", "S1 over Rome (Italy) during June 2021"],
      (S1, at("Rome"), month(2021, 6))),
    Q(["Please list every Sentinel-2 L1C product that covers Munich in 2019",
       "list all S2 L1C products covering Munich in 2019"], (S2, ptype("L1C"), at("Munich"), year(2019))),
    Q(["Has Sentinel-1 imaged Hekla since July 2021?", "S1 images of Hekla after June 2021"],
      (S1, at("Hekla"), period(dt.date(2021, 7, 1), dt.date(2022, 1, 15)))),
    Q(["What is the clearest optical image of Lisbon from 2021?"], (S2, at("Lisbon"), year(2021)), "least_cloudy"),
    Q(["how many Sentinel-2 scenes with under 25% cloud cover were taken over Athens?"],
      (S2, at("Athens"), cloud_below(25)), "count"),
    # questions whose answer is empty
    Q(["Sentinel-1 images of Tokyo", "S1 images over Tokyo", "radar images of Tokyo in 2019"], NOTHING),
    Q(["Sentinel-2 images of Etna in 2010", "S2 over Etna in 2010"], NOTHING),
    Q(["Landsat images of Etna", "Landsat-8 scenes over Rome"], NOTHING),
    Q(["Sentinel-3 images of Athens in 2021"], NOTHING),
    Q(["Sentinel-5P methane products over Paris", "S5P CH4 over Paris"], NOTHING),
    Q(["Sentinel-2 images of Madrid with cloud cover below 0.001%"], (S2, at("Madrid"), cloud_below(0.001))),
    Q(["Sentinel-1 images of Lake Titicaca", "S1 over Lake Titicaca"], NOTHING),
    Q(["how many Sentinel-1 images of Tokyo?", "number of S1 products over Tokyo"], NOTHING, "count"),
    # not understood (the answer must say so) and bad input (exit 2)
    Q(["Sentinel-1 images of Etna after the 2023 earthquake", "S1 over Etna before the 2021 eruption"],
      (S1, at("Etna")), "set", flagged="event"),
    Q(["Sentinel-2 images of Athens showing burnt forests", "S2 over Athens with frobnicated pixels"],
      (S2, at("Athens")), "set", flagged="not understood"),
    Q(["Sentinel-1 images of Atlantis", "S1 over Xyzzyville in 2018", "images near Qwertyland"], (), "error"),
    Q(["Sentinel-1 images of Etna in 3021", "S2 images of Rome on 31 February 2020",
       "S1 over Athens between 2021-06-15 and 2021-06-01"], (), "error"),
    Q(["", "   "], (), "error"),
]


def build_store(folder, products):
    """Write the products as a local catalogue and index it into a store under `folder`; returns the store."""
    from ai4c.pipelines.earthqa_index import index
    from ai4c.simulate.eo_catalog import write_catalog

    write_catalog(products, folder / "catalog.sqlite")
    index(folder / "store", catalog=folder / "catalog.sqlite")
    return folder / "store"


def all_questions() -> list[tuple[str, Q]]:
    """Every (question, group) pair."""
    return [(text, q) for q in QUESTIONS for text in q.questions]
