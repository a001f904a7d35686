"""`ai4c download`: fetch a product from S3 or a local/NFS path with resume and checksum verification."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

from ai4c.catalog.model import Product
from ai4c.catalog.storage import parse_s3, s3_client, s3_error
from ai4c.core.errors import BadInputError, InputNotFoundError, InvalidProductError
from ai4c.core.io import check_writable

CHUNK = 8 * 1024 * 1024


def md5_of(path: Path) -> str:
    """Hex MD5 of a file, streamed."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def download(product: Product, output_dir: Path, *, client: Any | None = None, progress: bool = False) -> Path:
    """Download `product` into `output_dir`: a `.part` file grows (resumed if present) and is
    renamed only after its size and checksum (when known) are verified."""
    output_dir = Path(output_dir)
    name = Path(product.href.rstrip("/")).name or product.id
    target = check_writable(output_dir / name)
    part = target.with_name(target.name + ".part")
    if product.href.startswith(("s3://", "/eodata/")):
        expected_md5 = _s3_fetch(product.href, part, client or s3_client(), progress)
    else:
        expected_md5 = None
        _file_fetch(Path(product.href), part)
    md5 = product.checksum.get("MD5") or expected_md5
    if md5 and md5_of(part) != md5.lower():
        part.unlink()
        raise InvalidProductError(f"checksum mismatch for {product.id}: the download was corrupt; run it again")
    part.replace(target)
    return target


def _s3_fetch(url: str, part: Path, client: Any, progress: bool) -> str | None:
    """Append the missing byte range of an S3 object to `part`; returns the object's MD5 when its ETag is one."""
    from ai4c.core.progress import is_enabled

    where = parse_s3(url)
    try:
        head = client.head_object(Bucket=where.bucket, Key=where.key)
        size = int(head["ContentLength"])
        have = part.stat().st_size if part.exists() else 0
        if have > size:
            part.unlink()
            have = 0
        if have < size:
            body = client.get_object(Bucket=where.bucket, Key=where.key, Range=f"bytes={have}-")["Body"]
            with part.open("ab") as handle:
                _copy_stream(body, handle, size - have, f"download {Path(where.key).name}", progress and is_enabled())
    except BadInputError:
        raise
    except Exception as exc:
        raise s3_error(exc, url) from exc
    etag = str(head.get("ETag", "")).strip('"')
    return etag if len(etag) == 32 and "-" not in etag else None


def _copy_stream(body: Any, handle: Any, total: int, label: str, show: bool) -> None:
    """Copy a streaming body into an open file, with a rich bar when asked."""
    if not show:
        for block in iter(lambda: body.read(CHUNK), b""):
            handle.write(block)
        return
    from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

    with Progress(*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(), transient=True) as bar:
        task = bar.add_task(label, total=total)
        for block in iter(lambda: body.read(CHUNK), b""):
            handle.write(block)
            bar.update(task, advance=len(block))


def _file_fetch(source: Path, part: Path) -> None:
    """Copy a local/NFS file (or SAFE folder) into `part`, resuming a partial file copy."""
    if not source.exists():
        raise InputNotFoundError(f"product {source} does not exist")
    if source.is_dir():
        if part.exists():
            shutil.rmtree(part)
        shutil.copytree(source, part)
        return
    have = part.stat().st_size if part.exists() else 0
    with source.open("rb") as src, part.open("ab") as dst:
        src.seek(have)
        shutil.copyfileobj(src, dst, CHUNK)
