"""Access to the files of a SAFE product (Sentinel-1 or -2), zipped or unpacked, without extracting anything."""

from __future__ import annotations

import fnmatch
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ai4c.core.errors import InputNotFoundError, InvalidProductError

CRC_CHECK_LIMIT = 50_000_000  # zips smaller than this get a full CRC check on open (truncation shows there)


def is_product_metadata(filename: str) -> bool:
    """An S2 product-level metadata file name of any baseline (compact and old 'OPER' naming)."""
    low = filename.lower()
    return (low.startswith("mtd_msil") and low.endswith(".xml")) or ("_mtd_saf" in low and low.endswith(".xml"))


def _is_root_marker(member: str) -> bool:
    """Files that sit at the top of every SAFE product: manifest.safe or the S2 product metadata."""
    base = member.rsplit("/", 1)[-1]
    return base == "manifest.safe" or is_product_metadata(base)


@dataclass
class SafeSource:
    """A SAFE product as a zip file or a folder: list its members, read them, give GDAL paths."""

    path: Path
    root: str  # member prefix of the .SAFE folder inside a zip ("" for a folder)
    members: list[str]
    _member_set: set[str] = field(default_factory=set, repr=False)

    def __post_init__(self) -> None:
        self._member_set = set(self.members)

    @classmethod
    def open(cls, path: Path | str) -> SafeSource:
        """Open a .SAFE folder, a zipped product, or a metadata file inside a folder (manifest.safe, MTD_*.xml)."""
        path = Path(path)
        if not path.exists():
            raise InputNotFoundError(f"input {path} does not exist; give a SAFE folder or zip")
        if path.is_file() and (path.name == "manifest.safe" or path.suffix.lower() == ".xml"):
            path = path.parent
        if path.is_dir():
            members = sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())
            return cls(path, "", members)
        return cls._open_zip(path)

    @classmethod
    def _open_zip(cls, path: Path) -> SafeSource:
        """A zipped product: the root is the top folder holding manifest.safe / the product metadata."""
        try:
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if not n.endswith("/")]
                bad = archive.testzip() if path.stat().st_size < CRC_CHECK_LIMIT else None
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise InvalidProductError(f"{path} is not a readable zip ({exc}); it may be truncated, download it "
                                      "again or give the unzipped SAFE folder") from exc
        if bad:
            raise InvalidProductError(f"{path} is damaged (bad CRC in {bad}); download the product again")
        markers = sorted((n for n in names if _is_root_marker(n)), key=lambda n: n.count("/"))
        if not markers:
            raise InvalidProductError(f"zip {path} holds no manifest.safe or product metadata; it is not a Sentinel "
                                      "SAFE product")
        root = markers[0].rsplit("/", 1)[0] + "/" if "/" in markers[0] else ""
        return cls(path, root, sorted(n[len(root):] for n in names if n.startswith(root)))

    @property
    def is_zip(self) -> bool:
        """Whether the product is read from a zip."""
        return not self.path.is_dir()

    @property
    def name(self) -> str:
        """Product name without .SAFE/.zip (e.g. S1A_IW_GRDH_1SDV_...)."""
        if self.root:  # the .SAFE folder's own name (some zips nest it in another folder)
            return self.root.rstrip("/").rsplit("/", 1)[-1].removesuffix(".SAFE")
        return self.path.name.removesuffix(".zip").removesuffix(".SAFE")

    def find(self, pattern: str) -> list[str]:
        """Members matching a glob pattern relative to the SAFE root (case-insensitive)."""
        low = pattern.lower()
        return [m for m in self.members if fnmatch.fnmatch(m.lower(), low)]

    def exists(self, member: str) -> bool:
        """Whether a member exists."""
        return member in self._member_set

    def read_bytes(self, member: str) -> bytes:
        """The bytes of one (small, metadata) member."""
        if not self.is_zip:
            return (self.path / member).read_bytes()
        try:
            with zipfile.ZipFile(self.path) as archive:
                return archive.read(self.root + member)
        except (zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
            raise InvalidProductError(f"cannot read {member} from {self.path} ({exc}); the zip is damaged, "
                                      "download the product again") from exc

    def xml(self, member: str) -> etree._Element:
        """Parse one XML member; corrupt XML is a product error."""
        try:
            return etree.fromstring(self.read_bytes(member))
        except etree.XMLSyntaxError as exc:
            raise InvalidProductError(f"{self.name}: {member} is not valid XML ({exc})") from exc

    def gdal_path(self, member: str) -> str:
        """A path GDAL/rasterio can open for a member (/vsizip/ for zips)."""
        if not self.is_zip:
            return str(self.path / member)
        return f"/vsizip/{self.path.resolve()}/{self.root}{member}"

    def size(self, member: str) -> int:
        """Size in bytes of one member."""
        if not self.is_zip:
            return (self.path / member).stat().st_size
        with zipfile.ZipFile(self.path) as archive:
            return archive.getinfo(self.root + member).file_size
