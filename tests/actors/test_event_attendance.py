"""Attendance at an event: the QR code of the confirmation email, the staff's check-in list and the
page the QR code opens (staff only)."""

import base64
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from actors.charter_enums import Attendance, EventKind, MeetingStatus, RegistrationStatus
from actors.events import attendance, services
from actors.models import Meeting, MeetingParticipant
from tests.factories.charter import committee, make_meeting

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def make_event(*, days: int = 20, **fields) -> Meeting:
    """A workshop open to registration, `days` ahead (negative: past), 10:00–13:00 local time."""
    day = timezone.localtime(timezone.now() + timedelta(days=days)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    defaults = {
        "kind": EventKind.WORKSHOP,
        "title": "Atelier partenariat",
        "slug": f"atelier-{Meeting.objects.count() + 1}",
        "starts_at": day,
        "ends_at": day + timedelta(hours=3),
        "location": "Maison des usagers, Montpellier",
        "registration_open": True,
        "is_public": True,
    }
    return Meeting.objects.create(**{**defaults, **fields})


def add_participant(event: Meeting, name: str, email: str, **fields) -> MeetingParticipant:
    """A registration as the engine leaves it (its personal link's hash stored)."""
    defaults = {"status": RegistrationStatus.CONFIRMED, "registered_at": timezone.now()}
    participant = MeetingParticipant.objects.create(
        meeting=event, name=name, email=email, **{**defaults, **fields}
    )
    services.personal_links(participant)
    return participant


def scan_url(participant: MeetingParticipant) -> str:
    return reverse("events:checkin_scan", args=[services.personal_token(participant)])


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


# --- The QR code in the confirmation email ---------------------------------------------------------------


def test_the_confirmation_email_carries_a_png_qr_code_and_the_check_in_address(db, sent, partner):
    event = make_event()
    participant = sent(services.register, event=event, name="Camille Roux", email=partner.email, user=partner)
    assert participant.status == RegistrationStatus.CONFIRMED

    [message] = mail.outbox
    url = settings.SITE_URL + scan_url(participant)
    assert url in message.body
    assert "présentez le code QR" in message.body
    html = message.alternatives[0][0]
    [encoded] = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    png = base64.b64decode(encoded)
    assert png.startswith(PNG_MAGIC)
    assert png == attendance.checkin_qr_png(participant)
    assert f'href="{url}"' in html
    # The QR code is the personal secret (43 characters), never the row's id.
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert len(token) == 43 and str(participant.pk) != token


def test_the_waiting_list_email_has_no_qr_code(db, sent, partner, other_partner):
    event = make_event(capacity=1, waiting_list=True)
    sent(services.register, event=event, name="Sacha", email=partner.email, user=partner)
    waiting = sent(services.register, event=event, name="Lou", email=other_partner.email, user=other_partner)
    assert waiting.status == RegistrationStatus.WAITING

    assert "data:image/png" not in mail.outbox[1].alternatives[0][0]
    assert "/agenda/arrivee/" not in mail.outbox[1].body


# --- The check-in list ------------------------------------------------------------------------------------


def test_marking_present_sets_the_arrival_once_and_undo_clears_it(staff_client):
    event = make_event(days=0)
    camille = add_participant(event, "Camille Roux", "camille@exemple.fr")
    add_participant(event, "Lou Bernard", "lou@exemple.fr")
    url = reverse("events:checkin", args=[event.pk, camille.pk])

    response = staff_client.post(url, {"action": "present"}, follow=True)

    camille.refresh_from_db()
    first = camille.checked_in_at
    assert first is not None and camille.attendance == Attendance.PRESENT
    hour = timezone.localtime(first).strftime("%-H h %M")
    assert f"Arrivée de Camille Roux enregistrée à {hour}." in response.content.decode()
    assert "<strong>1</strong> présent·es sur <strong>2</strong> inscrit·es" in response.content.decode()

    again = staff_client.post(url, {"action": "present"}, follow=True)

    camille.refresh_from_db()
    assert camille.checked_in_at == first
    assert f"Camille Roux est déjà enregistré·e, arrivé·e à {hour}." in again.content.decode()

    undone = staff_client.post(url, {"action": "undo"}, follow=True)

    camille.refresh_from_db()
    assert camille.checked_in_at is None and camille.attendance == Attendance.UNKNOWN
    assert "<strong>0</strong> présent·es sur <strong>2</strong> inscrit·es" in undone.content.decode()


def test_htmx_marks_present_and_returns_the_refreshed_list(staff_client):
    event = make_event(days=0)
    camille = add_participant(event, "Camille Roux", "camille@exemple.fr")
    add_participant(event, "Lou Bernard", "lou@exemple.fr")

    response = staff_client.post(
        reverse("events:checkin", args=[event.pk, camille.pk]),
        {"action": "present", "q": "cam"},
        HTTP_HX_REQUEST="true",
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert content.startswith('<div id="checkin-results"')
    assert "<strong>1</strong> présent·es sur <strong>2</strong> inscrit·es" in content
    assert "Arrivée de Camille Roux enregistrée à" in content
    assert "Lou Bernard" not in content  # the search stays applied
    assert MeetingParticipant.objects.filter(checked_in_at__isnull=False).count() == 1


def test_the_search_filters_by_name_or_address_and_lists_confirmed_people_only(staff_client):
    event = make_event(days=0)
    add_participant(event, "Camille Roux", "camille@exemple.fr")
    add_participant(event, "Lou Bernard", "lou@asso.fr")
    add_participant(event, "Noa Waiting", "noa@exemple.fr", status=RegistrationStatus.WAITING)
    add_participant(event, "Alex Cancelled", "alex@exemple.fr", status=RegistrationStatus.CANCELLED)
    url = reverse("events:checkin_list", args=[event.pk])

    full = staff_client.get(url).content.decode()
    by_address = staff_client.get(url, {"q": "ASSO"}, HTTP_HX_REQUEST="true").content.decode()
    nobody = staff_client.get(url, {"q": "zzz"}, HTTP_HX_REQUEST="true").content.decode()

    assert "Camille Roux" in full and "Lou Bernard" in full
    assert "Noa Waiting" not in full and "Alex Cancelled" not in full
    assert "<strong>0</strong> présent·es sur <strong>2</strong> inscrit·es" in full
    assert "Lou Bernard" in by_address and "Camille Roux" not in by_address
    assert "<html" not in by_address
    assert "Personne d’inscrit ne correspond à « zzz »." in nobody


def test_people_without_a_confirmed_seat_cannot_be_checked_in(staff_client):
    event = make_event(days=0)
    waiting = add_participant(event, "Noa", "noa@exemple.fr", status=RegistrationStatus.WAITING)

    response = staff_client.post(
        reverse("events:checkin", args=[event.pk, waiting.pk]), {"action": "present"}
    )

    assert response.status_code == 404
    waiting.refresh_from_db()
    assert waiting.checked_in_at is None


def test_a_cancelled_event_records_no_arrival(staff_client):
    event = make_event(days=0, status=MeetingStatus.CANCELLED)
    camille = add_participant(event, "Camille Roux", "camille@exemple.fr")

    response = staff_client.post(
        reverse("events:checkin", args=[event.pk, camille.pk]), {"action": "present"}, follow=True
    )

    assert "Cet événement est annulé." in response.content.decode()
    camille.refresh_from_db()
    assert camille.checked_in_at is None


def test_the_check_in_list_is_for_the_staff_only(client, partner_client):
    event = make_event(days=0)
    camille = add_participant(event, "Camille Roux", "camille@exemple.fr")
    list_url = reverse("events:checkin_list", args=[event.pk])
    post_url = reverse("events:checkin", args=[event.pk, camille.pk])

    assert client.get(list_url).status_code == 302
    assert client.get(list_url)["Location"].startswith(reverse("actors:login"))
    assert client.post(post_url, {"action": "present"}).status_code == 302
    assert partner_client.get(list_url).status_code == 403
    assert partner_client.post(post_url, {"action": "present"}).status_code == 403
    camille.refresh_from_db()
    assert camille.checked_in_at is None


def test_a_committee_meeting_has_no_check_in_list(staff_client):
    meeting = make_meeting(committee("cotec"))

    assert staff_client.get(reverse("events:checkin_list", args=[meeting.pk])).status_code == 404


def test_the_check_in_list_queries_do_not_grow_with_participants(staff_client, django_assert_max_num_queries):
    few, many = make_event(days=0), make_event(days=0)
    for index in range(2):
        add_participant(few, f"Personne {index}", f"p{index}@exemple.fr", checked_in_at=timezone.now())
    for index in range(40):
        add_participant(many, f"Personne {index}", f"p{index}@exemple.fr", checked_in_at=timezone.now())
    staff_client.get(reverse("events:checkin_list", args=[few.pk]))

    with django_assert_max_num_queries(8) as captured_few:
        staff_client.get(reverse("events:checkin_list", args=[few.pk]))
    with django_assert_max_num_queries(8) as captured_many:
        response = staff_client.get(reverse("events:checkin_list", args=[many.pk]))

    assert len(captured_many) == len(captured_few)
    assert response.content.decode().count('class="checkin-row') == 40


# --- The page the QR code opens ---------------------------------------------------------------------------


def test_staff_scanning_the_qr_code_see_the_person_and_record_the_arrival(staff_client):
    event = make_event(days=0)
    camille = add_participant(event, "Camille Roux", "camille@exemple.fr")
    url = scan_url(camille)

    page = staff_client.get(url).content.decode()

    assert "Camille Roux" in page and "Atelier partenariat" in page
    assert "Enregistrer l’arrivée" in page

    done = staff_client.post(url, follow=True).content.decode()
    camille.refresh_from_db()
    first = camille.checked_in_at
    hour = timezone.localtime(first).strftime("%-H h %M")
    assert f"Arrivée de Camille Roux enregistrée à {hour}." in done
    assert f"Arrivée déjà enregistrée à {hour}." in done

    staff_client.post(url)
    camille.refresh_from_db()
    assert camille.checked_in_at == first


def test_anyone_else_scanning_the_qr_code_learns_nothing(client, partner_client):
    event = make_event(days=0)
    camille = add_participant(event, "Camille Roux", "camille@exemple.fr")
    url = scan_url(camille)

    anonymous = client.get(url)
    partner = partner_client.get(url)
    posted = partner_client.post(url)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("actors:login"))
    assert partner.status_code == 403 and posted.status_code == 403
    for response in (partner, posted):
        assert "Camille Roux" not in response.content.decode()
        assert "Atelier partenariat" not in response.content.decode()
    camille.refresh_from_db()
    assert camille.checked_in_at is None


def test_a_wrong_qr_code_is_not_found_and_committee_links_are_not_event_codes(staff_client):
    event = make_event(days=0)
    camille = add_participant(event, "Camille Roux", "camille@exemple.fr")
    token = services.personal_token(camille)
    MeetingParticipant.objects.filter(pk=camille.pk).update(meeting=make_meeting(committee("cotec")))

    assert staff_client.get(reverse("events:checkin_scan", args=[token])).status_code == 404
    assert staff_client.get(reverse("events:checkin_scan", args=["x" * 43])).status_code == 404


def test_a_waiting_person_scanned_is_not_checked_in(staff_client):
    event = make_event(days=0)
    noa = add_participant(event, "Noa", "noa@exemple.fr", status=RegistrationStatus.WAITING)

    page = staff_client.get(scan_url(noa)).content.decode()
    staff_client.post(scan_url(noa))

    assert "n’a pas de place confirmée" in page
    noa.refresh_from_db()
    assert noa.checked_in_at is None
