"""Simulated energy inputs with a known truth: ERA5 deliveries, turbine SCADA exports, wind farm layers."""
