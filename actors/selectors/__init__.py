"""Reads of the actors app, one module per area (profiles, charter…)."""
