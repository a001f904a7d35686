"""Processing chains as data: an operator registry and a YAML graph runner, like SNAP's graphs.

A graph is an ordered list of steps; each step names a registered operator and its parameters.
Operators are functions `op(data, ctx, **parameters) -> data`; the first step usually reads the
inputs named in the context and the last one writes `ctx.output_path`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ai4c.core.errors import InputNotFoundError, InvalidParameterError


@dataclass(frozen=True)
class Operator:
    """A registered processing step: its function and its parameters' defaults."""

    name: str
    func: Callable[..., Any]
    defaults: dict[str, Any]
    doc: str


OPERATORS: dict[str, Operator] = {}
GRAPHS: dict[str, Callable[[], Graph]] = {}


def operator(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `func(data, ctx, **params)` under `name`; keyword defaults become the parameter defaults."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        params = list(inspect.signature(func).parameters.values())[2:]
        defaults = {p.name: (None if p.default is inspect.Parameter.empty else p.default) for p in params}
        doc = (inspect.getdoc(func) or "").split("\n")[0]
        OPERATORS[name] = Operator(name, func, defaults, doc)
        return func

    return register


def graph_provider(name: str) -> Callable[[Callable[[], Graph]], Callable[[], Graph]]:
    """Register a function returning the default graph of a service (`ai4c graph show NAME`)."""

    def register(func: Callable[[], Graph]) -> Callable[[], Graph]:
        GRAPHS[name] = func
        return func

    return register


@dataclass
class Context:
    """What a running graph knows besides the data: inputs, output path, collected warnings, metadata."""

    inputs: list[Path] = field(default_factory=list)
    output_path: Path | None = None
    warnings: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Step:
    """One node of a graph: an operator name and the parameters that differ from its defaults."""

    operator: str
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass
class Graph:
    """An ordered chain of steps with a name (the service it implements)."""

    name: str
    steps: list[Step]

    def to_yaml(self) -> str:
        """The graph as editable YAML, every parameter spelled out with its value."""
        body = {"graph": self.name, "steps": []}
        for step in self.steps:
            op = get_operator(step.operator)
            params = {**op.defaults, **step.parameters}
            entry: dict[str, Any] = {"operator": step.operator}
            if params:
                entry["parameters"] = params
            body["steps"].append(entry)
        header = f"# ai4c graph '{self.name}': edit parameters, drop steps, then `ai4c graph run FILE`\n"
        return header + yaml.safe_dump(body, sort_keys=False)

    @classmethod
    def from_yaml(cls, text: str) -> Graph:
        """Parse and validate a graph (unknown operators and parameters are errors)."""
        try:
            body = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InvalidParameterError(f"graph file is not valid YAML: {exc}".replace("\n", " ")) from None
        if not isinstance(body, dict) or not isinstance(body.get("steps"), list):
            raise InvalidParameterError("graph file needs a 'steps:' list of {operator, parameters}")
        load_operators()
        steps = []
        for raw in body["steps"]:
            if not isinstance(raw, dict) or "operator" not in raw:
                raise InvalidParameterError(f"graph step {raw!r} has no 'operator'")
            steps.append(Step(str(raw["operator"]), dict(raw.get("parameters") or {})))
        graph = cls(str(body.get("graph", "custom")), steps)
        graph.validate()
        return graph

    def validate(self) -> None:
        """Check every operator exists and every parameter is one it takes."""
        for step in self.steps:
            op = get_operator(step.operator)
            unknown = sorted(set(step.parameters) - set(op.defaults))
            if unknown:
                raise InvalidParameterError(
                    f"operator {step.operator} has no parameter {', '.join(unknown)}; it takes: "
                    f"{', '.join(op.defaults) or 'none'}")

    def set(self, operator_name: str, **params: Any) -> Graph:
        """Override parameters of the step running `operator_name` (in place; returns self)."""
        for step in self.steps:
            if step.operator == operator_name:
                step.parameters.update(params)
                return self
        raise InvalidParameterError(f"graph {self.name} has no step {operator_name}")

    def without(self, operator_name: str) -> Graph:
        """A copy of the graph without the step running `operator_name`."""
        return Graph(self.name, [Step(s.operator, dict(s.parameters)) for s in self.steps
                                 if s.operator != operator_name])

    def run(self, ctx: Context, data: Any = None) -> Any:
        """Run the steps in order, passing each one's result to the next."""
        self.validate()
        for step in self.steps:
            op = get_operator(step.operator)
            data = op.func(data, ctx, **{**op.defaults, **step.parameters})
        return data


def get_operator(name: str) -> Operator:
    """The operator registered as `name`, or an error listing the known ones (pipeline modules are imported
    only when `name` is not registered yet: importing them all costs ~250 MB, e.g. PyTorch)."""
    if name not in OPERATORS:
        load_operators()
    if name not in OPERATORS:
        raise InvalidParameterError(f"unknown operator {name!r}; known: {', '.join(sorted(OPERATORS))}")
    return OPERATORS[name]


def load_operators() -> None:
    """Import every pipeline module so that its operators and default graphs are registered."""
    import ai4c.pipelines as pipelines

    for info in pkgutil.iter_modules(pipelines.__path__):
        importlib.import_module(f"ai4c.pipelines.{info.name}")


def default_graph(name: str) -> Graph:
    """The default graph of a service (`s2-pre`, `s1-grd`, ...)."""
    load_operators()
    if name not in GRAPHS:
        raise InvalidParameterError(f"no graph named {name!r}; known: {', '.join(sorted(GRAPHS))}")
    return GRAPHS[name]()


def read_graph_file(path: Path | str) -> Graph:
    """Load a graph from a YAML file."""
    path = Path(path)
    if not path.is_file():
        raise InputNotFoundError(f"graph file {path} does not exist; write one with `ai4c graph show NAME`")
    return Graph.from_yaml(path.read_text(encoding="utf-8"))
