"""Reads of the actors app, one module per area (charter, committees…)."""
