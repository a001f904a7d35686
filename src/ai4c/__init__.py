"""ai4c: the AI4Copernicus bootstrapping services as one Python package, without SNAP."""

__version__ = "0.1.0"
