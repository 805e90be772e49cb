"""Views of the directory, one module per area (browse, register, moderation, memberships, exports)."""
