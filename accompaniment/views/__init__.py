"""Views of the accompaniment app, one module per area."""
