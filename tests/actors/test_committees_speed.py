"""The public committee pages are kept per version of their data (actors.selectors.committees):
one query whatever the number of binômes and meetings, and a change shows on the very next view."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actors.charter_enums import MeetingStatus
from actors.models import Committee
from actors.selectors import committees as selectors
from actors.services import committees as services
from tests.factories.actors import UserFactory
from tests.factories.charter import PersonFactory, committee, hide_name, make_meeting

pytestmark = pytest.mark.django_db


def _binome(copil, staff_user, number: int, *, validate: bool = True):
    binome = services.binome_create(
        committee=copil,
        professional=PersonFactory(first_name=f"Pro{number}", last_name=f"Soignant{number}", user=None),
        partner=PersonFactory(first_name=f"Patient{number}", last_name=f"Partenaire{number}", user=None),
        start_date=date(2025, 1, 1),
        end_date=None,
        by=staff_user,
    )
    if validate:
        services.composition_validate(
            committee=copil,
            meeting=make_meeting(committee("copart"), days=-30),
            validated_on=date(2025, 3, 14),
            mandates=list(binome.mandates.all()),
            note="",
            by=staff_user,
        )
    return binome


def _queries(client, url: str) -> tuple[int, str]:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_copil_page_reads_one_query_whatever_its_size(client, staff_user):
    copil = committee("copil")
    _binome(copil, staff_user, 1)
    few, _ = _queries(client, "/comites/copil/")

    for number in range(2, 7):
        _binome(copil, staff_user, number)
    for days in range(1, 6):
        make_meeting(copil, days=-days * 30, status=MeetingStatus.HELD)
    many, page = _queries(client, "/comites/copil/")

    assert few == many == 1  # the version tokens; the session is not read for a visitor
    assert "Pro6 Soignant6" in page


def test_the_committees_page_reads_one_query(client, staff_user):
    _binome(committee("copil"), staff_user, 1)
    count, page = _queries(client, "/comites/")
    assert count == 1
    assert "Comité de Pilotage" in page


def test_a_validated_binome_shows_at_once(client, staff_user):
    copil = committee("copil")
    binome = _binome(copil, staff_user, 1, validate=False)
    assert "Pro1" not in client.get("/comites/copil/").content.decode()

    services.composition_validate(
        committee=copil,
        meeting=make_meeting(committee("copart"), days=-30),
        validated_on=date(2025, 3, 14),
        mandates=list(binome.mandates.all()),
        note="",
        by=staff_user,
    )

    assert "Pro1 Soignant1" in client.get("/comites/copil/").content.decode()


def test_a_hidden_last_name_leaves_the_copil_page_at_once(client, staff_user):
    binome = _binome(committee("copil"), staff_user, 1)
    assert "Partenaire1" in client.get("/comites/copil/").content.decode()

    hide_name(binome.mandates.get(side="usager").person)

    page = client.get("/comites/copil/").content.decode()
    assert "Patient1" in page and "Partenaire1" not in page


def test_a_committee_description_shows_at_once(client):
    client.get("/comites/")
    cotec = Committee.objects.get(kind="cotec")
    cotec.description = "Une description toute neuve du CoTec."
    cotec.save()

    assert "Une description toute neuve du CoTec." in client.get("/comites/").content.decode()


def test_the_token_is_replaced_once_per_transaction_at_commit(django_capture_on_commit_callbacks):
    token = selectors.public_committees_version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _binome(committee("copil"), UserFactory(), 1, validate=False)
    assert callbacks.count(selectors.bump_committees_version) >= 1
    assert selectors.public_committees_version() != token
