"""Writes of the actors app, one module per area (accounts, charter, committees…)."""
