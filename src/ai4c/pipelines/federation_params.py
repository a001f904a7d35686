"""Parameters of the federation (`ai4c federation query|serve`), defined once for the CLI, the service and the
docs. Light on purpose: `--help` stays instant."""

from __future__ import annotations

from dataclasses import dataclass

from ai4c.core.params import at_least, param, positive

SELECTIONS = ("stats", "ask", "naive")


@dataclass(frozen=True)
class FederationParameters:
    """How the federation selects sources, batches bound joins and treats failing sources."""

    selection: str = param("stats", "source selection: statistics refined by ASK (stats), ASK only, or naive "
                                    "(every pattern to every source)", choices=SELECTIONS)
    batch: int = param(50, "bindings in the first VALUES block of a bound join (later blocks double, up to "
                           "max_batch)", check=at_least(1))
    max_batch: int = param(1600, "largest VALUES block of a bound join", flags=("--max-batch", "--max_batch"),
                           check=at_least(1))
    timeout: float = param(30.0, "per-request time limit of a source, seconds", check=positive)
    retries: int = param(2, "retries of a failing request to a source", check=at_least(0))
    strict: bool = param(False, "fail when a source fails (default: a partial answer, flagged)")
    ask_cache: bool = param(False, "remember the sources' ASK answers while the process lives (sources that do "
                                   "not change)", flags=("--ask-cache", "--ask_cache"))
