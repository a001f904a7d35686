"""core.vectorio: each vector format is written atomically and reads back (through GDAL, pandas) as the same
geometries and attributes; the format comes from --format or the suffix, an unknown one is bad input."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, Polygon

from ai4c.core.errors import InvalidParameterError
from ai4c.core.vectorio import vector_format, write_vector

FRAME = gpd.GeoDataFrame({"name": ["a", "b"], "mw": [12.5, 3.0]},
                         geometry=[Point(23.5, 38.25), Polygon([(20, 40), (21, 40), (21, 41), (20, 40)])],
                         crs="EPSG:4326")


@pytest.mark.parametrize("suffix", [".parquet", ".geojson", ".gpkg", ".fgb"])
def test_formats_read_back_as_written(tmp_path, suffix):
    path = write_vector(FRAME, tmp_path / f"out{suffix}")
    back = gpd.read_parquet(path) if suffix == ".parquet" else gpd.read_file(path)
    assert list(back["name"]) == ["a", "b"] and list(back["mw"]) == [12.5, 3.0]
    assert back.crs.to_epsg() == 4326
    assert all(shapely.equals_exact(back.geometry.values, FRAME.geometry.values, tolerance=1e-9))
    assert [p.name for p in tmp_path.iterdir()] == [f"out{suffix}"]  # no scratch folder left behind


def test_csv_has_the_geometry_as_wkt(tmp_path):
    path = write_vector(FRAME, tmp_path / "table.txt", "CSV")
    table = pd.read_csv(path)
    assert list(table.columns) == ["name", "mw", "wkt"]
    assert shapely.from_wkt(table["wkt"]).tolist() == FRAME.geometry.tolist()


def test_format_from_name_or_suffix():
    assert vector_format("x.GeoJSON") == "geojson" and vector_format("x.json", "GPKG") == "gpkg"
    with pytest.raises(InvalidParameterError, match="format 'shp' unknown"):
        vector_format("x.shp", "shp")
    with pytest.raises(InvalidParameterError, match="cannot tell the format"):
        vector_format("x.shp")
