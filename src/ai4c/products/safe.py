"""Access to the files of a SAFE product, whether it is a folder or a zip (rasters through /vsizip/)."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ai4c.core.errors import InputNotFoundError, InvalidProductError


@dataclass
class SafeSource:
    """The files of one product, named relative to its root (the `.SAFE` folder or its equivalent)."""

    path: Path
    root: str = ""
    names: list[str] = field(default_factory=list)
    is_zip: bool = False

    def read_bytes(self, name: str) -> bytes:
        """The content of a (small, XML) member."""
        if self.is_zip:
            try:
                with zipfile.ZipFile(self.path) as zf:
                    return zf.read(self.root + name)
            except (zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
                raise InvalidProductError(f"cannot read {name} from {self.path} ({exc}); the zip is damaged, "
                                          "download the product again") from None
        return (self.path / name).read_bytes()

    def gdal_path(self, name: str) -> str:
        """The path GDAL/rasterio opens for a member (zip members through /vsizip/)."""
        if self.is_zip:
            return f"/vsizip/{self.path.resolve()}/{self.root}{name}"
        return str(self.path / name)

    def find(self, pattern: str) -> list[str]:
        """Members whose relative name matches a glob `pattern` (case-insensitive)."""
        import fnmatch

        low = pattern.lower()
        return sorted(n for n in self.names if fnmatch.fnmatch(n.lower(), low))

    def exists(self, name: str) -> bool:
        """Whether a member exists."""
        return name in self._name_set

    @property
    def _name_set(self) -> set[str]:
        cached = getattr(self, "_names_cache", None)
        if cached is None:
            cached = set(self.names)
            object.__setattr__(self, "_names_cache", cached)
        return cached


def open_safe(path: Path | str) -> SafeSource:
    """Open a product folder, a zipped product, or the product's main metadata XML file."""
    path = Path(path)
    if not path.exists():
        raise InputNotFoundError(f"input {path} does not exist; give a SAFE folder or zip")
    if path.is_file() and path.suffix.lower() == ".xml":
        path = path.parent
    if path.is_dir():
        names = sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())
        return SafeSource(path, "", names, False)
    return _open_zip(path)


def _open_zip(path: Path) -> SafeSource:
    """A zipped product: the root is the top folder holding the metadata (usually NAME.SAFE/)."""
    try:
        with zipfile.ZipFile(path) as zf:
            all_names = [n for n in zf.namelist() if not n.endswith("/")]
            bad = zf.testzip() if path.stat().st_size < 50_000_000 else None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InvalidProductError(f"{path} is not a readable zip ({exc}); it may be truncated, download it "
                                  "again or give the unzipped SAFE folder") from None
    if bad:
        raise InvalidProductError(f"{path} is damaged (bad CRC in {bad}); download the product again")
    mtd = [n for n in all_names if _is_product_metadata(n.rsplit("/", 1)[-1]) and n.count("/") <= 1]
    if not mtd:
        raise InvalidProductError(f"{path} is not a Sentinel-2 SAFE zip (no MTD_MSIL1C.xml/MTD_MSIL2A.xml at its "
                                  "top); give an S2 L1C or L2A product")
    root = mtd[0].rsplit("/", 1)[0] + "/" if "/" in mtd[0] else ""
    names = [n[len(root):] for n in all_names if n.startswith(root)]
    return SafeSource(path, root, names, True)


def _is_product_metadata(filename: str) -> bool:
    """The product-level metadata file name of every baseline (compact and old 'OPER' naming)."""
    low = filename.lower()
    return (low.startswith("mtd_msil") and low.endswith(".xml")) or (
        "_mtd_saf" in low and low.endswith(".xml"))
