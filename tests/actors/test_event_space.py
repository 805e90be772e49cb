"""« Mes événements » in Mon espace (coming registrations, waiting positions, past ones with the
certificate), the address to confirm in « À faire », and the events' figures on the home page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actors.charter_enums import EventKind, MeetingStatus, RegistrationStatus
from actors.events import services
from actors.models import MeetingParticipant
from cops.space import format_day
from tests.actors.test_event_attendance import add_participant, make_event
from tests.cops.test_member_space import ACCOUNT, page_text, section_text
from tests.factories.charter import committee, make_meeting


def day(event) -> str:
    return format_day(event.starts_at)


def test_mes_evenements_lists_coming_and_past_registrations(partner, partner_client):
    coming = make_event(days=10, title="Journée régionale 2026", kind=EventKind.REGIONAL_DAY, capacity=1)
    mine = add_participant(coming, "Sacha Martin", partner.email, user=partner)
    full = make_event(days=12, title="Atelier complet", capacity=1, waiting_list=True)
    add_participant(full, "Lou", "lou@exemple.fr")
    add_participant(full, "Noa", "noa@exemple.fr", status=RegistrationStatus.WAITING)
    waiting = add_participant(
        full, "Sacha Martin", partner.email, user=partner, status=RegistrationStatus.WAITING
    )
    attended = make_event(days=-5, title="Atelier de mai")
    present = add_participant(
        attended, "Sacha Martin", partner.email, user=partner, checked_in_at=attended.starts_at
    )
    missed = make_event(days=-8, title="Webinaire manqué")
    add_participant(missed, "Sacha Martin", partner.email, user=partner)
    dropped = make_event(days=15, title="Atelier annulé par moi")
    add_participant(dropped, "Sacha Martin", partner.email, user=partner, status=RegistrationStatus.CANCELLED)
    make_meeting(committee("cotec"), title="CoTec de rentrée").participants.create(
        name="Sacha", email=partner.email, user=partner
    )

    response = partner_client.get(ACCOUNT)

    text = section_text(response, "evenements")
    assert text == (
        "Mes événements "
        f"Journée régionale 2026 À venir Inscrit·e Journée régionale, le {day(coming)} à 10 h 00 "
        "Gérer mon inscription — Journée régionale 2026 "
        "Atelier complet À venir Sur liste d'attente Position 2 "
        f"Atelier d'échanges de pratiques, le {day(full)} à 10 h 00 Gérer mon inscription — Atelier complet "
        f"Atelier de mai Passé Présent·e Atelier d'échanges de pratiques, le {day(attended)} à 10 h 00 "
        "Télécharger mon attestation de présence — Atelier de mai "
        f"Webinaire manqué Passé Atelier d'échanges de pratiques, le {day(missed)} à 10 h 00 "
        "L'agenda du COPS"
    )
    html = response.content.decode()
    assert f'href="{reverse("events:manage", args=[services.personal_token(mine)])}"' in html
    assert f'href="{reverse("events:manage", args=[services.personal_token(waiting)])}"' in html
    assert f'href="{reverse("events:certificate", args=[services.personal_token(present)])}"' in html


def test_an_address_to_confirm_waits_in_a_faire_without_a_shortcut_for_another_address(
    partner, partner_client
):
    event = make_event(days=10, title="Atelier d'automne")
    other = add_participant(
        event, "Sacha Martin", "sacha.pro@exemple.fr", user=partner, status=RegistrationStatus.UNVERIFIED
    )

    response = partner_client.get(ACCOUNT)

    waiting = section_text(response, "a-faire")
    assert "Confirmer votre adresse pour l'inscription à Atelier d'automne" in waiting
    assert "Ouvrez le lien envoyé à sacha.pro@exemple.fr." in waiting
    assert reverse("events:confirm", args=[services.personal_token(other)]) not in response.content.decode()
    assert "À venir Adresse à confirmer" in section_text(response, "evenements")


def test_registrations_made_with_the_account_address_without_signing_in_are_listed(partner, partner_client):
    event = make_event(days=10, title="Atelier sans compte")
    add_participant(event, "Sacha", partner.email.upper())

    assert "Atelier sans compte" in section_text(partner_client.get(ACCOUNT), "evenements")


def test_no_section_without_registrations(partner_client):
    assert 'id="evenements"' not in partner_client.get(ACCOUNT).content.decode()


# --- Home figures ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_home_counts_the_year_s_held_events_and_the_people_checked_in(client):
    now = timezone.now()
    year = timezone.localdate().year
    first = make_event(days=0)
    first.starts_at, first.ends_at = now - timedelta(hours=3), now - timedelta(hours=1)
    first.save()
    second = make_event(days=0, status=MeetingStatus.HELD)  # marked held by the staff, still today
    for index, event in enumerate([first, first, second]):
        add_participant(event, f"P{index}", f"p{index}@exemple.fr", checked_in_at=now)
    add_participant(first, "Venu·e sans pointage", "absent@exemple.fr")
    cancelled = make_event(days=0, status=MeetingStatus.CANCELLED)
    cancelled.starts_at, cancelled.ends_at = now - timedelta(hours=3), now - timedelta(hours=1)
    cancelled.save()
    add_participant(cancelled, "X", "x@exemple.fr", checked_in_at=now)
    make_event(days=400)  # not held
    last_year = make_event(days=-400)
    add_participant(last_year, "Y", "y@exemple.fr", checked_in_at=now)
    meeting = make_meeting(committee("cotec"), days=-1)
    meeting.participants.create(name="Z", email="z@exemple.fr", checked_in_at=now)

    text = page_text(client.get(reverse("home")))

    assert f"2 événements en {year}" in text
    assert f"3 participants aux événements en {year}" in text
    assert MeetingParticipant.objects.filter(checked_in_at__isnull=False).count() == 6
