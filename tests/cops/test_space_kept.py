"""Mon espace kept per person and per version of its tables (cops/space.py, cops/dataversions.py):
a few rows read per view, and never a page older than the person's last change, whatever wrote it."""

import re
import time
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actors.charter_enums import EventKind, MeetingResponse, RegistrationStatus
from actors.models import EventContributor, Meeting, MeetingParticipant, Signature
from cops import dataversions
from cops.apps import contributions
from cops.memo import ProcessMemo
from cops.space import space_page, space_watched_sets
from tests.cops.test_member_space import ACCOUNT, build_member_space, page_text, section_text
from tests.factories.charter import PersonFactory
from tests.factories.directory import make_project
from tests.factories.news import make_subscription

TABLE = re.compile(r'(?:FROM|JOIN)\s+"([a-z0-9_]+)"')


def _event(title: str, *, days: int) -> Meeting:
    start = timezone.now() + timedelta(days=days)
    return Meeting.objects.create(
        title=title,
        slug=f"evenement-{Meeting.objects.count() + 1}",
        kind=EventKind.WORKSHOP,
        is_public=True,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        location="Maison des associations, Toulouse",
    )


def build_everything(user) -> dict:
    """Something in every section and in every list of things that wait."""
    built = build_member_space(user, copies=2)
    person = built["person"]
    make_subscription(user.email, topics=("evenements", "projets"), user=user)
    coming, past = _event("Atelier des aidants", days=12), _event("Atelier de printemps", days=-40)
    MeetingParticipant.objects.create(
        meeting=coming, user=user, name="Sacha Martin", email=user.email, status=RegistrationStatus.WAITING
    )
    MeetingParticipant.objects.create(
        meeting=past,
        user=user,
        name="Sacha Martin",
        email=user.email,
        status=RegistrationStatus.CONFIRMED,
        checked_in_at=past.starts_at,
    )
    EventContributor.objects.create(event=coming, person=person, role="intervenant")
    project = make_project(title="Paroles de patients")
    project.people.create(person=person, status="invite", invited_by=project.created_by)
    make_project(by=user, structure=built["structures"][0], title="Le jardin partagé")
    return built


# --- Declarations ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_watched_table_has_its_trigger_and_no_other_table_has_one():
    assert dataversions.installed_triggers() == {
        name: set(tables) for name, tables in dataversions.watched_sets().items()
    }
    assert set(space_watched_sets()) == {
        "space_cops",
        "space_actors",
        "space_directory",
        "space_selfassess",
        "space_accompaniment",
    }


@pytest.mark.django_db
def test_the_hooks_read_no_table_outside_their_watched_set(partner):
    build_everything(partner)
    read: dict[str, set[str]] = {}
    for hook_name in ("space_waiting", "space_sections"):
        for hook in contributions("space", hook_name, exclude="cops.space"):
            with CaptureQueriesContext(connection) as captured, space_page():
                result = hook(partner)
            assert result  # each hook has something to say about this person
            for query in captured.captured_queries:
                read.setdefault(hook.app, set()).update(TABLE.findall(query["sql"]))
    watched = space_watched_sets()
    for app, tables in read.items():
        assert tables <= set(watched[f"space_{app}"]), (app, tables - set(watched[f"space_{app}"]))
    # The scenario reaches the tables the sections are about, not only the first queries.
    assert {"actors_newslettersubscription_topics", "actors_eventcontributor", "directory_projectperson"} <= (
        read["actors"] | read["directory"]
    )


# --- Tokens ------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_token_changes_in_the_commit_of_a_change_and_only_then(partner):
    PersonFactory(user=partner, first_name="Sacha", last_name="Martin")
    before = dataversions.tokens(["space_actors", "space_selfassess"])
    assert before["space_actors"] is not None

    with transaction.atomic():
        Signature.objects.filter(pk=-1).update(withdrawn_at=timezone.now())  # a statement, no row
        # The transaction's own reads must not use what is kept: its change is not published yet.
        assert dataversions.tokens(["space_actors"]) == {"space_actors": None}
    after = dataversions.tokens(["space_actors", "space_selfassess"])
    assert after["space_actors"] not in {None, before["space_actors"]}
    assert after["space_selfassess"] == before["space_selfassess"]  # another set, untouched

    with transaction.atomic():
        try:
            with transaction.atomic():
                Signature.objects.filter(pk=-1).delete()
                raise RuntimeError
        except RuntimeError:
            pass
        # A rolled-back savepoint leaves no change behind.
        assert dataversions.tokens(["space_actors"]) == {"space_actors": after["space_actors"]}
    assert dataversions.tokens(["space_actors"]) == {"space_actors": after["space_actors"]}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cops_datachange")
        assert cursor.fetchone()[0] == 0  # each note is removed by the commit that publishes it


# --- The page ----------------------------------------------------------------------------------------


def _view(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(ACCOUNT)
    assert response.status_code == 200
    return response, len(captured)


@pytest.mark.django_db(transaction=True)
def test_kept_page_costs_four_queries_and_shows_every_change_at_once(partner):
    built = build_everything(partner)
    client = Client()
    client.force_login(partner)
    first, _ = _view(client)
    again, queries = _view(client)
    # The session, the account, the tokens, the account's roles.
    assert queries == 4
    assert page_text(again) == page_text(first)  # the same page (forms carry a new CSRF token)
    assert "CoPil de printemps 1 À venir Pas encore de réponse CoPil, le" in section_text(again, "reunions")

    # A queryset update, which sends no signal: the answer shows at once.
    meeting = built["meetings"][0]
    MeetingParticipant.objects.filter(meeting=meeting, user=partner).update(response=MeetingResponse.COMING)
    response, queries = _view(client)
    assert queries > 4
    reunions = section_text(response, "reunions")
    assert "CoPil de printemps 1 À venir Je viens CoPil, le" in reunions
    assert "CoPil de printemps 2 À venir Pas encore de réponse CoPil, le" in reunions

    # Raw SQL on another app's table: the self-assessment disappears from the page.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM selfassess_participant WHERE session_id = %s", [built["sessions"][0].pk])
    response, _ = _view(client)
    assert "Cible du service de néphrologie 1" not in response.content.decode()
    assert "Cible du service de néphrologie 2" in response.content.decode()

    # A withdrawn signature (bulk update) leaves the signatures' section at once.
    Signature.objects.filter(person=built["person"]).update(withdrawn_at=timezone.now())
    response, _ = _view(client)
    assert "Charte 2030 — Sacha Martin" not in section_text(response, "charte")


@pytest.mark.django_db(transaction=True)
def test_kept_pages_are_per_person_and_per_language(partner, other_partner):
    build_everything(partner)
    mine, theirs = Client(), Client()
    mine.force_login(partner)
    theirs.force_login(other_partner)
    _view(mine)
    other, _ = _view(theirs)
    assert "CoPil de printemps" not in other.content.decode()
    french, _ = _view(mine)
    assert "Mes signatures de la charte" in french.content.decode()
    mine.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english, _ = _view(mine)
    assert "My charter signatures" in english.content.decode()
    assert "Mes signatures de la charte" not in english.content.decode()


def test_what_is_kept_grows_old_and_leaves_room():
    memo = ProcessMemo(max_entries=2, max_age=60.0)
    calls = []

    def compute(value):
        calls.append(value)
        return value

    with patch("cops.memo.time.monotonic", return_value=1000.0):
        assert memo.get_or_compute("a", lambda: compute(1)) == 1
        assert memo.get_or_compute("a", lambda: compute(2)) == 1
    with patch("cops.memo.time.monotonic", return_value=1061.0):
        assert memo.get_or_compute("a", lambda: compute(3)) == 3  # older than a minute
        memo.get_or_compute("b", lambda: compute(4))
        memo.get_or_compute("c", lambda: compute(5))
        assert len(memo) == 2
        assert memo.get_or_compute("a", lambda: compute(6)) == 6  # the least recently used went
    assert calls == [1, 3, 4, 5, 6]


@pytest.mark.django_db(transaction=True)
def test_a_token_the_application_renews_is_read_with_its_change_and_a_rolled_back_one_never():
    from actors.signals import CHARTER_VERSION_NAME

    before = dataversions.tokens([CHARTER_VERSION_NAME])[CHARTER_VERSION_NAME]
    assert before is not None  # given by migrate: "no token" never stands for a state of the data
    inside = None
    with pytest.raises(RuntimeError), transaction.atomic():
        dataversions.renew(CHARTER_VERSION_NAME)
        inside = dataversions.tokens([CHARTER_VERSION_NAME])[CHARTER_VERSION_NAME]
        raise RuntimeError
    assert inside not in {None, before}
    assert dataversions.tokens([CHARTER_VERSION_NAME])[CHARTER_VERSION_NAME] == before
    dataversions.renew(CHARTER_VERSION_NAME)
    assert dataversions.tokens([CHARTER_VERSION_NAME])[CHARTER_VERSION_NAME] not in {None, before, inside}


@pytest.mark.django_db(transaction=True)
def test_a_commit_renews_its_tokens_in_the_order_of_their_names_whatever_it_touched_first():
    """Two commits never lock the tokens' rows in crossing orders (no deadlock between them)."""
    import threading

    import psycopg

    def connect():
        db = connection.settings_dict
        return psycopg.connect(
            dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432, autocommit=False
        )

    dataversions.tokens(["event_page", "space_selfassess"])  # both have their rows (from migrate)
    holder, writer = connect(), connect()
    # Another commit in progress holds the first token in name order.
    holder.execute("SELECT 1 FROM cops_dataversion WHERE name = 'event_page' FOR UPDATE")
    # This transaction touches the second set first, then the first one.
    writer.execute("UPDATE selfassess_rating SET score = score WHERE id = -1")
    writer.execute("UPDATE actors_eventsession SET title = title WHERE id = -1")
    committing = threading.Thread(target=writer.commit)
    committing.start()
    time.sleep(0.5)  # the commit waits for the first token's row…
    assert committing.is_alive()
    # …and has not locked the second one before it: taken at once, without waiting.
    holder.execute("SELECT 1 FROM cops_dataversion WHERE name = 'space_selfassess' FOR UPDATE NOWAIT")
    holder.rollback()
    committing.join(timeout=10)
    assert not committing.is_alive()
    holder.close()
    writer.close()
