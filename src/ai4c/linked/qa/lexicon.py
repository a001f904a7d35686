"""The product vocabulary of questions: missions and sensors with their synonyms, product types and levels,
orbit, polarisation, cloud cover, superlatives and counts, as ordered (pattern, effect) rules."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ai4c.linked.qa.interpretation import Interpretation

S5P_TYPES = {"carbon monoxide": "L2__CO____", "co": "L2__CO____", "nitrogen dioxide": "L2__NO2___",
             "no2": "L2__NO2___", "methane": "L2__CH4___", "ch4": "L2__CH4___", "ozone": "L2__O3____",
             "o3": "L2__O3____", "sulphur dioxide": "L2__SO2___", "sulfur dioxide": "L2__SO2___",
             "so2": "L2__SO2___", "aerosol": "L2__AER_AI", "aerosols": "L2__AER_AI"}

STOPWORDS = set("""
a an the all any some me us i we you my our please show shows showing find finding found give list get
display return search searching look looking for of with without from that which who what where when
there are is was were be been being have has had do does did can could would should will may might
images image imagery products product scenes scene data dataset datasets acquisitions acquisition
acquired taken captured recorded collected observations observation pictures picture photos photo
tiles files available exist existing exists and or to by on at as per it its their this these those
satellite satellites sensor sensed remote remotely earth eo observing observe observed covering cover
covers covered area region around about show me ones one kind type types sort view views see seeing
also just only every each any captures capture mission missions during passes pass orbits need want like
""".split())


@dataclass(frozen=True)
class LexRule:
    """A pattern (on the normalised question) and what it sets on the interpretation."""

    pattern: str
    apply: Callable[[re.Match, Interpretation], None]


def _add(attr: str, value: str) -> Callable[[re.Match, Interpretation], None]:
    def apply(match: re.Match, interp: Interpretation) -> None:
        items = getattr(interp, attr)
        if value not in items:
            items.append(value)
    return apply


def _mission_note(name: str, word_group: int = 0) -> Callable[[re.Match, Interpretation], None]:
    def apply(match: re.Match, interp: Interpretation) -> None:
        _add("missions", name)(match, interp)
        interp.assumptions.append(f"'{match.group(word_group)}' read as {name}")
    return apply


def _platform(match: re.Match, interp: Interpretation) -> None:
    name = f"Sentinel-{match.group(1)}{match.group(2).upper()}"
    if name not in interp.platforms:
        interp.platforms.append(name)


def _s5p_type(match: re.Match, interp: Interpretation) -> None:
    _add("missions", "Sentinel-5P")(match, interp)
    _add("product_types", S5P_TYPES[match.group(1)])(match, interp)


def _level(match: re.Match, interp: Interpretation) -> None:
    number, letter = match.group(1), (match.group(2) or "").upper()
    if letter:
        _add("levels", f"L{number}{letter}")(match, interp)
        return
    for level in (f"L{number}", *({"1": ["L1C"], "2": ["L2A"]}.get(number, []))):
        _add("levels", level)(match, interp)


def _set(attr: str, value: object) -> Callable[[re.Match, Interpretation], None]:
    def apply(match: re.Match, interp: Interpretation) -> None:
        setattr(interp, attr, value)
    return apply


def _cloud_max(match: re.Match, interp: Interpretation) -> None:
    interp.cloud_max = float(match.group("n").replace(",", "."))


def _cloud_min(match: re.Match, interp: Interpretation) -> None:
    interp.cloud_min = float(match.group("n").replace(",", "."))


def _cloud_free(match: re.Match, interp: Interpretation) -> None:
    interp.cloud_max = 5.0
    interp.assumptions.append(f"'{match.group(0).strip()}' taken as cloud cover <= 5 %")


def _order(order: str) -> Callable[[re.Match, Interpretation], None]:
    def apply(match: re.Match, interp: Interpretation) -> None:
        interp.order = order
        number = match.groupdict().get("k")
        interp.limit = int(number) if number else (interp.limit or 1)
    return apply


def _polarisation(match: re.Match, interp: Interpretation) -> None:
    for pol in re.findall(r"vv|vh|hh|hv", match.group(0)):
        if pol.upper() not in interp.polarisations:
            interp.polarisations.append(pol.upper())


def _dual(match: re.Match, interp: Interpretation) -> None:
    interp.polarisations = ["VV", "VH"]
    interp.assumptions.append(f"'{match.group(0).strip()}' taken as VV+VH (the dual polarisation of IW mode)")


_LESS = r"(?:below|under|less than|fewer than|lower than|smaller than|at most|not more than|no more than|max(?:imum)?|up to|<=?|<)"
_MORE = r"(?:above|over|more than|greater than|higher than|at least|min(?:imum)?|>=?|>)"
_NUM = r"(?P<n>\d+(?:[.,]\d+)?)\s*(?:%|percent|per cent|pct)?"
_CLOUD = r"(?:cloud(?:s|y|iness)?(?:\s*(?:cover(?:age)?|fraction|percentage))?|cc)"
_K = r"(?:(?P<k>\d+)\s+)?"

RULES: list[LexRule] = [
    LexRule(r"\b(how many|number of|count of|count the|count)\b", _set("count", True)),
    LexRule(rf"\b(?:the\s+)?{_K}(?:least cloudy|clearest|least clouded|lowest cloud(?:\s*cover(?:age)?)?|"
            r"(?:with\s+)?(?:the\s+)?(?:fewest|least)\s+clouds?)\b", _order("least_cloudy")),
    LexRule(rf"\b(?:the\s+)?{_K}(?:latest|most recent|newest|last acquired|most current|youngest|last)\b",
            _order("latest")),
    LexRule(rf"\b(?:the\s+)?{_K}(?:earliest|oldest|first acquired|first)\b", _order("earliest")),
    LexRule(rf"\b{_CLOUD}\s*(?:is\s+|of\s+)?{_LESS}\s*{_NUM}", _cloud_max),
    LexRule(rf"\b{_LESS}\s*{_NUM}\s*(?:of\s+)?{_CLOUD}", _cloud_max),
    LexRule(rf"\b{_CLOUD}\s*(?:is\s+|of\s+)?{_MORE}\s*{_NUM}", _cloud_min),
    LexRule(rf"\b{_MORE}\s*{_NUM}\s*(?:of\s+)?{_CLOUD}", _cloud_min),
    LexRule(r"\b(?:cloud[- ]?free|cloudless|without clouds|no clouds|clear[- ]sky|clear)\b", _cloud_free),
    LexRule(r"\b(ascending)\b(?:\s+(?:orbits?|pass(?:es)?|tracks?|geometry|direction))?", _set("orbit_direction", "ASCENDING")),
    LexRule(r"\b(descending)\b(?:\s+(?:orbits?|pass(?:es)?|tracks?|geometry|direction))?", _set("orbit_direction", "DESCENDING")),
    LexRule(r"\b(?:relative\s+orbit|track|rel\.?\s*orbit|orbit)(?:\s+(?:number|no\.?|#))?\s+(\d{1,3})\b",
            lambda m, i: setattr(i, "relative_orbit", int(m.group(1)))),
    LexRule(r"\b(?:mgrs\s+)?tile\s+(?:t)?(\d{2}[c-x][a-z]{2})\b", lambda m, i: setattr(i, "tile", m.group(1).upper())),
    LexRule(r"\b(?:dual[- ]?pol(?:ari[sz]ation|ari[sz]ed)?|dual)\b", _dual),
    LexRule(r"\b(?:vv|vh|hh|hv)(?:\s*(?:\+|and|&|/)\s*(?:vv|vh|hh|hv))*\b(?:\s+(?:polari[sz]ation|polari[sz]ed|pol|channels?|bands?))?",
            _polarisation),
    LexRule(r"\b(?:polari[sz]ation|polari[sz]ed)\b", lambda m, i: None),
    LexRule(r"\b(?:sentinel[- ]?|s[- ]?)([12])([abcd])\b", _platform),
    LexRule(r"\b(?:sentinel[- ]?5[- ]?p(?:recursor)?|sentinel[- ]?5 precursor|s[- ]?5[- ]?p)\b", _add("missions", "Sentinel-5P")),
    LexRule(r"\b(?:sentinel[- ]?|s[- ]?)1\b", _add("missions", "Sentinel-1")),
    LexRule(r"\b(?:sentinel[- ]?|s[- ]?)2\b", _add("missions", "Sentinel-2")),
    LexRule(r"\b(?:sentinel[- ]?|s[- ]?)3\b", _add("missions", "Sentinel-3")),
    LexRule(r"\b(landsat(?:[- ]?\d)?|modis|spot|pleiades|worldview|planetscope|terrasar(?:-x)?|cosmo[- ]skymed)\b",
            lambda m, i: _add("missions", m.group(1).title())(m, i)),
    LexRule(r"\b(?:grd[hm]?|ground range detected)\b", _add("product_types", "GRD")),
    LexRule(r"\b(?:slc|single look complex)\b", _add("product_types", "SLC")),
    LexRule(r"\bocn\b", _add("product_types", "OCN")),
    LexRule(r"\b(?:l1c|top of atmosphere|toa)\b", _add("product_types", "L1C")),
    LexRule(r"\b(?:l2a|bottom of atmosphere|boa|surface reflectance)\b", _add("product_types", "L2A")),
    LexRule(r"\b(tropomi)\b", _mission_note("Sentinel-5P", 1)),
    LexRule(r"\b(radar|sar|c-band|c band|microwave|interferometric)\b", _mission_note("Sentinel-1", 1)),
    LexRule(r"\b(optical|multispectral|multi-spectral|msi|true colou?r|rgb)\b", _mission_note("Sentinel-2", 1)),
    LexRule(r"\b(atmospheric|air quality|atmosphere|pollution)\b", _mission_note("Sentinel-5P", 1)),
    LexRule(r"\b(carbon monoxide|nitrogen dioxide|methane|ozone|sulphur dioxide|sulfur dioxide|aerosols?|co|no2|ch4|o3|so2)\b"
            r"(?:\s+(?:columns?|concentrations?|levels?|measurements?|total column))?", _s5p_type),
    LexRule(r"\b(?:processing\s+)?level[- ]?([012])\s*([abc])?\b", _level),
    LexRule(r"\bl([012])\b", _level),
]

KEYWORDS = sorted({w for w in """
sentinel radar optical multispectral ascending descending polarisation polarization cloud clouds cloudy
cloudless cover coverage latest recent newest earliest oldest clearest products images level tropomi
carbon monoxide nitrogen dioxide methane ozone aerosol january february march april may june july august
september october november december spring summer autumn winter between within near north south east west
kilometres kilometers miles since before after during until today yesterday week month year days weeks
months years last past previous many number least lowest below above under over less more than percent
relative orbit track tile dual landsat show find products acquisitions
""".split()})
