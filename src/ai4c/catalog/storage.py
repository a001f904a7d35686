"""Where product bytes live: local/NFS paths and S3-compatible object stores (any endpoint URL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ai4c.core.errors import BadInputError, InputNotFoundError


@dataclass(frozen=True)
class S3Location:
    """bucket + key of an s3:// URL."""

    bucket: str
    key: str


def parse_s3(url: str) -> S3Location:
    """s3://bucket/key -> S3Location (CREODIAS /eodata/... paths map to bucket 'eodata')."""
    if url.startswith("/eodata/"):
        url = "s3://" + url.lstrip("/")
    if not url.startswith("s3://"):
        raise BadInputError(f"{url!r} is not an s3:// URL")
    bucket, _, key = url[5:].partition("/")
    return S3Location(bucket, key)


def s3_client(endpoint_url: str | None = None) -> Any:
    """A boto3 S3 client for `endpoint_url` (else AWS_ENDPOINT_URL/AI4C_S3_ENDPOINT), credentials from the env."""
    import boto3
    from botocore.config import Config

    endpoint = endpoint_url or os.environ.get("AI4C_S3_ENDPOINT") or os.environ.get("AWS_ENDPOINT_URL")
    return boto3.client("s3", endpoint_url=endpoint,
                        config=Config(connect_timeout=10, read_timeout=60, retries={"max_attempts": 2}))


def s3_error(exc: Exception, url: str) -> BadInputError:
    """A one-line error for S3 failures: refused credentials, missing objects, unreachable endpoints."""
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

    if isinstance(exc, NoCredentialsError):
        return BadInputError(f"no S3 credentials for {url}; set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
    if isinstance(exc, EndpointConnectionError):
        return BadInputError(f"S3 endpoint for {url} is unreachable; check AI4C_S3_ENDPOINT")
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "?")
        if code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            return BadInputError(f"S3 refused the credentials for {url} ({code}); check AWS_ACCESS_KEY_ID/SECRET")
        if code in ("404", "NoSuchKey", "NoSuchBucket"):
            return BadInputError(f"{url} does not exist in the object store ({code})")
        return BadInputError(f"S3 error for {url}: {code}")
    return BadInputError(f"S3 failure for {url}: {exc}")


def list_s3(url: str, client: Any) -> Iterator[str]:
    """Every object key under an s3://bucket/prefix, as s3:// URLs."""
    where = parse_s3(url)
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=where.bucket, Prefix=where.key):
            for entry in page.get("Contents", []):
                yield f"s3://{where.bucket}/{entry['Key']}"
    except Exception as exc:
        raise s3_error(exc, url) from exc


def fetch_to(url: str, target: Path, client: Any | None = None) -> Path:
    """Copy an s3:// object or a local file to `target` (used to read remote products)."""
    if url.startswith(("s3://", "/eodata/")):
        where = parse_s3(url)
        try:
            (client or s3_client()).download_file(where.bucket, where.key, str(target))
        except Exception as exc:
            raise s3_error(exc, url) from exc
        return target
    path = Path(url)
    if not path.exists():
        raise InputNotFoundError(f"product {url} does not exist")
    return path
