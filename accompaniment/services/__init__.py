"""Writes of the accompaniment app, one module per area (requests, accompaniments, content, evaluations)."""
