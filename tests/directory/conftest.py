import pytest


@pytest.fixture(autouse=True)
def _fresh_directory_caches(django_db_blocker):
    """Facet bitsets and rate-limit counters live outside the test transaction: start clean."""
    from django.core.cache import caches

    from directory import facets
    from directory.filters import clear_choices_cache

    facets.reset()
    clear_choices_cache()
    with django_db_blocker.unblock():
        caches["shared"].clear()
    yield
    facets.reset()
