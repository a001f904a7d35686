"""A Strabon-class GeoSPARQL/stSPARQL store on pyoxigraph, shapely and pyproj."""

from ai4c.linked.store.store import GeoStore, QueryError, QueryTimeoutError, StoreNotFoundError

__all__ = ["GeoStore", "QueryError", "QueryTimeoutError", "StoreNotFoundError"]
