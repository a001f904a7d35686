"""JedAI-style entity resolution: schema-agnostic blocking, block cleaning, meta-blocking, matching
and clustering as registered, configurable components; a workflow runner with per-step figures and
grid/random automatic configuration."""

from ai4c.linked.er.data import Entities, Task, truth_from_ids
from ai4c.linked.er.tune import tune
from ai4c.linked.er.workflow import DEFAULT_WORKFLOW, Result, default_workflow, run_workflow

__all__ = ["DEFAULT_WORKFLOW", "Entities", "Result", "Task", "default_workflow", "run_workflow", "truth_from_ids",
           "tune"]
