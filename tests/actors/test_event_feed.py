"""Calendar files of the agenda: the subscription feed (all or filtered), an event's « Ajouter à
mon agenda » file, and a participant's own file — the only one with the visio link."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from actors.charter_enums import EventKind, MeetingStatus, RegistrationStatus
from actors.events.services import personal_token
from actors.models import Departement, MeetingParticipant
from tests.actors.test_event_pages import VISIO, make_event
from tests.factories.charter import committee, make_meeting

PARIS = ZoneInfo("Europe/Paris")


def lines(response) -> list[str]:
    text = response.content.decode()
    assert text.endswith("\r\n")
    # Unfold the folded lines (RFC 5545: CRLF followed by a space continues the line).
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def test_feed_lists_coming_public_events_without_visio_links(client, db):
    make_event(
        title="Journée régionale",
        kind=EventKind.REGIONAL_DAY,
        starts_at=datetime(2032, 6, 17, 9, 0, tzinfo=PARIS),
        hours=8,
        visio_url=VISIO,
    )
    make_event(title="Webinaire", kind=EventKind.WEBINAR, location="", visio_url=VISIO, days=40)
    make_event(title="Brouillon", is_public=False)
    make_event(title="Passé", days=-5)
    make_event(title="Annulé", status=MeetingStatus.CANCELLED, days=50)
    make_meeting(committee("cotec"), title="Réunion du CoTec")

    response = client.get(reverse("events:feed"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=900"
    content = lines(response)
    assert content[0] == "BEGIN:VCALENDAR"
    assert content.count("BEGIN:VEVENT") == 3
    assert [line for line in content if line.startswith("SUMMARY:")] == [
        "SUMMARY:Webinaire",
        "SUMMARY:Annulé",
        "SUMMARY:Journée régionale",
    ]
    # UTC form, as the committee meetings' invitations: 9 h in Paris in June is 7 h UTC.
    assert "DTSTART:20320617T070000Z" in content
    assert "DTEND:20320617T150000Z" in content
    assert "STATUS:CANCELLED" in content
    assert "visio.exemple.fr" not in response.content.decode()
    assert "LOCATION:En ligne" in content


def test_feed_is_filtered_by_the_agenda_parameters(client, db):
    tarn = Departement.objects.get(code="81")
    make_event(title="Webinaire du Tarn", kind=EventKind.WEBINAR, territories=[tarn])
    make_event(title="Atelier", days=30)

    content = lines(client.get(reverse("events:feed") + "?type=webinaire"))
    assert content.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:Webinaire du Tarn" in content
    content = lines(client.get(reverse("events:feed") + "?territoire=81"))
    assert [line for line in content if line.startswith("SUMMARY:")] == ["SUMMARY:Webinaire du Tarn"]


def test_event_file_has_no_visio_link_but_the_confirmed_participants_own_file_has(client, db):
    event = make_event(title="Webinaire", kind=EventKind.WEBINAR, location="", visio_url=VISIO)
    public = client.get(reverse("events:event_ics", args=[event.slug]))
    assert public["Content-Type"] == "text/calendar; charset=utf-8"
    assert lines(public).count("BEGIN:VEVENT") == 1
    assert VISIO not in public.content.decode()

    confirmed = MeetingParticipant.objects.create(
        meeting=event,
        name="Inès",
        email="ines@exemple.fr",
        status=RegistrationStatus.CONFIRMED,
        registered_at=timezone.now(),
    )
    waiting = MeetingParticipant.objects.create(
        meeting=event,
        name="Omar",
        email="omar@exemple.fr",
        status=RegistrationStatus.WAITING,
        registered_at=timezone.now() + timedelta(seconds=1),
    )
    from actors.events.services import personal_links

    personal_links(confirmed)
    personal_links(waiting)
    own = client.get(reverse("events:manage_ics", args=[personal_token(confirmed)]))
    assert own.status_code == 200
    assert f"Visioconférence : {VISIO}" in "".join(lines(own)).replace("\\n", "\n")
    other = client.get(reverse("events:manage_ics", args=[personal_token(waiting)]))
    assert VISIO not in "".join(lines(other))
    assert client.get(reverse("events:manage_ics", args=["y" * 43])).status_code == 404


@pytest.mark.parametrize("query", ["", "?type=atelier", "?territoire=81"])
def test_feed_query_count_is_constant(client, db, django_assert_max_num_queries, query):
    tarn = Departement.objects.get(code="81")
    for index in range(8):
        make_event(title=f"Atelier {index}", days=10 + index, territories=[tarn])
    with django_assert_max_num_queries(2):
        response = client.get(reverse("events:feed") + query)
    assert lines(response).count("BEGIN:VEVENT") == 8
