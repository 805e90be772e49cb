"""Reads of the directory: profiles (persons, structures, memberships) and listing (the index)."""
