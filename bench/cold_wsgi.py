"""The production WSGI application with the directory's result caches turned off, so that the
benchmark can measure every list request computed from scratch through gunicorn."""

from cops.wsgi import application  # noqa: F401
from directory import facets, listing_cache

listing_cache.MAX_ENTRIES = 0
facets.MEMO_SIZE = 0
