"""One search entry point over every configured provider; the EO data broker is built on it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import yaml

from ai4c.catalog import local
from ai4c.catalog.model import Product, SearchQuery
from ai4c.core.errors import InputNotFoundError, InvalidParameterError


def load_providers(path: Path | str | None = None) -> dict[str, dict]:
    """Provider configuration: the packaged defaults updated by a user file (arg or AI4C_PROVIDERS)."""
    config = yaml.safe_load(resources.files("ai4c.catalog").joinpath("providers.yaml").read_text())
    user = path or os.environ.get("AI4C_PROVIDERS")
    if user:
        user_path = Path(user)
        if not user_path.is_file():
            raise InputNotFoundError(f"provider configuration {user_path} does not exist")
        for name, entry in (yaml.safe_load(user_path.read_text()) or {}).items():
            config[name] = {**config.get(name, {}), **entry}
    return config


def provider_config(name: str, providers: dict[str, dict], **overrides: object) -> dict:
    """One provider's configuration with command-line overrides (endpoint, catalog, timeout)."""
    if name not in providers:
        raise InvalidParameterError(f"provider {name!r} is not configured; known: {', '.join(sorted(providers))}")
    return {**providers[name], **{k: v for k, v in overrides.items() if v is not None}}


def search(query: SearchQuery, provider: str = "local", *, providers: dict[str, dict] | None = None,
           **overrides: object) -> Iterator[Product]:
    """Search one provider; yields Products lazily (the broker streams them one by one)."""
    import httpx

    from ai4c.catalog.remote import CLIENTS

    config = provider_config(provider, providers or load_providers(), **overrides)
    protocol = config.get("protocol")
    if protocol == "local":
        db = local.connect(config["catalog"])
        try:
            found = list(local.search(db, query))  # metadata only; frees the connection for other threads
        finally:
            db.close()
        yield from found
        return
    if protocol not in CLIENTS:
        raise InvalidParameterError(f"provider {provider} has protocol {protocol!r}; use local, resto, odata or stac")
    timeout = float(config.get("timeout", 30))
    with httpx.Client(timeout=timeout, headers={"User-Agent": "ai4c"}, follow_redirects=True) as client:
        yield from CLIENTS[protocol](provider, config).search(query, client)
