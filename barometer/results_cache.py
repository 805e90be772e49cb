"""Rendered public results, kept in each web process until their data change.

The results of a published campaign change rarely, yet computing them takes some twenty
queries and the drawing of every chart. Their rendered block (everything under the page's
navigation: the signed-in user's menu and the messages are rendered for every request) is
kept per process, keyed by everything it depends on:

- the fingerprint of the data (`barometer.selectors.results_fingerprint`, one query per
  request): the campaign's row, its and its earlier editions' submitted responses, the featured
  quotes and the published report. Any answer received or deleted, a quote featured or not, a
  publication or a withdrawal changes it, so the next request computes the page again;
- the page, the language and the query string (the filters).
"""

import hashlib
import threading
from collections import OrderedDict

from django.utils.translation import get_language

MAX_ENTRIES = 128
_lock = threading.Lock()
_rendered: OrderedDict[str, str] = OrderedDict()


def key(*, name: str, campaign_id: int, fingerprint: str, query) -> str:
    params = sorted((name, tuple(values)) for name, values in query.lists())
    raw = repr((name, campaign_id, fingerprint, get_language(), params))
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def get(cache_key: str) -> str | None:
    with _lock:
        body = _rendered.get(cache_key)
        if body is not None:
            _rendered.move_to_end(cache_key)
        return body


def put(cache_key: str, body: str) -> None:
    with _lock:
        _rendered[cache_key] = body
        _rendered.move_to_end(cache_key)
        while len(_rendered) > MAX_ENTRIES:
            _rendered.popitem(last=False)


def reset() -> None:
    with _lock:
        _rendered.clear()
