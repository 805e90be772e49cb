"""Writes of the directory: profiles and moderation, memberships, merges, bulk creation."""
