"""The registry of workflow components: each step's algorithms, their parameters, defaults and the
values automatic configuration searches. One definition serves the workflow, the CLI and the docs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ai4c.core.errors import InvalidParameterError, check_choice

STEPS = ("blocking", "cleaning", "metablocking", "matching", "clustering")


@dataclass
class Component:
    """A registered algorithm of one step."""

    step: str
    name: str
    description: str
    func: Callable
    defaults: dict = field(default_factory=dict)
    space: dict = field(default_factory=dict)

    def configure(self, params: dict) -> dict:
        """Defaults overridden by `params`, rejecting unknown names."""
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            raise InvalidParameterError(f"{self.step} {self.name!r} has no parameter {unknown[0]!r}; "
                                        f"it takes: {', '.join(self.defaults) or 'none'}")
        return {**self.defaults, **params}


REGISTRY: dict[str, dict[str, Component]] = {step: {} for step in STEPS}


def register(step: str, name: str, description: str, **params: tuple) -> Callable:
    """Decorator: register `func` as algorithm `name` of `step`; params are name=(default, search values)."""
    def decorate(func: Callable) -> Callable:
        REGISTRY[step][name] = Component(step, name, description, func,
                                         {k: v[0] for k, v in params.items()},
                                         {k: v[1] for k, v in params.items()})
        return func
    return decorate


def component(step: str, name: str) -> Component:
    """The registered component, or an error listing the step's algorithms."""
    _load()
    step = check_choice("workflow step", step, STEPS)
    return REGISTRY[step][check_choice(f"{step} method", name, list(REGISTRY[step]))]


def _load() -> None:
    """Import the modules that register components."""
    from ai4c.linked.er import blocking, clustering, matching, metablocking  # noqa: F401
