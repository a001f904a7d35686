"""Question -> Interpretation: ordered rules (distances, times, product vocabulary, places), a spelling
pass against the vocabulary, and an account of every word that was assumed or not understood."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata

from ai4c.core.errors import InvalidParameterError
from ai4c.linked.qa.gazetteer import Gazetteer, Place
from ai4c.linked.qa.interpretation import Interpretation
from ai4c.linked.qa.lexicon import KEYWORDS, RULES, STOPWORDS
from ai4c.linked.qa.timeexpr import MONTHS, parse_period

RELATION_WORDS = {
    "north": r"(?:to\s+the\s+)?north(?:\s+of)?|northwards?\s+of",
    "south": r"(?:to\s+the\s+)?south(?:\s+of)?|southwards?\s+of",
    "east": r"(?:to\s+the\s+)?east(?:\s+of)?|eastwards?\s+of",
    "west": r"(?:to\s+the\s+)?west(?:\s+of)?|westwards?\s+of",
    "near": r"near(?:by)?|close\s+to|around|next\s+to|in\s+the\s+vicinity\s+of|in\s+the\s+surroundings\s+of|by",
    "in": r"in|over|of|covering|above|at|on|across|showing|show|inside|within|for|intersecting|containing",
}
SPATIAL_WORDS = {"in", "over", "near", "around", "above", "at", "of", "covering", "across", "inside",
                 "nearby", "close", "vicinity", "north", "south", "east", "west", "surroundings", "next", "within"}
_DISTANCE = re.compile(r"\b(?:within|in\s+a\s+radius\s+of|less\s+than|up\s+to|at\s+most|no\s+more\s+than)?\s*"
                       r"(\d+(?:[.,]\d+)?)\s*(km|kms|kilometers|kilometres|kilometer|kilometre|miles|mile|mi|m|"
                       r"meters|metres)\s+(?:of|from|around|away\s+from|radius\s+(?:of|around)|to)\b")
_UNIT_KM = {"km": 1.0, "kms": 1.0, "kilometers": 1.0, "kilometres": 1.0, "kilometer": 1.0, "kilometre": 1.0,
            "miles": 1.609344, "mile": 1.609344, "mi": 1.609344, "m": 0.001, "meters": 0.001, "metres": 0.001}


class UnknownPlaceError(InvalidParameterError):
    """A place the gazetteer does not know (the message suggests close names)."""


def normalise_question(question: str) -> str:
    """Lower case, accents removed, punctuation other than - % / . , + < > = made space."""
    text = unicodedata.normalize("NFKD", question)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[‐‑‒–—]", "-", text).replace("’", "'")
    text = re.sub(r"(?<=\w)'s\b", "", text)
    text = re.sub(r"[^a-z0-9%/.,+<>=\s-]", " ", text)
    text = re.sub(r"(?<!\d)[.,](?!\d)", " ", text)
    return " " + " ".join(text.split()) + " "


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _vocabulary(gazetteer: Gazetteer) -> set[str]:
    return STOPWORDS | set(KEYWORDS) | set(MONTHS) | gazetteer.words() | set(SPATIAL_WORDS)


def correct_spelling(text: str, gazetteer: Gazetteer, interp: Interpretation) -> str:
    """Replace words close to a vocabulary keyword ('sentinal' -> 'sentinel'), noting each as assumed."""
    vocabulary = _vocabulary(gazetteer)
    targets = list(set(KEYWORDS) | set(m for m in MONTHS if len(m) > 3))

    def fix(match: re.Match) -> str:
        word = match.group(0)
        if len(word) < 4 or word in vocabulary:
            return word
        close = difflib.get_close_matches(word, targets, n=1, cutoff=0.8)
        if not close:
            return word
        interp.assumptions.append(f"'{word}' read as '{close[0]}'")
        return close[0]

    return re.sub(r"(?<![\w-])[a-z]+(?![\w])", fix, text)


def parse_question(question: str, gazetteer: Gazetteer, today: dt.date) -> tuple[Interpretation, Place | None]:
    """The interpretation of a question and its resolved place (None when it names none)."""
    if not question or not question.strip():
        raise InvalidParameterError("the question is empty; ask e.g. 'Sentinel-1 images of Etna in March 2018'")
    interp = Interpretation()
    text = correct_spelling(normalise_question(question), gazetteer, interp)
    distance = _DISTANCE.search(text)
    if distance:
        interp.relation = "within"
        interp.distance_km = round(float(distance.group(1).replace(",", ".")) * _UNIT_KM[distance.group(2)], 6)
        text = _blank(text, distance.start(), distance.end())
    period, text = parse_period(text, today)
    interp.start, interp.end = period.start, period.end
    interp.assumptions += period.assumptions
    interp.not_understood += period.not_understood
    for rule in RULES:
        for match in list(re.finditer(rule.pattern, text)):
            rule.apply(match, interp)
            text = _blank(text, match.start(), match.end())
    place, text = _find_place(text, gazetteer, interp, distance is not None)
    _report_leftovers(text, interp)
    interp.check()
    return interp, place


def _tokens(text: str) -> list[re.Match]:
    return list(re.finditer(r"[a-z0-9]+", text))


def _relation_before(text: str, start: int) -> str | None:
    """The spatial relation word(s) right before a place name (None when there are none)."""
    before = text[:start].rstrip()
    for relation, pattern in RELATION_WORDS.items():
        match = re.search(rf"\b(?:{pattern})$", before)
        if match:
            return relation
    return None


def _find_place(text: str, gazetteer: Gazetteer, interp: Interpretation, has_distance: bool
                ) -> tuple[Place | None, str]:
    """Resolve the question's place (exact names first, then one misspelled name), blanking it and its
    relation words."""
    tokens = _tokens(text)
    words = [t.group(0) for t in tokens]
    found = list(gazetteer.find_in(words))
    found.sort(key=lambda item: item[0])
    found, qualifiers = _split_qualifiers(found, gazetteer, interp)
    for start, end, _ in qualifiers:
        text = _blank(text, tokens[start].start(), tokens[end - 1].end())
    chosen = None
    for start, end, name in found:
        if chosen is None:
            chosen = (tokens[start].start(), tokens[end - 1].end(), name)
        else:
            interp.not_understood.append(f"'{name}': one place per question is supported; "
                                         f"used {gazetteer.lookup(chosen[2])[0].name}")
            text = _blank(text, tokens[start].start(), tokens[end - 1].end())
    if chosen is None:
        chosen = _fuzzy_place(text, gazetteer, interp)
        if chosen is None:
            return None, text
    begin, finish, name = chosen
    place = gazetteer.lookup(name)[0]
    if len(gazetteer.lookup(name)) > 1:
        other = gazetteer.lookup(name)[1]
        interp.assumptions.append(f"'{name}' taken as the {place.kind} {place.name} ({place.country}), "
                                  f"not the {other.kind} {other.name} ({other.country})")
    interp.place = place.name
    relation = _relation_before(text, begin)
    if not has_distance:
        interp.relation = relation if relation in ("north", "south", "east", "west", "near") else "in"
        if interp.relation == "in" and place.is_point:
            interp.assumptions.append(f"products whose footprint contains the location of {place.name}")
        if interp.relation == "near":
            interp.assumptions.append(f"'near' taken as within {interp.radius_km:g} km")
        if interp.relation in ("north", "south", "east", "west"):
            interp.assumptions.append(f"'{interp.relation} of {place.name}' taken as the band up to 300 km "
                                      f"{interp.relation} of it")
    text = _blank(text, begin, finish)
    pattern = "|".join(RELATION_WORDS.values())
    match = re.search(rf"\b(?:{pattern})\s*$", text[:begin])
    if match:
        text = _blank(text, match.start(), match.end())
    return place, text


def _split_qualifiers(found: list[tuple[int, int, str]], gazetteer: Gazetteer, interp: Interpretation
                      ) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """('Paris, France', 'Etna in Sicily'): a named area containing another named place only qualifies it.
    Returns (places, qualifiers)."""
    places = {name: gazetteer.lookup(name)[0] for _, _, name in found}
    kept, qualifiers = [], []
    for item in found:
        outer = places[item[2]]
        inside = [places[n] for _, _, n in found if places[n] is not outer and not outer.is_point
                  and outer.geometry.buffer(0.05).contains(places[n].geometry.representative_point())]
        if inside:
            interp.assumptions.append(f"'{item[2]}' taken as qualifying {inside[0].name} (it lies in {outer.name})")
            qualifiers.append(item)
        else:
            kept.append(item)
    return kept, qualifiers


def _content_tokens(text: str) -> list[re.Match]:
    return [t for t in _tokens(text) if t.group(0) not in STOPWORDS and t.group(0) not in SPATIAL_WORDS
            and not t.group(0).isdigit()]


def _fuzzy_place(text: str, gazetteer: Gazetteer, interp: Interpretation) -> tuple[int, int, str] | None:
    """A misspelled place name among the leftover words; an unknown name after 'in/over/near' is an error."""
    content = _content_tokens(text)
    for size in (3, 2, 1):
        for i in range(len(content) - size + 1):
            group = content[i:i + size]
            if any(b.start() - a.end() > 1 for a, b in zip(group, group[1:], strict=False)):
                continue
            phrase = " ".join(t.group(0) for t in group)
            best = gazetteer.closest(phrase)
            if best:
                interp.assumptions.append(f"'{phrase}' read as {gazetteer.lookup(best[0])[0].name} "
                                          f"(closest name in the gazetteer)")
                return group[0].start(), group[-1].end(), best[0]
    for token in content:
        before = text[:token.start()].split()
        if before and before[-1] in SPATIAL_WORDS:
            tail = [t.group(0) for t in content if t.start() >= token.start()][:3]
            name = " ".join(tail)
            suggestions = gazetteer.suggest(name) or gazetteer.suggest(token.group(0))
            hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
            raise UnknownPlaceError(f"no place called '{name}' in the gazetteer{hint}")
    return None


def _report_leftovers(text: str, interp: Interpretation) -> None:
    """Words no rule used are reported as not understood (never silently dropped)."""
    left = [t.group(0) for t in _content_tokens(text)]
    left = [w for w in left if not re.fullmatch(r"[%/.,+<>=-]+", w)]
    if left:
        interp.not_understood.append(f"words not understood: '{' '.join(left)}'")
