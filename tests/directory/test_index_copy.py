"""The directory's in-memory index is built once per version, then copied by the other processes
(directory.facets: a compressed copy in the shared cache), never past a change nor past MAX_AGE."""

import time
from unittest.mock import patch

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory import facets
from directory.facets import audience_index
from tests.factories.directory import make_person, make_structure

pytestmark = pytest.mark.django_db


def _read(audience: str = "public") -> tuple[facets.AudienceIndex, list[str]]:
    """The index as a new web process gets it, and the SQL that cost."""
    facets.reset()  # this process forgets its own copy, as another process never had it
    with CaptureQueriesContext(connection) as captured:
        index = audience_index(audience, 0)
    return index, [query["sql"] for query in captured.captured_queries]


def _reads_entries(queries: list[str]) -> bool:
    return any('FROM "directory_entry"' in sql for sql in queries)


def test_the_second_process_copies_the_index_the_first_one_built():
    make_structure(name="Maison des usagers", commune="31555")
    make_person(first_name="Camille", last_name="Durand")
    built, first_queries = _read()
    assert _reads_entries(first_queries)

    copied, queries = _read()
    assert not _reads_entries(queries)
    assert len(queries) == 2  # the version token, the copy
    assert copied.version == built.version
    assert copied.entry_ids == built.entry_ids and len(built.entry_ids) == 2
    assert copied.tags == built.tags and copied.features == built.features
    assert copied.locatable == built.locatable and copied.coordinates == built.coordinates


def test_a_change_or_age_means_a_new_build():
    make_person(first_name="Camille", last_name="Durand")
    before, _ = _read()
    make_person(first_name="Lou", last_name="Bernard")  # indexed: a new version
    after, queries = _read()
    assert _reads_entries(queries)
    assert len(after.entry_ids) == len(before.entry_ids) + 1

    later = time.time() + facets.MAX_AGE + 1
    with patch("directory.facets.time.time", return_value=later):
        _aged, queries = _read()
    assert _reads_entries(queries)  # the copy is as old as its build: rebuilt, not copied
