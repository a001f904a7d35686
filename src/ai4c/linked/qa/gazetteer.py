"""The place gazetteer of question answering: names (with variants) -> geometries, exact and fuzzy look-up.

Built from rows (the curated table shipped with the package, a world outline, a GeoNames dump or an OSM
features store: the loaders live outside this module); nothing here reads files.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry

KINDS = ("country", "region", "city", "volcano", "mountain", "range", "lake", "island", "sea", "feature")
MAX_WORDS = 5


def normalise(text: str) -> str:
    """Lower case, accents and punctuation removed, single spaces: 'Mönchengladbach!' -> 'monchengladbach'."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("ß", "ss").replace("ø", "o").replace("æ", "ae").replace("ð", "d").replace("þ", "th")
    text = re.sub(r"['’`]", "", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass(frozen=True)
class Place:
    """A named place: its geometry (lon/lat), kind, country and every name it is known by."""

    name: str
    kind: str
    geometry: BaseGeometry = field(compare=False)
    country: str = ""
    variants: tuple[str, ...] = ()

    @property
    def is_point(self) -> bool:
        """True for places known by a point only (cities, summits, volcanoes)."""
        return self.geometry.geom_type == "Point"

    def to_json(self) -> dict:
        """Name, kind, country and location, for the answer's interpretation."""
        centre = self.geometry.representative_point() if not self.is_point else self.geometry
        return {"name": self.name, "kind": self.kind, "country": self.country,
                "lon": round(centre.x, 5), "lat": round(centre.y, 5),
                "bbox": [round(v, 5) for v in self.geometry.bounds]}


def place_from_row(row: dict) -> Place:
    """A Place from a table row: name, kind, country, lon, lat or extent 'minx miny maxx maxy', variants 'a;b'."""
    extent = str(row.get("extent") or "").split()
    if len(extent) == 4:
        geometry = box(*map(float, extent))
    else:
        geometry = Point(float(row["lon"]), float(row["lat"]))
    variants = tuple(v.strip() for v in str(row.get("variants") or "").split(";") if v.strip())
    return Place(str(row["name"]).strip(), str(row.get("kind") or "feature").strip(), geometry,
                 str(row.get("country") or "").strip(), variants)


class Gazetteer:
    """Places indexed by every normalised name; look-ups by word n-grams, suggestions by similarity."""

    def __init__(self, places: Iterable[Place] = ()) -> None:
        self.places: list[Place] = []
        self._by_name: dict[str, list[Place]] = {}
        self.add(places)

    def add(self, places: Iterable[Place]) -> None:
        """Add places (a later place with the same name and kind replaces none: both are kept)."""
        for place in places:
            self.places.append(place)
            for name in {normalise(n) for n in (place.name, *place.variants)} - {""}:
                self._by_name.setdefault(name, []).append(place)
        self._words = None

    def __len__(self) -> int:
        return len(self.places)

    def names(self) -> list[str]:
        """Every normalised name the gazetteer knows."""
        return list(self._by_name)

    def words(self) -> set[str]:
        """Every word of every name (so the spelling corrector leaves place names alone)."""
        if self._words is None:
            self._words = {w for name in self._by_name for w in name.split()}
        return self._words

    def lookup(self, name: str) -> list[Place]:
        """Places with exactly this (normalised) name, the most important kind first."""
        found = self._by_name.get(normalise(name), [])
        return sorted(found, key=lambda p: KINDS.index(p.kind) if p.kind in KINDS else len(KINDS))

    def find_in(self, words: list[str]) -> Iterator[tuple[int, int, str]]:
        """(start, end, name) of every known name in a word list, longest first, not overlapping."""
        taken = [False] * len(words)
        for size in range(min(MAX_WORDS, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                if any(taken[start:start + size]):
                    continue
                name = " ".join(words[start:start + size])
                if name in self._by_name:
                    taken[start:start + size] = [True] * size
                    yield start, start + size, name

    def suggest(self, name: str, count: int = 3, cutoff: float = 0.6) -> list[str]:
        """Known names closest to `name` (for 'did you mean'), as their places' display names."""
        close = difflib.get_close_matches(normalise(name), self.names(), n=count * 3, cutoff=cutoff)
        return list(dict.fromkeys(self._by_name[c][0].name for c in close))[:count]

    def closest(self, name: str, cutoff: float = 0.84) -> tuple[str, float] | None:
        """The one known name close enough to be taken for a misspelling of `name` (unique best), else None."""
        target = normalise(name)
        if len(target) < 4:
            return None
        scored = sorted(((difflib.SequenceMatcher(None, target, known).ratio(), known) for known in
                         difflib.get_close_matches(target, self.names(), n=5, cutoff=cutoff)), reverse=True)
        if not scored or (len(scored) > 1 and scored[1][0] == scored[0][0]
                          and self._by_name[scored[1][1]][0] != self._by_name[scored[0][1]][0]):
            return None
        return scored[0][1], scored[0][0]


def geonames_rows(lines: Iterable[str], min_population: int = 0) -> Iterator[dict]:
    """Rows from a GeoNames dump (allCountries.txt/cities15000.txt tab-separated format): name, variants,
    kind from the feature class/code, country code, lon/lat."""
    codes = {"PCLI": "country", "ADM1": "region", "ADM2": "region", "VLC": "volcano", "MT": "mountain",
             "PK": "mountain", "MTS": "range", "LK": "lake", "ISL": "island", "SEA": "sea"}
    for line in lines:
        cols = line.rstrip("\n").split("\t")
        if len(cols) < 15:
            continue
        kind = "city" if cols[6] == "P" else codes.get(cols[7])
        if kind is None or (kind == "city" and int(cols[14] or 0) < min_population):
            continue
        variants = ";".join(v for v in cols[3].split(",")[:20] if v and v != cols[1])
        yield {"name": cols[1], "kind": kind, "country": cols[8], "lon": cols[5], "lat": cols[4],
               "variants": f"{cols[2]};{variants}"}
