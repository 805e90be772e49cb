"""`manage.py reindex_directory --if-outdated` (run by `make db`): an index built by an earlier
version of the platform is rebuilt once, then left alone."""

import io

import pytest
from django.core.cache import caches
from django.core.management import call_command

from directory.indexing import INDEX_FORMAT, INDEX_FORMAT_KEY
from directory.models import Entry
from tests.factories.directory import make_person

pytestmark = pytest.mark.django_db


def test_an_outdated_index_is_rebuilt_once_then_left_alone():
    person = make_person(first_name="Rose", last_name="Index")
    caches["shared"].set(INDEX_FORMAT_KEY, INDEX_FORMAT - 1, timeout=None)
    Entry.objects.filter(person=person).delete()  # what an older build would lack

    call_command("reindex_directory", "--if-outdated", stdout=io.StringIO())

    assert Entry.objects.filter(person=person).count() == 1
    assert caches["shared"].get(INDEX_FORMAT_KEY) == INDEX_FORMAT

    Entry.objects.filter(person=person).delete()
    call_command("reindex_directory", "--if-outdated", stdout=io.StringIO())

    assert Entry.objects.filter(person=person).count() == 0  # up to date: nothing rebuilt
