"""Access to the files of a Sentinel-1 SAFE product (manifest.safe at its root), zipped or unpacked,
without extracting anything (products.safe is the Sentinel-2 flavour keyed on MTD_MSIL*.xml)."""

from __future__ import annotations

import fnmatch
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ai4c.core.errors import InputNotFoundError, InvalidProductError


@dataclass
class SafeSource:
    """A SAFE product as a zip file or a folder: list its members, read them, give GDAL paths."""

    path: Path
    root: str  # member prefix of the .SAFE folder inside a zip ("" for a folder)
    members: list[str]

    @classmethod
    def open(cls, path: Path | str) -> SafeSource:
        """Open `path` (.zip or .SAFE folder, or the manifest.safe inside one)."""
        path = Path(path)
        if path.name == "manifest.safe":
            path = path.parent
        if not path.exists():
            raise InputNotFoundError(f"input product {path} does not exist; give a .SAFE folder or a .zip")
        if path.is_dir():
            members = sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())
            return cls(path, "", members)
        try:
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if not n.endswith("/")]
        except (zipfile.BadZipFile, OSError) as exc:
            raise InvalidProductError(f"input {path} is neither a SAFE folder nor a readable zip ({exc})") from None
        manifests = [n for n in names if n.endswith("manifest.safe")]
        if not manifests:
            raise InvalidProductError(f"zip {path} holds no manifest.safe; is it a Sentinel SAFE product?")
        root = manifests[0][: -len("manifest.safe")]
        members = sorted(n[len(root):] for n in names if n.startswith(root))
        return cls(path, root, members)

    @property
    def name(self) -> str:
        """Product name without .SAFE/.zip (e.g. S1A_IW_GRDH_1SDV_...)."""
        if self.root:
            return self.root.rstrip("/").removesuffix(".SAFE")
        return self.path.name.removesuffix(".SAFE").removesuffix(".zip")

    def find(self, pattern: str) -> list[str]:
        """Members matching a glob pattern (relative to the SAFE root)."""
        return [m for m in self.members if fnmatch.fnmatch(m, pattern)]

    def read_bytes(self, member: str) -> bytes:
        """The bytes of one member."""
        if not self.root and self.path.is_dir():
            return (self.path / member).read_bytes()
        with zipfile.ZipFile(self.path) as archive:
            return archive.read(self.root + member)

    def xml(self, member: str) -> etree._Element:
        """Parse one XML member; corrupt XML is a product error."""
        try:
            return etree.fromstring(self.read_bytes(member))
        except etree.XMLSyntaxError as exc:
            raise InvalidProductError(f"{self.name}: {member} is not valid XML ({exc})") from None

    def gdal_path(self, member: str) -> str:
        """A path GDAL/rasterio can open for a member (/vsizip/ for zips)."""
        if not self.root and self.path.is_dir():
            return str(self.path / member)
        return f"/vsizip/{self.path.resolve()}/{self.root}{member}"

    def size(self, member: str) -> int:
        """Size in bytes of one member."""
        if not self.root and self.path.is_dir():
            return (self.path / member).stat().st_size
        with zipfile.ZipFile(self.path) as archive:
            return archive.getinfo(self.root + member).file_size
