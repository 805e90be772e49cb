"""Reads of the directory's pages kept per process and per version of the directory's index.

A profile's page (its view at one viewer level, its projects, its badges) is read from a dozen
tables; it changes only when a profile, a membership, a project or a signature changes, and every
such change reindexes the entries concerned, which writes a new index version token
(directory.facets.bump_version, in the transaction of the change). Keyed by that token, what is
kept here is never served once the directory changed; MAX_AGE bounds what a write that bypasses
the index could leave. Before the first indexing (no token yet) nothing is kept.

The key must hold everything else the result depends on: the viewer's level first of all.
"""

import threading
import time
from collections import OrderedDict

from django.utils.translation import get_language

from directory.facets import current_version

MAX_ENTRIES = 1024
MAX_AGE = 300.0
_lock = threading.Lock()
_kept: OrderedDict[tuple, tuple[float, object]] = OrderedDict()


def remembered(key: tuple, compute, *, version: str | None = None):
    version = current_version() if version is None else version
    if not version:
        return compute()
    full_key = (version, get_language(), *key)
    with _lock:
        found = _kept.get(full_key)
        if found is not None and time.monotonic() - found[0] < MAX_AGE:
            _kept.move_to_end(full_key)
            return found[1]
    value = compute()
    with _lock:
        _kept[full_key] = (time.monotonic(), value)
        _kept.move_to_end(full_key)
        while len(_kept) > MAX_ENTRIES:
            _kept.popitem(last=False)
    return value


def forget() -> None:
    with _lock:
        _kept.clear()
