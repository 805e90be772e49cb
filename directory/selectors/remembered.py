"""Reads of the directory's pages kept per process and per version of the directory's index.

A profile's page (its view at one viewer level, its projects, its badges) is read from a dozen
tables; it changes only when a profile, a membership, a project or a signature changes, and every
such change reindexes the entries concerned, which writes a new index version token
(directory.facets.bump_version, in the transaction of the change). Keyed by that token, what is
kept here is never served once the directory changed; MAX_AGE bounds what a write that bypasses
the index could leave. The token exists from `migrate` on; without one, nothing is kept.

The key must hold everything else the result depends on: the viewer's level first of all.
"""

from django.utils.translation import get_language

from cops.memo import ProcessMemo
from directory.facets import current_version

MAX_ENTRIES = 1024
MAX_AGE = 300.0
_kept = ProcessMemo(max_entries=MAX_ENTRIES, max_age=MAX_AGE)


def remembered(key: tuple, compute, *, version: str | None = None):
    version = current_version() if version is None else version
    if not version:
        return compute()
    return _kept.get_or_compute((version, get_language(), *key), compute)
