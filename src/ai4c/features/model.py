"""The feature model: classes selected from OSM tags by declarative rules, with typed attributes.

A model is data (the YAML shipped as `security.yaml`, or the user's own): this module validates it and
compiles its rules into fast predicates. It never opens files; the pipeline reads the YAML.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ai4c.core.errors import BadInputError
from ai4c.features.normalise import CASES, TYPES, UnparsableValue, convert

OPERATORS = ("eq", "ne", "in", "not_in", "exists", "key_prefix")
GEOMETRIES = ("point", "line", "polygon")
COMMON_COLUMNS = ("osm_id", "osm_type", "name", "name_en", "class", "source_timestamp")
Tags = Mapping[str, str]
Predicate = Callable[[Tags], bool]


class ModelError(BadInputError, ValueError):
    """A feature-model document that is not valid (unknown operator, missing key, bad type)."""


_converted = functools.lru_cache(maxsize=65536)(convert)  # tag values repeat: convert each once


@dataclass(frozen=True)
class Attribute:
    """One attribute of a class: taken from `tag`, converted to `type` (in `unit`), case-folded."""

    name: str
    tag: str
    type: str = "string"
    unit: str | None = None
    case: str = "keep"

    def value(self, tags: Tags) -> object:
        """The converted value, None when the tag is absent; raises UnparsableValue on a bad value."""
        text = tags.get(self.tag)
        if text is None or not str(text).strip():
            return None
        return _converted(text, self.type, self.unit, self.case)


@dataclass(frozen=True, eq=False)  # compared by identity: `classify` tests membership per object
class FeatureClass:
    """A class of the model: its rule, the geometries it accepts and its own attributes."""

    name: str
    description: str
    geometry: tuple[str, ...]
    matches: Predicate
    keys: frozenset[str]
    attributes: tuple[Attribute, ...] = ()
    triggers: frozenset[tuple[str, str | None]] | None = None
    direct: bool = False  # the rule is only `eq`/`in` conditions: a trigger tag present means a match


@dataclass
class FeatureModel:
    """A validated model; `classify(tags)` lists the classes an OSM object belongs to."""

    name: str
    classes: dict[str, FeatureClass]
    document: dict = field(repr=False, default_factory=dict)
    _dispatch: dict[str, tuple[dict[str, tuple[FeatureClass, ...]], tuple[FeatureClass, ...]]] = \
        field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._dispatch, self._always = _dispatch_table(self.classes.values())
        self._trigger_keys = tuple(self._dispatch)

    @property
    def keys(self) -> list[str]:
        """Every tag key a rule looks at (the reader's pre-filter keeps only objects with one of them)."""
        return sorted({key for spec in self.classes.values() for key in spec.keys})

    def prefilter(self) -> tuple[list[tuple[str, str]], list[str]] | None:
        """Tags an object must carry to be in some class: (key, value) pairs and bare keys (any value);
        None when a rule cannot be narrowed that way (a readers then hands over every tagged object)."""
        if self._always:
            return None
        items = {t for spec in self.classes.values() for t in spec.triggers}  # type: ignore[union-attr]
        keys = sorted({k for k, v in items if v is None})
        pairs = sorted((k, v) for k, v in items if v is not None and k not in keys)
        return pairs, keys

    def keys_by_type(self) -> dict[str, list[str]] | None:
        """For each OSM type, the keys one of which an object needs to be in a class that takes its geometry
        (nodes: point classes; ways: line or polygon classes; relations: every class, so that relations
        other than multipolygons are counted); None when a rule cannot be narrowed to keys."""
        if self._always:
            return None
        wanted = {"node": {"point"}, "way": {"line", "polygon"}, "relation": set(GEOMETRIES)}
        return {kind: sorted({k for spec in self.classes.values() if geoms & set(spec.geometry)
                              for k, _ in spec.triggers})  # type: ignore[union-attr]
                for kind, geoms in wanted.items()}

    def classify(self, tags: Tags) -> list[FeatureClass]:
        """The classes whose rule matches `tags`: one dict look-up per present key finds the classes its value
        selects (their rule is that look-up, or is then tested); classes keyed on other tags are never tried.

        `tags` needs only `in`, `get` and `[]`: a dict or a view of a reader's tags (no copy); a view's
        `has(key)` method, when it has one, answers `in` faster."""
        dispatch = self._dispatch
        has = getattr(tags, "has", None)
        if has is not None:
            present = filter(has, self._trigger_keys)  # every test in C
        elif isinstance(tags, dict) and len(tags) < len(dispatch):  # the shorter walk
            present = [k for k in tags if k in dispatch]
        else:
            present = filter(tags.__contains__, self._trigger_keys)
        get = tags.get
        seen: list[FeatureClass] = []
        for key in present:
            by_value, loose = dispatch[key]
            for spec in by_value.get(get(key, None), ()):
                if spec not in seen and (spec.direct or spec.matches(tags)):
                    seen.append(spec)
            for spec in loose:
                if spec not in seen and spec.matches(tags):
                    seen.append(spec)
        for spec in self._always:
            if spec not in seen and spec.matches(tags):
                seen.append(spec)
        return seen

    def class_names(self) -> list[str]:
        """The model's class names in declaration order."""
        return list(self.classes)

    def check_classes(self, names: list[str]) -> list[str]:
        """Return `names` when all are classes of the model, else raise naming the known ones."""
        unknown = [n for n in names if n not in self.classes]
        if unknown:
            raise ModelError(f"unknown class {', '.join(unknown)}; the model has: {', '.join(self.classes)}")
        return names


def attribute_values(spec: FeatureClass, tags: Tags, rejected: Callable[[str], None]) -> dict[str, object]:
    """The class's own attributes from `tags`; an unparsable value becomes None and is counted."""
    values: dict[str, object] = {}
    get = tags.get
    for attr in spec.attributes:
        text = get(attr.tag)  # Attribute.value inlined: this runs for every attribute of every feature
        try:
            values[attr.name] = None if text is None or not str(text).strip() else \
                _converted(text, attr.type, attr.unit, attr.case)
        except UnparsableValue:
            values[attr.name] = None
            rejected(f"{spec.name}.{attr.name}")
    return values


def geometry_kind(spec: FeatureClass, osm_type: str, closed: bool, tags: Tags) -> tuple[str | None, str]:
    """The geometry an object takes in a class ('point', 'line', 'polygon'), or None and the rejection reason.

    Closed ways become polygons when the class accepts them (unless area=no), else lines."""
    accepted = spec.geometry
    if osm_type == "node":
        return ("point", "") if "point" in accepted else (None, "geometry_not_allowed")
    if osm_type == "relation":
        return ("polygon", "") if "polygon" in accepted else (None, "geometry_not_allowed")
    if closed and "polygon" in accepted and tags.get("area") != "no":
        return "polygon", ""
    if "line" in accepted:
        return "line", ""
    return None, ("geometry_not_allowed" if closed else "unclosed_polygon")


def model_from_dict(document: dict) -> FeatureModel:
    """Validate a model document (parsed YAML) and compile it."""
    if not isinstance(document, dict) or not isinstance(document.get("classes"), dict) or not document["classes"]:
        raise ModelError("the feature model must be a mapping with a non-empty 'classes' mapping")
    classes = {}
    for name, body in document["classes"].items():
        classes[str(name)] = _feature_class(str(name), body)
    return FeatureModel(str(document.get("name", "custom")), classes, document)


def _feature_class(name: str, body: dict) -> FeatureClass:
    """One class entry: `rules` (any of), `geometry`, `attributes`."""
    where = f"class {name!r}"
    if not isinstance(body, dict) or "rules" not in body:
        raise ModelError(f"{where} needs a 'rules' list")
    if name in COMMON_COLUMNS or not name.isidentifier():
        raise ModelError(f"{where}: a class name must be an identifier other than {', '.join(COMMON_COLUMNS)}")
    geometry = tuple(body.get("geometry", GEOMETRIES))
    bad = [g for g in geometry if g not in GEOMETRIES]
    if bad or not geometry:
        raise ModelError(f"{where}: geometry {bad or geometry} not allowed; use some of {', '.join(GEOMETRIES)}")
    keys: set[str] = set()
    rules = _as_list(body["rules"], where)
    predicate = _any([_rule(rule, where, keys) for rule in rules])
    attributes = tuple(_attribute(where, k, v) for k, v in (body.get("attributes") or {}).items())
    direct = all(isinstance(r, dict) and r.get("op", "eq") in ("eq", "in") and "key" in r for r in rules)
    return FeatureClass(name, str(body.get("description", "")), geometry, predicate, frozenset(keys), attributes,
                        _trigger({"any": rules}), direct)


def _dispatch_table(classes) -> tuple[dict, tuple[FeatureClass, ...]]:
    """key -> ({value: classes that value triggers}, classes the key triggers whatever its value), and the
    classes without triggers (tested on every object)."""
    table: dict[str, tuple[dict[str, list[FeatureClass]], list[FeatureClass]]] = {}
    always = []
    for spec in classes:
        if spec.triggers is None:
            always.append(spec)
            continue
        for key, value in sorted(spec.triggers, key=lambda t: (t[0], t[1] or "")):
            by_value, loose = table.setdefault(key, ({}, []))
            if value is None:
                loose.append(spec)
            else:
                by_value.setdefault(value, []).append(spec)
    frozen = {k: ({v: tuple(c) for v, c in by_value.items()}, tuple(loose)) for k, (by_value, loose) in table.items()}
    return frozen, tuple(always)


def _trigger(rule: dict) -> frozenset[tuple[str, str | None]] | None:
    """Tags of which an object matching `rule` carries at least one ((key, None): the key, any value);
    None when there is no such set (a key_prefix condition on its own)."""
    if "any" in rule:
        parts = [_trigger(r) for r in rule["any"]]
        return None if any(p is None for p in parts) else frozenset().union(*parts)
    if "all" in rule:
        parts = [p for p in (_trigger(r) for r in rule["all"]) if p is not None]
        # the narrowest member: exact pairs before bare keys, then the fewest entries
        return min(parts, key=lambda p: (sum(v is None for _, v in p), len(p))) if parts else None
    key, op = str(rule["key"]), rule.get("op", "eq")
    if op == "key_prefix":
        return None
    if op == "eq":
        return frozenset({(key, _value_text(rule["value"]))})
    if op == "in":
        return frozenset((key, str(v)) for v in rule["values"])
    return frozenset({(key, None)})


def _value_text(value: object) -> str:
    """A rule's value as OSM writes it (YAML's true/false are yes/no)."""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return {"true": "yes", "false": "no"}.get(text, text)


def _as_list(value: object, where: str) -> list:
    if not isinstance(value, list) or not value:
        raise ModelError(f"{where}: 'rules' must be a non-empty list")
    return value


def _rule(rule: dict, where: str, keys: set[str]) -> Predicate:
    """A condition `{key, op, value|values}` or a group `{all: [...]}` / `{any: [...]}`."""
    if not isinstance(rule, dict):
        raise ModelError(f"{where}: a rule must be a mapping, got {rule!r}")
    if "all" in rule or "any" in rule:
        group = "all" if "all" in rule else "any"
        parts = [_rule(r, where, keys) for r in _as_list(rule[group], where)]
        return _all(parts) if group == "all" else _any(parts)
    key, op = rule.get("key"), rule.get("op", "eq")
    if not key:
        raise ModelError(f"{where}: a rule needs a 'key' ({rule!r})")
    if op not in OPERATORS:
        raise ModelError(f"{where}: unknown tag operator {op!r}; use one of: {', '.join(OPERATORS)}")
    return _condition(str(key), op, rule, where, keys)


def _condition(key: str, op: str, rule: dict, where: str, keys: set[str]) -> Predicate:
    """Compile one tag condition; records the keys it needs (a key_prefix condition adds no key)."""
    if op == "key_prefix":
        return lambda tags: any(getattr(t, "k", t).startswith(key) for t in tags)  # dict keys or osmium Tags
    keys.add(key)
    if op == "exists":
        return lambda tags: key in tags and tags[key] != "no"
    if op in ("in", "not_in"):
        values = rule.get("values")
        if not isinstance(values, list) or not values:
            raise ModelError(f"{where}: operator {op!r} on {key!r} needs a non-empty 'values' list")
        allowed = frozenset(str(v) for v in values)
        if op == "in":
            return lambda tags: tags.get(key, None) in allowed
        return lambda tags: key in tags and tags[key] not in allowed
    if "value" not in rule:
        raise ModelError(f"{where}: operator {op!r} on {key!r} needs a 'value'")
    value = _value_text(rule["value"])
    if op == "eq":
        return lambda tags: tags.get(key, None) == value
    return lambda tags: key in tags and tags[key] != value


def _all(parts: list[Predicate]) -> Predicate:
    return lambda tags: all(p(tags) for p in parts)


def _any(parts: list[Predicate]) -> Predicate:
    return parts[0] if len(parts) == 1 else (lambda tags: any(p(tags) for p in parts))


def _attribute(where: str, name: str, body: object) -> Attribute:
    """`name: {tag, type, unit, case}` or the short form `name: TAG`."""
    if isinstance(body, str):
        body = {"tag": body}
    if not isinstance(body, dict) or "tag" not in body:
        raise ModelError(f"{where}: attribute {name!r} needs a 'tag'")
    if name in COMMON_COLUMNS or not str(name).isidentifier():
        raise ModelError(f"{where}: attribute name {name!r} must be an identifier other than the common columns")
    kind, case = body.get("type", "string"), body.get("case", "keep")
    if kind not in TYPES:
        raise ModelError(f"{where}: attribute {name!r} has type {kind!r}; use one of: {', '.join(TYPES)}")
    if case not in CASES:
        raise ModelError(f"{where}: attribute {name!r} has case {case!r}; use one of: {', '.join(CASES)}")
    return Attribute(str(name), str(body["tag"]), kind, body.get("unit"), case)
