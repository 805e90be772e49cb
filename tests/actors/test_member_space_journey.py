"""Browser journey: a partner signs in, finds Mon espace with their profile's state and a meeting
invitation waiting, answers it from there, and the badge follows (Debian chromium, live server)."""

import pytest
from playwright.sync_api import expect

from actors.charter_enums import MeetingResponse
from actors.enums import ModerationStatus
from actors.models import MeetingParticipant
from tests.factories.charter import PersonFactory, committee, make_meeting

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_partner_answers_a_meeting_invitation_from_mon_espace(live_server, page, partner, password):
    person = PersonFactory(
        user=partner, first_name="Sacha", last_name="Martin", status=ModerationStatus.PENDING
    )
    meeting = make_meeting(committee("copil"), days=8, title="CoPil de janvier")
    participant = MeetingParticipant.objects.create(
        meeting=meeting, user=partner, person=person, name="Sacha Martin", email=partner.email
    )

    # Signing in lands on Mon espace; the menu lists its sections.
    page.goto(live_server.url + "/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(partner.email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    page.get_by_role("button", name="Mon espace").click()
    expect(page.locator(".space-menu")).to_contain_text("Mes réunions")

    # The profile's state, and the invitation waiting on top.
    profiles = page.locator("#fiches")
    expect(profiles).to_contain_text("Sacha Martin")
    expect(profiles.locator(".badge-status")).to_have_text("En attente de modération")
    waiting = page.locator("#a-faire")
    expect(waiting).to_contain_text("Répondre à l'invitation : CoPil de janvier")
    meetings = page.locator("#reunions")
    expect(meetings.locator(".badge-status").nth(1)).to_have_text("Pas encore de réponse")

    # Answering from Mon espace comes back here, with the new answer.
    waiting.get_by_role("button", name="Je viens").click()
    expect(page.get_by_role("status")).to_contain_text("Votre réponse est enregistrée : « Je viens ».")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    expect(page.locator("#reunions .badge-status").nth(1)).to_have_text("Je viens")
    expect(page.locator("#a-faire")).to_contain_text("Rien ne vous attend pour l'instant : vous êtes à jour.")
    participant.refresh_from_db()
    assert participant.response == MeetingResponse.COMING
