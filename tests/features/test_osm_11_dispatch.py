"""`FeatureModel.classify` finds classes through a key -> value -> classes table (rules beyond eq/in tested
after the look-up); `keys_by_type` narrows the reader's C++ key filter per OSM type. The truth here is a plain
evaluator of the model document's rules, written from the model's documented semantics (security.yaml's head),
applied to every class of random tag sets: the table must find exactly the classes that evaluator does."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from ai4c.features.model import model_from_dict
from ai4c.pipelines.osm_ingest import DEFAULT_MODEL

EVERY_OPERATOR = {"classes": {
    "plain": {"geometry": ["point"], "rules": [{"key": "amenity", "value": "fuel"}]},
    "listed": {"geometry": ["polygon"], "rules": [{"key": "amenity", "op": "in", "values": ["fuel", "police"]},
                                                  {"key": "shop", "value": True}]},
    "mixed": {"geometry": ["line"], "rules": [{"key": "power", "value": "line"}, {"key": "man_made", "op": "exists"}]},
    "negated": {"geometry": ["point", "line"], "rules": [{"key": "shop", "op": "ne", "value": "no"},
                                                         {"key": "office", "op": "not_in", "values": ["yes"]}]},
    "grouped": {"geometry": ["polygon"], "rules": [{"all": [{"key": "building", "op": "exists"},
                                                            {"any": [{"key": "amenity", "value": "police"},
                                                                     {"key": "office", "value": "government"}]}]}]},
    "prefixed": {"geometry": ["point"], "rules": [{"key": "communication:", "op": "key_prefix"}]},
}}


def _text(value) -> str:
    """A rule value as OSM writes it: YAML booleans are yes/no."""
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)


def _holds(rule: dict, tags: dict[str, str]) -> bool:
    """One rule of a model document on a tag dict, from the documented operators."""
    if "all" in rule:
        return all(_holds(r, tags) for r in rule["all"])
    if "any" in rule:
        return any(_holds(r, tags) for r in rule["any"])
    key, op = rule["key"], rule.get("op", "eq")
    values = {_text(v) for v in rule.get("values", [])}
    return {"eq": lambda: tags.get(key) == _text(rule["value"]),
            "ne": lambda: key in tags and tags[key] != _text(rule["value"]),
            "in": lambda: tags.get(key) in values,
            "not_in": lambda: key in tags and tags[key] not in values,
            "exists": lambda: tags.get(key, "no") != "no",
            "key_prefix": lambda: any(k.startswith(key) for k in tags)}[op]()


def _truth(document: dict, tags: dict[str, str]) -> set[str]:
    return {name for name, body in document["classes"].items() if any(_holds(r, tags) for r in body["rules"])}


def _vocabulary(document: dict) -> tuple[list[str], list[str]]:
    """Every key and value the rules name, plus values and keys no rule names."""
    keys, values = {"name", "surface", "communication:mobile"}, {"no", "other", "yes"}

    def walk(rule: dict) -> None:
        for part in rule.get("all", []) + rule.get("any", []):
            walk(part)
        if "key" in rule:
            keys.add(rule["key"].rstrip(":") if rule.get("op") == "key_prefix" else rule["key"])
            values.update(_text(v) for v in rule.get("values", []) + ([rule["value"]] if "value" in rule else []))

    for body in document["classes"].values():
        for rule in body["rules"]:
            walk(rule)
    return sorted(keys), sorted(values)


class _View:
    """A reader's tag view: `has` (tested first by classify), `get`, `in`, `[]`."""

    def __init__(self, tags: dict[str, str]):
        self.tags, self.has, self.get = tags, tags.__contains__, tags.get

    def __contains__(self, key: str) -> bool:
        return key in self.tags

    def __getitem__(self, key: str) -> str:
        return self.tags[key]

    def __iter__(self):
        return iter(self.tags)


def _samples(document: dict, count: int, seed: int) -> list[dict[str, str]]:
    """Random tag sets over the rules' vocabulary: mostly a few tags, some with many (a dict longer than the
    model's key table takes classify's other walk)."""
    keys, values = _vocabulary(document)
    rng = np.random.default_rng(seed)
    noise = {f"note{k}": "x" for k in range(60)}
    out = []
    for k in range(count):
        picked = rng.choice(keys, size=int(rng.integers(0, 5)), replace=False)
        tags = {str(key): str(rng.choice(values)) for key in picked}
        out.append({**noise, **tags} if k % 10 == 0 else tags)
    return out


@pytest.mark.parametrize("source", ["shipped", "every operator"])
def test_classify_finds_exactly_the_classes_whose_rules_hold(source):
    document = yaml.safe_load(DEFAULT_MODEL.read_text()) if source == "shipped" else EVERY_OPERATOR
    model = model_from_dict(document)
    for tags in _samples(document, 3000, seed=3):
        expected = _truth(document, tags)
        for given in (tags, _View(tags)):
            found = [c.name for c in model.classify(given)]
            assert len(found) == len(set(found)), tags  # each class once
            assert set(found) == expected, tags


def test_keys_by_type_names_the_keys_of_the_classes_taking_each_geometry():
    """Nodes: keys of point classes; ways: of line/polygon classes; relations: of every class (worked by hand
    from EVERY_OPERATOR's rules; `grouped` needs both members of its `all`, so it is narrowed to the narrower one:
    the exact pairs amenity=police / office=government rather than building=*)."""
    model = model_from_dict({"classes": {k: v for k, v in EVERY_OPERATOR["classes"].items() if k != "prefixed"}})
    assert model.keys_by_type() == {
        "node": ["amenity", "office", "shop"],  # plain, negated
        "way": ["amenity", "man_made", "office", "power", "shop"],  # listed, mixed, negated, grouped
        "relation": ["amenity", "man_made", "office", "power", "shop"],
    }
    assert model_from_dict(EVERY_OPERATOR).keys_by_type() is None  # a key_prefix rule: no key to narrow to
