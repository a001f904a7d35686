"""Processing chains as data: a registry of services and their operators, and a YAML graph runner (SNAP's graphs).

A service (`s1-grd`, `s2-pre`, ...) registers, when its module is imported, its typed parameter object
(`core.params`), its operators and its default chain. `core` never imports a service: the modules to import
for a service name are declared from outside (`declare_services`, done by `ai4c.pipelines`), like entry points.

A graph is an ordered list of steps, each naming an operator of the service and the parameters it sets. An
operator is `op(data, ctx, params) -> data`: `params` is the service's validated parameter object, `ctx` the
run's inputs, output path and warnings; everything else travels in `data`.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ai4c.core import log
from ai4c.core.errors import InputNotFoundError, InvalidParameterError
from ai4c.core.params import as_dict, describe, specs, validate


@dataclass(frozen=True)
class Operator:
    """A registered processing step of a service: its function and the parameters it takes."""

    name: str
    service: str
    func: Callable[..., Any]
    parameters: tuple[str, ...]
    doc: str
    renamed: Mapping[str, str] = field(default_factory=dict)   # old parameter name -> new one


@dataclass
class Service:
    """A service's parameter class, operators (by name and by old name) and default chain."""

    name: str
    parameters: type
    steps: tuple[str, ...] = ()
    operators: dict[str, Operator] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)       # old operator name -> new one

    def operator(self, name: str) -> Operator:
        """The operator `name` (an old name works, with a warning naming the new one)."""
        if name in self.operators:
            return self.operators[name]
        if name in self.aliases:
            new = self.aliases[name]
            log.warn(f"operator {name} of graph {self.name} is now called {new}; rename it in the graph file")
            return self.operators[new]
        raise InvalidParameterError(f"graph {self.name} has no operator {name!r}; it has: "
                                    f"{', '.join(self.operators)}")


SERVICES: dict[str, Service] = {}
ENTRY_POINTS: dict[str, str] = {}     # service name -> module that registers it when imported


def declare_services(entry_points: Mapping[str, str]) -> None:
    """Declare which module registers each service (imported only when the service is asked for)."""
    ENTRY_POINTS.update(entry_points)


def register_service(name: str, parameters: type, steps: Iterable[str]) -> Service:
    """Register a service's parameter class and default chain (its module then registers the operators)."""
    service = SERVICES.setdefault(name, Service(name, parameters))
    service.parameters, service.steps = parameters, tuple(steps)
    return service


def operator(service: str, name: str, parameters: Iterable[str] = (), *, aliases: Iterable[str] = (),
             renamed: Mapping[str, str] | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `func(data, ctx, params)` as operator `name` of `service`, taking the named parameters."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        owner = SERVICES[service]
        unknown = set(parameters) - set(specs(owner.parameters))
        if unknown:
            raise TypeError(f"operator {name}: {sorted(unknown)} are not fields of {owner.parameters.__name__}")
        doc = (func.__doc__ or "").strip().split("\n")[0]
        owner.operators[name] = Operator(name, service, func, tuple(parameters), doc, dict(renamed or {}))
        owner.aliases.update({old: name for old in aliases})
        return func

    return register


def get_service(name: str) -> Service:
    """The registered service `name`, importing its declared module the first time."""
    if name not in SERVICES and name in ENTRY_POINTS:
        importlib.import_module(ENTRY_POINTS[name])
    if name not in SERVICES:
        raise InvalidParameterError(f"no graph named {name!r}; known: {', '.join(sorted(known_services()))}")
    return SERVICES[name]


def known_services() -> set[str]:
    """Every service registered or declared."""
    return set(SERVICES) | set(ENTRY_POINTS)


def service_of_operator(name: str) -> str:
    """The one service having an operator `name` (for graph files without a `graph:` name)."""
    owners = [s for s in sorted(known_services()) if name in get_service(s).operators or name in SERVICES[s].aliases]
    if len(owners) != 1:
        found = f"it exists in {', '.join(owners)}" if owners else "no service has it"
        raise InvalidParameterError(f"cannot tell the graph of operator {name!r} ({found}); "
                                    "start the file with `graph: NAME` (see `ai4c graph show NAME`)")
    return owners[0]


@dataclass
class Context:
    """What a running graph knows besides the data: its inputs, output path and collected warnings."""

    inputs: list[Path] = field(default_factory=list)
    output_path: Path | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class Step:
    """One node of a graph: an operator name and the parameters it sets."""

    operator: str
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass
class Graph:
    """An ordered chain of steps of one service."""

    name: str
    steps: list[Step]

    @property
    def service(self) -> Service:
        """The service the graph belongs to."""
        return get_service(self.name)

    def to_yaml(self, parameters: Any = None) -> str:
        """The graph as editable YAML: every step with its parameters' values, the parameters described above."""
        service = self.service
        values = self.parameters(parameters)
        body: dict[str, Any] = {"graph": self.name, "steps": []}
        for step in self.steps:
            op = service.operator(step.operator)
            entry: dict[str, Any] = {"operator": op.name}
            if op.parameters:
                entry["parameters"] = {p: getattr(values, p) for p in op.parameters}
            body["steps"].append(entry)
        import yaml  # here: commands that never read or print a graph file do not import it

        header = [f"ai4c graph '{self.name}': edit parameters, drop steps, then `ai4c graph run FILE`",
                  f"parameters ({service.parameters.__name__}):", *(f"  {line}" for line in
                                                                   describe(service.parameters))]
        return "".join(f"# {line}\n" for line in header) + yaml.safe_dump(body, sort_keys=False)

    @classmethod
    def from_yaml(cls, text: str) -> Graph:
        """Parse and validate a graph (unknown operators and parameters are errors naming the fix)."""
        import yaml

        try:
            body = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise InvalidParameterError(f"graph file is not valid YAML: {err}".replace("\n", " ")) from err
        if not isinstance(body, dict) or not isinstance(body.get("steps"), list) or not body["steps"]:
            raise InvalidParameterError("graph file needs a 'steps:' list of {operator, parameters}")
        raw_steps = body["steps"]
        for raw in raw_steps:
            if not isinstance(raw, dict) or "operator" not in raw:
                raise InvalidParameterError(f"graph step {raw!r} has no 'operator'")
        name = body.get("graph") or service_of_operator(str(raw_steps[0]["operator"]))
        graph = cls(str(name), [Step(str(r["operator"]), dict(r.get("parameters") or {})) for r in raw_steps])
        graph.validate()
        return graph

    def validate(self) -> None:
        """Resolve every operator (old names renamed) and check every parameter is one its operator takes."""
        service = self.service
        for step in self.steps:
            op = service.operator(step.operator)
            step.operator = op.name
            for old, new in op.renamed.items():
                if old in step.parameters and new not in step.parameters:
                    log.warn(f"parameter {old} of {op.name} is now called {new}; rename it in the graph file")
                    step.parameters[new] = step.parameters.pop(old)
            unknown = sorted(set(step.parameters) - set(op.parameters))
            if unknown:
                raise InvalidParameterError(f"operator {op.name} has no parameter {', '.join(unknown)}; it takes: "
                                            f"{', '.join(op.parameters) or 'none'}")
            validate(service.parameters, step.parameters, where=f"operator {op.name}")

    def parameters(self, base: Any = None) -> Any:
        """The service's parameter object: `base` (or the defaults) updated by every step's parameters."""
        params = base if base is not None else self.service.parameters()
        for step in self.steps:
            params = validate(type(params), step.parameters, base=params, where=f"operator {step.operator}")
        return params

    def set(self, operator_name: str, **params: Any) -> Graph:
        """Set parameters on the step running `operator_name` (in place; returns self)."""
        for step in self.steps:
            if step.operator == operator_name:
                step.parameters.update(params)
                self.validate()
                return self
        raise InvalidParameterError(f"graph {self.name} has no step {operator_name}")

    def without(self, operator_name: str) -> Graph:
        """A copy of the graph without the step running `operator_name`."""
        return Graph(self.name, [Step(s.operator, dict(s.parameters)) for s in self.steps
                                 if s.operator != operator_name])

    def run(self, ctx: Context, data: Any = None, parameters: Any = None) -> Any:
        """Run the steps in order, each on the previous one's result, with the validated parameter object
        (`parameters` or the defaults, then the graph's own values; a step's own values win for that step)."""
        self.validate()
        service = self.service
        shared = self.parameters(parameters)
        for step in self.steps:
            op = service.operator(step.operator)
            own = validate(service.parameters, step.parameters, base=shared) if step.parameters else shared
            data = op.func(data, ctx, own)
        return data


def default_graph(name: str) -> Graph:
    """The default chain of a service (`s2-pre`, `s1-grd`, ...)."""
    service = get_service(name)
    return Graph(name, [Step(op) for op in service.steps])


def parameters_of(name: str, values: Mapping[str, Any] | None = None) -> Any:
    """The validated parameter object of service `name` from keyword values."""
    return validate(get_service(name).parameters, dict(values or {}), where=f"service {name}")


def record(params: Any) -> dict[str, Any]:
    """The parameter values of a run, for its STAC Item."""
    return as_dict(params) if dataclasses.is_dataclass(params) else dict(params or {})


def read_graph_file(path: Path | str) -> Graph:
    """Load a graph from a YAML file."""
    path = Path(path)
    if not path.is_file():
        raise InputNotFoundError(f"graph file {path} does not exist; write one with `ai4c graph show NAME`")
    return Graph.from_yaml(path.read_text(encoding="utf-8"))
