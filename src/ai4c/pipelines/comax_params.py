"""Parameters of the CO-max service (`ai4c co-max`, `ai4c serve co-max`, its REST and gRPC front ends), defined
once for the CLI, the services and the docs. Light on purpose: `--help` stays instant."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ai4c.core.errors import InvalidParameterError
from ai4c.core.params import at_least, param


def _fraction(name: str, value: Any) -> Any:
    """A rule: 0 <= value <= 1 (S5P's qa_value is a fraction)."""
    if not 0.0 <= value <= 1.0:
        raise InvalidParameterError(f"{name}={value} must be between 0 and 1 (S5P qa_value)")
    return value


@dataclass(frozen=True)
class CoMaxParameters:
    """Where the broker looks for S5P products and which pixels count."""

    provider: str = param("local", "catalogue provider of the data broker")
    catalog: str = param(None, "local catalogue file (provider local)")
    endpoint: str = param(None, "override the provider's endpoint URL")
    qa: float = param(0.5, "keep pixels with qa_value above this", check=_fraction)


@dataclass(frozen=True)
class CoMaxServeParameters(CoMaxParameters):
    """`ai4c serve co-max`: the broker settings plus where the REST and gRPC front ends listen."""

    host: str = param("127.0.0.1", "address to listen on")
    rest_port: int = param(8000, "REST port (0 = no REST)", flags=("--rest_port", "--rest-port"), check=at_least(0))
    grpc_port: int = param(8061, "gRPC port (0 = no gRPC)", flags=("--grpc_port", "--grpc-port"), check=at_least(0))


QA_THRESHOLD = CoMaxParameters.qa
