"""Rendered result lists, kept for a few minutes in each web process.

The same filter combinations come back all day (the unfiltered directory, one département,
« patient partenaire » in a domain, the next page of a search). Their rendered filters and
result cards are kept per process, keyed by everything they depend on:

- the index version token (`directory.facets.current_version`): any indexing, moderation or
  merge writes a new token, so a list is never served once the directory changed;
- the viewer's audience level and whether they are COPS staff (what the cards and links show);
- the language, and the query string (every filter and the page number).

Only the filters-and-results block is kept; the page around it (navigation, the signed-in
user's menu, messages) is rendered for every request.
"""

import hashlib
import threading
from collections import OrderedDict

from django.utils.translation import get_language

MAX_ENTRIES = 256
_lock = threading.Lock()
_rendered: OrderedDict[str, str] = OrderedDict()


def listing_key(*, name: str, version: str, level: int, staff: bool, query) -> str:
    params = sorted((key, tuple(values)) for key, values in query.lists())
    raw = repr((name, version, int(level), staff, get_language(), params))
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def get(key: str) -> str | None:
    with _lock:
        html = _rendered.get(key)
        if html is not None:
            _rendered.move_to_end(key)
        return html


def put(key: str, html: str) -> None:
    with _lock:
        _rendered[key] = html
        _rendered.move_to_end(key)
        while len(_rendered) > MAX_ENTRIES:
            _rendered.popitem(last=False)


def reset() -> None:
    with _lock:
        _rendered.clear()
