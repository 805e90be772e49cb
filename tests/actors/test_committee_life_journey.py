"""Browser journey: a CoPil member signs in, finds the next CoPil meeting on « Mes réunions »,
answers « Je viens » from the invitation email's link, then reads the last meeting's approved
minutes and its decisions with their follow-up (Debian chromium, live server)."""

import re
from datetime import date

import pytest
from django.core import mail
from playwright.sync_api import expect

from actors.charter_enums import DecisionFollowUp, MeetingResponse, MeetingStatus
from actors.models import Decision, Mandate, MeetingParticipant
from actors.services import committees as services
from tests.a11y import assert_no_serious_axe_violations
from tests.factories.charter import PersonFactory, committee, make_meeting

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ANSWER_LINK = re.compile(r"(http://\S+/comites/invitation/[A-Za-z0-9_-]+/\?reponse=vient)")


def test_copil_member_answers_the_invitation_by_email_and_reads_the_approved_minutes(
    live_server, page, copil_user, staff_user, password, settings
):
    settings.SITE_URL = live_server.url
    copil = committee("copil")
    PersonFactory(user=copil_user, first_name="Dominique", last_name="Copil")
    Mandate.objects.create(committee=copil, person=copil_user.person, start_date=date(2024, 1, 1))
    last = make_meeting(copil, days=-20, title="CoPil de mars", status=MeetingStatus.HELD)
    services.meeting_record_minutes(
        meeting=last,
        minutes="Trois demandes d'appui ont été examinées avec les binômes présents.",
        public_minutes="Le CoPil a examiné les demandes d'appui.",
        decisions=["Deux demandes d'appui sont acceptées.", "Un webinaire est organisé au printemps."],
        approved=True,
        by=staff_user,
    )
    services.decision_follow_up_update(
        decision=Decision.objects.get(position=1),
        follow_up=DecisionFollowUp.DONE,
        note="Conventions signées",
        by=staff_user,
    )
    coming = make_meeting(copil, days=14, title="CoPil de juin")
    services.meeting_invite_members(meeting=coming, by=staff_user)  # committed: the email goes out
    invitation = next(m for m in mail.outbox if "CoPil de juin" in m.subject)
    assert invitation.to == [copil_user.email]
    link = ANSWER_LINK.search(invitation.body).group(1)

    # Sign in: « Mes réunions » shows the coming CoPil meeting, waiting for an answer.
    page.goto(live_server.url + "/comites/mes-reunions/")
    page.get_by_label("Adresse électronique").fill(copil_user.email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes réunions")
    coming_item = page.locator(".my-meetings .meeting-item", has_text="CoPil de juin")
    expect(coming_item).to_contain_text("En attente de votre réponse")
    assert_no_serious_axe_violations(page)

    # The email's « Je viens » link: the meeting and the answer preselected; sending records it.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("CoPil de juin")
    expect(page.get_by_label("Je viens")).to_be_checked()
    assert_no_serious_axe_violations(page)
    assert MeetingParticipant.objects.get(meeting=coming).response == MeetingResponse.NONE
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.get_by_role("status")).to_contain_text("Merci, votre réponse est enregistrée : « Je viens ».")
    assert MeetingParticipant.objects.get(meeting=coming).response == MeetingResponse.COMING

    # Back on « Mes réunions »: the answer is there; the last meeting's minutes are one click away.
    page.goto(live_server.url + "/comites/mes-reunions/")
    expect(coming_item).to_contain_text("Votre réponse : Vient")
    page.get_by_role("link", name="Lire le compte rendu — CoPil de mars").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CoPil de mars")
    minutes = page.locator("section", has=page.get_by_role("heading", name="Compte rendu et décisions"))
    expect(minutes).to_contain_text("Trois demandes d'appui ont été examinées avec les binômes présents.")
    decisions = minutes.locator(".decision-list li")
    expect(decisions).to_have_count(2)
    expect(decisions.first).to_contain_text("Deux demandes d'appui sont acceptées.")
    expect(decisions.first.locator(".followup")).to_have_text("Réalisée")
    expect(decisions.first).to_contain_text("Conventions signées")
    expect(decisions.nth(1).locator(".followup")).to_have_text("À engager")
    assert_no_serious_axe_violations(page)

    # The public side: the register shows the decisions, the committee's page its public minutes.
    page.goto(live_server.url + "/comites/decisions/?instance=copil")
    expect(page.locator(".decision-register tbody tr")).to_have_count(2)
    assert_no_serious_axe_violations(page)
    page.goto(live_server.url + "/comites/copil/")
    expect(page.locator(".held-meetings")).to_contain_text("Le CoPil a examiné les demandes d'appui.")
    expect(page.locator(".held-meetings")).not_to_contain_text("binômes présents")
