"""A small table of real Sentinel-2 MGRS tiles (UTM CRS and upper-left corner of the 10 m grid).

Origins marked `real` are copied from real MTD_TL.xml files (../shared/data/s2/reference);
33UVP, 33UUP, 32TQM and 31UFU follow the MGRS rule the real ones obey (column easting in the
99960 / 199980 / 300000 / 399960 / 499980 / 600000 / 699960 / 799980 pattern, top of the 100 km
square) and are within 40 m of the official origin.
"""

from __future__ import annotations

from dataclasses import dataclass

from rasterio.transform import Affine

from ai4c.core.errors import check_choice

TILE_PIXELS = 10980  # a full tile at 10 m


@dataclass(frozen=True)
class Tile:
    """An MGRS tile: name (e.g. 33UVP), EPSG code of its UTM zone, upper-left corner in metres."""

    name: str
    epsg: int
    ulx: float
    uly: float

    @property
    def crs(self) -> str:
        """The CRS as an `EPSG:n` string."""
        return f"EPSG:{self.epsg}"

    def transform(self, resolution: float = 10.0) -> Affine:
        """Affine transform of the tile grid at `resolution` metres."""
        return Affine(resolution, 0.0, self.ulx, 0.0, -resolution, self.uly)

    @property
    def utm_name(self) -> str:
        """HORIZONTAL_CS_NAME as in MTD_TL.xml, e.g. `WGS84 / UTM zone 33N`."""
        zone = self.epsg % 100
        hemisphere = "N" if self.epsg // 100 == 326 else "S"
        return f"WGS84 / UTM zone {zone:02d}{hemisphere}"


TILES: dict[str, Tile] = {t.name: t for t in (
    Tile("33UVP", 32633, 399960.0, 5400000.0),
    Tile("33UUP", 32633, 300000.0, 5400000.0),
    Tile("32TQM", 32632, 699960.0, 4900020.0),
    Tile("31UFU", 32631, 600000.0, 5800020.0),
    Tile("01WCP", 32601, 300000.0, 7400040.0),   # real
    Tile("46RER", 32646, 499980.0, 3100020.0),   # real
    Tile("11SLT", 32611, 300000.0, 3800040.0),   # real
    Tile("22HBD", 32722, 199980.0, 5900020.0),   # real
    Tile("07HFE", 32707, 600000.0, 6500020.0),   # real
    Tile("33XWJ", 32633, 499980.0, 8900040.0),   # real
    Tile("01KAB", 32701, 99960.0, 8200000.0),    # real
)}


def get_tile(name: str) -> Tile:
    """The tile called `name` (a leading `T` is accepted), or a BadInputError listing the known ones."""
    key = str(name).upper().removeprefix("T")
    return TILES[check_choice("tile", key, sorted(TILES))]
