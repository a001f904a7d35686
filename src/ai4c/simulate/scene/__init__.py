"""The shared truth every simulator renders: land cover, DEM, clouds, MGRS tiles and correlated noise."""
