"""HTML fragments kept per process, keyed by everything they are rendered from.

Rendering a form or a list of cards through Django's templates costs milliseconds on every
request, although the same rows give the same HTML. A kept fragment's key is its content: the
caller puts in the key every value the fragment is rendered from (the language is added here),
so a change of any of them is a new key and nothing is ever served stale; there is nothing to
invalidate. The key must therefore never hold less than the template reads, and a fragment
must not depend on the viewer (CSRF token, own registration, staff links) unless the key says so.
"""

from collections.abc import Callable, Hashable

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from cops.memo import ProcessMemo

# Keyed by content, an entry never goes stale: the age only makes room for what is read now.
_kept = ProcessMemo(max_entries=1024, max_age=3600.0)


def kept_fragment(key: tuple[Hashable, ...], render: Callable[[], str]) -> SafeString:
    """The HTML `render()` gives for `key` (rendered once per process and language)."""
    # Rendered by our own templates, which escape what they print.
    return _kept.get_or_compute((get_language(), *key), lambda: mark_safe(render()))  # noqa: S308
