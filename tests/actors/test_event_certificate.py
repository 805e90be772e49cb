"""The certificate of attendance: only for a person checked in at a held event, its PDF's words,
its duration (the sessions attended, else the event), and who may download it."""

import re
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actors.charter_enums import MeetingStatus, RegistrationStatus
from actors.events import certificates, services
from actors.models import EventSession, SessionRegistration
from tests.actors.test_event_attendance import add_participant, make_event

pytestmark = pytest.mark.django_db

REFUSED = "L&#x27;attestation est disponible une fois votre présence enregistrée."


def pdf_text(content: bytes) -> str:
    text = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout
    return re.sub(r"\s+", " ", text.decode())


def certificate_url(participant) -> str:
    return reverse("events:certificate", args=[services.personal_token(participant)])


def present(event, name="Camille Roux", email="camille@exemple.fr", **fields):
    return add_participant(event, name, email, checked_in_at=event.starts_at + timedelta(minutes=5), **fields)


def test_a_checked_in_participant_downloads_their_certificate_of_a_past_event(client):
    event = make_event(days=-3, title="Atelier patients partenaires", commune=None)
    camille = present(event)

    response = client.get(certificate_url(camille))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="attestation-presence-{event.slug}-{camille.pk}.pdf"'
    )
    text = pdf_text(response.content)
    day = timezone.localtime(event.starts_at)
    assert "Attestation de présence" in text
    assert "Camille Roux" in text
    assert (
        "a participé à l'événement « Atelier patients partenaires » (atelier d'échanges de pratiques)" in text
    )
    assert "Durée 3 heures" in text
    assert "Lieu Maison des usagers, Montpellier" in text
    assert "Organisateur Centre Opérationnel du Partenariat en Santé (COPS) Occitanie" in text
    assert f"Numéro de l'attestation : COPS-{day.year}-{event.uid.hex[:8].upper()}-{camille.pk}." in text
    assert f"Fait le {timezone.localdate().day} " in text


def test_an_online_event_says_so_and_the_hours_are_those_of_the_sessions_attended(client):
    event = make_event(
        days=-2, location="", visio_url="https://visio.exemple.fr/secret", title="Webinaire santé"
    )
    day = timezone.localtime(event.starts_at)
    morning = EventSession.objects.create(
        event=event, title="Matin", starts_at=day, ends_at=day + timedelta(hours=1, minutes=30)
    )
    noon = EventSession.objects.create(
        event=event,
        title="Midi",
        starts_at=day + timedelta(hours=1, minutes=30),
        ends_at=day + timedelta(hours=3),
    )
    skipped = EventSession.objects.create(
        event=event, title="Annulée", starts_at=day, ends_at=day + timedelta(hours=3), track="B"
    )
    camille = present(event)
    for session, status in (
        (morning, RegistrationStatus.CONFIRMED),
        (noon, RegistrationStatus.CONFIRMED),
        (skipped, RegistrationStatus.CANCELLED),
    ):
        SessionRegistration.objects.create(
            session=session, participant=camille, status=status, registered_at=timezone.now()
        )

    text = pdf_text(client.get(certificate_url(camille)).content)

    assert "Lieu En ligne" in text and "visio.exemple.fr" not in text
    assert "Durée 3 heures" in text
    assert certificates.format_hours(timedelta(hours=2, minutes=30)) == "2 heures 30"
    assert certificates.format_hours(timedelta(hours=1)) == "1 heure"


def test_a_multi_day_event_counts_its_daily_hours_not_the_nights(db):
    event = make_event(days=-5)
    event.ends_at = event.starts_at + timedelta(days=1, hours=3)  # two days, 10:00–13:00
    event.save()

    assert certificates.attended_duration(present(event)) == timedelta(hours=6)


def test_no_certificate_without_a_recorded_arrival(client):
    event = make_event(days=-3)
    lou = add_participant(event, "Lou Bernard", "lou@exemple.fr")

    response = client.get(certificate_url(lou))

    assert response.status_code == 403
    assert REFUSED in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_no_certificate_before_the_end_nor_for_a_cancelled_event(client):
    running = make_event(days=0)
    running.starts_at = timezone.now() - timedelta(hours=1)
    running.ends_at = timezone.now() + timedelta(hours=2)
    running.save()
    early = present(running)
    cancelled = make_event(days=-3, status=MeetingStatus.CANCELLED)
    ghost = present(cancelled, "Noa", "noa@exemple.fr")

    early_response = client.get(certificate_url(early))
    ghost_response = client.get(certificate_url(ghost))

    assert early_response.status_code == 403
    assert (
        "L&#x27;attestation sera disponible à la fin de l&#x27;événement." in early_response.content.decode()
    )
    assert ghost_response.status_code == 403
    assert "L&#x27;attestation sera disponible" in ghost_response.content.decode()


def test_an_event_marked_held_gives_its_certificate_at_once(client):
    event = make_event(days=0, status=MeetingStatus.HELD)
    assert client.get(certificate_url(present(event))).status_code == 200


def test_the_staff_download_any_certificate_others_do_not(client, partner_client, staff_client):
    event = make_event(days=-3)
    camille = present(event)
    lou = add_participant(event, "Lou Bernard", "lou@exemple.fr")
    url = reverse("events:certificate_staff", args=[event.pk, camille.pk])

    staff = staff_client.get(url)

    assert staff.status_code == 200 and "Camille Roux" in pdf_text(staff.content)
    assert staff_client.get(reverse("events:certificate_staff", args=[event.pk, lou.pk])).status_code == 403
    assert (
        staff_client.get(reverse("events:certificate_staff", args=[event.pk + 1, camille.pk])).status_code
        == 404
    )
    assert partner_client.get(url).status_code == 403
    assert client.get(url).status_code == 302


def test_a_wrong_personal_link_is_not_found(client):
    assert client.get(reverse("events:certificate", args=["y" * 43])).status_code == 404
