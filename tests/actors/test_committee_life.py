"""Committee life for members: who sees a meeting, answering invitations (pages and email links),
the staff's counts, approved minutes and decisions' follow-up, the public pages, the reminders."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from actors.charter_enums import DecisionFollowUp, MeetingResponse, MeetingStatus
from actors.charter_permissions import can_view_meeting
from actors.enums import Visibility
from actors.models import Decision, Mandate, MeetingParticipant
from actors.services import committees as services
from actors.tasks import send_meeting_reminders
from cops.models import OutgoingEmail
from cops.personal_data import account_delete, personal_data_export
from cops.tokens import hash_token
from tests.factories.actors import UserFactory
from tests.factories.charter import (
    CharterVersionFactory,
    PersonFactory,
    StructureFactory,
    committee,
    hide_name,
    make_meeting,
    make_referent,
    sign,
)

ANSWER_LINK = re.compile(r"https?://\S+/comites/invitation/([A-Za-z0-9_-]+)/\?reponse=(\w+)")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def copil(db):
    return committee("copil")


@pytest.fixture
def member(copil, copil_user):
    """The CoPil member of the cast, with a directory profile and a current mandate (not invited)."""
    person = PersonFactory(user=copil_user, first_name="Dominique", last_name="Copil")
    Mandate.objects.create(committee=copil, person=person, start_date=date(2024, 1, 1))
    return copil_user


@pytest.fixture
def meeting(copil):
    return make_meeting(copil, days=10, title="CoPil de printemps", agenda="1. Demandes d'appui à examiner")


def _participant(meeting, email, name, **fields):
    return MeetingParticipant.objects.create(meeting=meeting, email=email, name=name, **fields)


# --- Who sees a meeting ------------------------------------------------------------------------------------


def test_a_committee_member_not_invited_sees_the_meeting_and_who_comes_without_any_address(
    meeting, member, copil_client
):
    shown = PersonFactory(first_name="Anne", last_name="Visible", user=UserFactory(email="anne@exemple.fr"))
    hidden = PersonFactory(
        first_name="Basile",
        last_name="Cache",
        user=UserFactory(email="basile@exemple.fr"),
        visibility={"last_name": int(Visibility.STAFF)},
    )
    partners_only = hide_name(
        PersonFactory(first_name="Chloé", last_name="Partenaires", user=UserFactory(email="chloe@exemple.fr"))
    )
    _participant(meeting, "anne@exemple.fr", "Anne Visible", person=shown, response=MeetingResponse.COMING)
    _participant(meeting, "basile@exemple.fr", "Basile Cache", person=hidden, response=MeetingResponse.COMING)
    _participant(
        meeting,
        "chloe@exemple.fr",
        "Chloé Partenaires",
        person=partners_only,
        response=MeetingResponse.COMING,
    )
    _participant(meeting, "guest@exemple.fr", "guest@exemple.fr", response=MeetingResponse.COMING)
    _participant(meeting, "non@exemple.fr", "Nadia Non", response=MeetingResponse.NOT_COMING)

    response = copil_client.get(f"/comites/reunions/{meeting.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "1. Demandes d&#x27;appui à examiner" in page
    assert response.context["coming_names"] == [
        "Anne Visible",
        "Basile",
        "Chloé Partenaires",  # the member is a published partner: the partners' level is theirs
        "Une personne invitée",
    ]
    assert "Cache" not in page and "Nadia" not in page
    assert "@exemple.fr" not in page
    assert response.context["participants"] == []
    assert response.context["can_respond"] is True


def test_outsiders_do_not_see_a_committee_meeting(meeting, member, partner_client, client):
    assert partner_client.get(f"/comites/reunions/{meeting.pk}/").status_code == 404
    assert client.get(f"/comites/reunions/{meeting.pk}/").status_code == 302


def test_an_ended_mandate_no_longer_opens_the_meetings(copil, meeting, partner):
    person = PersonFactory(user=partner)
    Mandate.objects.create(
        committee=copil, person=person, start_date=date(2020, 1, 1), end_date=date(2021, 12, 31)
    )

    assert can_view_meeting(partner, meeting) is False


def test_copart_members_are_the_current_signatories_in_one_query(
    partner, other_partner, django_assert_num_queries
):
    copart = committee("copart")
    meeting = make_meeting(copart, days=20)
    old = CharterVersionFactory(year=2030)
    CharterVersionFactory(year=2031)
    current = CharterVersionFactory(year=2032)
    signer = PersonFactory(user=partner)
    sign(current, person=signer)
    referent_user = UserFactory(email="referent@exemple.fr")
    structure = StructureFactory()
    make_referent(PersonFactory(user=referent_user), structure)
    sign(current, structure=structure, by=UserFactory(email="signataire@exemple.fr"))
    withdrawn_user = UserFactory(email="retire@exemple.fr")
    withdrawn = sign(current, person=PersonFactory(user=withdrawn_user))
    withdrawn.withdrawn_at = timezone.now()
    withdrawn.save()
    sign(old, person=PersonFactory(user=other_partner))

    assert partner.is_cops_staff is False  # the roles are read once per request, before
    with django_assert_num_queries(1):
        allowed = can_view_meeting(partner, meeting)

    assert allowed is True
    assert can_view_meeting(referent_user, meeting) is True
    assert can_view_meeting(withdrawn_user, meeting) is False
    assert can_view_meeting(other_partner, meeting) is False


# --- Answering from the member's pages ---------------------------------------------------------------------


def test_a_member_without_a_participant_row_answers_and_gets_one(meeting, member, copil_client):
    response = copil_client.post(f"/comites/reunions/{meeting.pk}/reponse/", {"response": "vient"})

    assert response.status_code == 302
    assert response["Location"] == f"/comites/reunions/{meeting.pk}/"
    row = MeetingParticipant.objects.get(meeting=meeting)
    assert (row.user_id, row.email, row.name, row.response) == (
        member.pk,
        "copil@exemple.fr",
        "Dominique Copil",
        MeetingResponse.COMING,
    )
    assert row.responded_at is not None


def test_an_invited_participant_changes_their_answer_and_goes_back_to_my_meetings(
    meeting, partner, partner_client
):
    row = _participant(meeting, partner.email, "Sacha", user=partner, response=MeetingResponse.COMING)

    response = partner_client.post(
        f"/comites/reunions/{meeting.pk}/reponse/", {"response": "excuse", "next": "/comites/mes-reunions/"}
    )

    row.refresh_from_db()
    assert response["Location"] == "/comites/mes-reunions/"
    assert row.response == MeetingResponse.EXCUSED


@pytest.mark.parametrize("value", ["", "peut-etre", "sans_reponse"])
def test_an_unknown_answer_is_refused_and_nothing_saved(meeting, partner, partner_client, value):
    row = _participant(meeting, partner.email, "Sacha", user=partner)

    response = partner_client.post(f"/comites/reunions/{meeting.pk}/reponse/", {"response": value})

    row.refresh_from_db()
    assert response.status_code == 400
    assert (
        "Choisissez « Je viens », « Je suis excusé·e » ou « Je ne viens pas »." in response.content.decode()
    )
    assert (row.response, row.responded_at) == (MeetingResponse.NONE, None)


def test_answering_a_cancelled_or_begun_meeting_is_refused(copil, member, copil_client):
    cancelled = make_meeting(copil, days=5, status=MeetingStatus.CANCELLED)
    begun = make_meeting(copil, days=0, starts_at=timezone.now() - timedelta(minutes=5))

    refused_cancelled = copil_client.post(f"/comites/reunions/{cancelled.pk}/reponse/", {"response": "vient"})
    refused_begun = copil_client.post(f"/comites/reunions/{begun.pk}/reponse/", {"response": "vient"})

    assert refused_cancelled.status_code == 400
    assert "Cette réunion est annulée : il n&#x27;y a plus de réponse à donner." in (
        refused_cancelled.content.decode()
    )
    assert refused_begun.status_code == 400
    assert "Cette réunion a déjà commencé : les réponses sont closes." in refused_begun.content.decode()
    assert MeetingParticipant.objects.count() == 0


def test_only_members_answer(meeting, partner_client, staff_client):
    assert (
        partner_client.post(f"/comites/reunions/{meeting.pk}/reponse/", {"response": "vient"}).status_code
        == 404
    )
    assert (
        staff_client.post(f"/comites/reunions/{meeting.pk}/reponse/", {"response": "vient"}).status_code
        == 403
    )
    assert MeetingParticipant.objects.count() == 0


def test_the_service_refuses_an_unknown_answer(meeting):
    row = _participant(meeting, "anne@exemple.fr", "Anne")

    with pytest.raises(ValidationError):
        services.meeting_respond(participant=row, response="peut-etre")

    row.refresh_from_db()
    assert row.response == MeetingResponse.NONE


# --- Answering from the invitation email -------------------------------------------------------------------


def _invite(meeting, email, name, django_capture_on_commit_callbacks, **fields):
    row = _participant(meeting, email, name, **fields)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_invitations_send(meeting_id=meeting.pk)
    row.refresh_from_db()
    return row


def _links(body: str) -> dict[str, str]:
    return {answer: token for token, answer in ANSWER_LINK.findall(body)}


def test_the_invitation_carries_three_answer_links_of_one_hashed_token(
    meeting, django_capture_on_commit_callbacks
):
    row = _invite(meeting, "anne@exemple.fr", "Anne", django_capture_on_commit_callbacks)

    email = mail.outbox[0]
    links = _links(email.body)
    assert email.to == ["anne@exemple.fr"]
    assert sorted(links) == ["excuse", "ne_vient_pas", "vient"]
    assert len(set(links.values())) == 1
    token = links["vient"]
    assert token not in row.response_token_hash
    assert row.response_token_hash == hash_token(token)


def test_the_link_shows_the_meeting_on_get_and_records_on_post_without_signing_in(
    meeting, client, django_capture_on_commit_callbacks
):
    row = _invite(meeting, "anne@exemple.fr", "Anne", django_capture_on_commit_callbacks)
    token = _links(mail.outbox[-1].body)["excuse"]

    shown = client.get(f"/comites/invitation/{token}/?reponse=excuse")
    row.refresh_from_db()
    assert shown.status_code == 200
    assert row.response == MeetingResponse.NONE
    assert shown.context["form"]["response"].value() == "excuse"
    assert "CoPil de printemps" in shown.content.decode()

    recorded = client.post(f"/comites/invitation/{token}/", {"response": "excuse"})

    row.refresh_from_db()
    assert recorded.status_code == 200
    assert "Merci, votre réponse est enregistrée : « Je suis excusé·e »." in recorded.content.decode()
    assert row.response == MeetingResponse.EXCUSED


def test_an_invalid_answer_link_is_a_french_404(client, db):
    response = client.get("/comites/invitation/" + "x" * 43 + "/")

    assert response.status_code == 404
    assert "Ce lien de réponse n'est pas valide" in response.content.decode()


def test_an_unknown_answer_by_link_is_refused(meeting, client, django_capture_on_commit_callbacks):
    row = _invite(meeting, "anne@exemple.fr", "Anne", django_capture_on_commit_callbacks)
    token = _links(mail.outbox[-1].body)["vient"]

    response = client.post(f"/comites/invitation/{token}/", {"response": "peut-etre"})

    row.refresh_from_db()
    assert response.status_code == 400
    assert row.response == MeetingResponse.NONE


def test_answering_by_link_a_cancelled_meeting_is_refused(
    meeting, client, staff_user, django_capture_on_commit_callbacks
):
    row = _invite(meeting, "anne@exemple.fr", "Anne", django_capture_on_commit_callbacks)
    token = _links(mail.outbox[-1].body)["vient"]
    meeting.status = MeetingStatus.CANCELLED
    meeting.save()

    response = client.post(f"/comites/invitation/{token}/", {"response": "vient"})

    row.refresh_from_db()
    assert response.status_code == 400
    assert "Cette réunion est annulée : il n&#x27;y a plus de réponse à donner." in response.content.decode()
    assert row.response == MeetingResponse.NONE


def test_a_resent_invitation_keeps_the_answer_with_a_new_link(
    meeting, client, staff_user, django_capture_on_commit_callbacks
):
    row = _invite(meeting, "anne@exemple.fr", "Anne", django_capture_on_commit_callbacks)
    old_token = _links(mail.outbox[-1].body)["vient"]
    client.post(f"/comites/invitation/{old_token}/", {"response": "vient"})

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            meeting=meeting,
            title="CoPil de printemps (salle changée)",
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            location="Salle B",
            visio_url="",
            agenda=meeting.agenda,
            by=staff_user,
            notify=True,
        )

    row.refresh_from_db()
    new_token = _links(mail.outbox[-1].body)["vient"]
    assert row.response == MeetingResponse.COMING
    assert new_token != old_token
    assert client.get(f"/comites/invitation/{old_token}/").status_code == 404
    assert client.get(f"/comites/invitation/{new_token}/").status_code == 200


# --- The staff's view of the answers -----------------------------------------------------------------------


def test_staff_see_the_answers_counted_and_each_one(meeting, staff_client):
    for email, response in (
        ("a@exemple.fr", MeetingResponse.COMING),
        ("b@exemple.fr", MeetingResponse.COMING),
        ("c@exemple.fr", MeetingResponse.EXCUSED),
        ("d@exemple.fr", MeetingResponse.NOT_COMING),
        ("e@exemple.fr", MeetingResponse.NONE),
    ):
        _participant(meeting, email, email.split("@")[0].upper(), response=response)

    response = staff_client.get(f"/comites/reunions/{meeting.pk}/")

    page = response.content.decode()
    assert response.context["response_counts"] == [
        ("vient", "viennent", 2),
        ("excuse", "excusés", 1),
        ("ne_vient_pas", "ne viennent pas", 1),
        ("sans_reponse", "sans réponse", 1),
    ]
    assert "<strong>2</strong> viennent" in page
    assert "d@exemple.fr" in page
    assert '<span class="response response-ne_vient_pas">Ne vient pas</span>' in page


# --- Minutes, approval and follow-up -----------------------------------------------------------------------


@pytest.fixture
def held(copil):
    return make_meeting(copil, days=-7, title="CoPil d'hiver", status=MeetingStatus.HELD)


def test_members_read_the_minutes_and_decisions_only_once_approved(held, member, copil_client, staff_client):
    staff_client.post(
        f"/comites/reunions/{held.pk}/compte-rendu/",
        {"minutes": "Compte rendu réservé", "public_minutes": "Partie publique", "decisions": "Décision A"},
    )
    before = copil_client.get(f"/comites/reunions/{held.pk}/").content.decode()

    staff_client.post(
        f"/comites/reunions/{held.pk}/compte-rendu/",
        {
            "minutes": "Compte rendu réservé",
            "public_minutes": "Partie publique",
            "decisions": "Décision A",
            "approved": "on",
        },
    )
    after = copil_client.get(f"/comites/reunions/{held.pk}/").content.decode()

    held.refresh_from_db()
    assert "Compte rendu réservé" not in before and "Décision A" not in before
    assert "Compte rendu réservé" in after and "Décision A" in after
    assert held.public_minutes == "Partie publique"
    assert held.minutes_approved_at is not None


def test_unticking_approval_clears_it(held, staff_client):
    held.minutes, held.minutes_approved_at = "CR", timezone.now()
    held.save()

    staff_client.post(f"/comites/reunions/{held.pk}/compte-rendu/", {"minutes": "CR", "decisions": ""})

    held.refresh_from_db()
    assert held.minutes_approved_at is None


def test_approving_empty_minutes_is_refused(held, staff_client):
    response = staff_client.post(
        f"/comites/reunions/{held.pk}/compte-rendu/", {"minutes": "", "decisions": "", "approved": "on"}
    )

    held.refresh_from_db()
    assert response.status_code == 400
    assert "Rédigez le compte rendu avant de l&#x27;approuver." in response.content.decode()
    assert held.minutes_approved_at is None


def test_editing_the_minutes_keeps_the_follow_up_of_unchanged_decisions(held, staff_user):
    services.meeting_record_minutes(meeting=held, minutes="CR", decisions=["A", "B"], by=staff_user)
    decision_a = Decision.objects.get(text="A")
    services.decision_follow_up_update(
        decision=decision_a, follow_up=DecisionFollowUp.DONE, note="Fait en mars", by=staff_user
    )

    services.meeting_record_minutes(meeting=held, minutes="CR", decisions=["C", "A"], by=staff_user)

    assert list(Decision.objects.values_list("position", "text", "follow_up", "follow_up_note")) == [
        (1, "C", DecisionFollowUp.TO_DO, ""),
        (2, "A", DecisionFollowUp.DONE, "Fait en mars"),
    ]
    assert Decision.objects.get(text="A").pk == decision_a.pk


def test_staff_update_a_decisions_follow_up_from_the_meeting_page(
    held, staff_user, staff_client, partner_client
):
    services.meeting_record_minutes(meeting=held, minutes="CR", decisions=["A"], by=staff_user)
    decision = Decision.objects.get()

    refused = partner_client.post(f"/comites/decisions/{decision.pk}/suivi/", {"follow_up": "realisee"})
    invalid = staff_client.post(f"/comites/decisions/{decision.pk}/suivi/", {"follow_up": "oubliee"})
    done = staff_client.post(
        f"/comites/decisions/{decision.pk}/suivi/",
        {"follow_up": "en_cours", "follow_up_note": " Groupe lancé "},
    )

    decision.refresh_from_db()
    assert refused.status_code == 403
    assert invalid.status_code == 400
    assert done["Location"] == f"/comites/reunions/{held.pk}/#decision-{decision.pk}"
    assert (decision.follow_up, decision.follow_up_note) == (DecisionFollowUp.IN_PROGRESS, "Groupe lancé")
    assert decision.follow_up_updated_at is not None


# --- Public pages ------------------------------------------------------------------------------------------


def _approved(committee_, days, title, decisions, staff_user, *, approved=True, public="Résumé public"):
    meeting = make_meeting(committee_, days=days, title=title, status=MeetingStatus.HELD)
    services.meeting_record_minutes(
        meeting=meeting,
        minutes=f"Réservé aux membres : {title}",
        public_minutes=f"{public} — {title}",
        decisions=decisions,
        approved=approved,
        by=staff_user,
    )
    return meeting


def test_the_committee_page_shows_only_the_public_part_of_approved_minutes(client, staff_user):
    cotec = committee("cotec")
    _approved(cotec, -30, "CoTec de janvier", ["Décision publiée"], staff_user)
    _approved(cotec, -3, "CoTec de mars", ["Décision en attente"], staff_user, approved=False)

    response = client.get("/comites/cotec/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Résumé public — CoTec de janvier" in page
    assert "Décision publiée" in page
    assert "CoTec de mars" in page
    assert "Décision en attente" not in page and "Résumé public — CoTec de mars" not in page
    assert "Réservé aux membres" not in page


def test_the_copil_page_lists_its_held_meetings(client, copil, staff_user):
    _approved(copil, -30, "CoPil de janvier", ["Décision du CoPil"], staff_user)

    page = client.get("/comites/copil/").content.decode()

    assert "Résumé public — CoPil de janvier" in page and "Décision du CoPil" in page


def test_the_register_lists_approved_decisions_newest_first_with_filters(client, copil, staff_user):
    cotec = committee("cotec")
    _approved(cotec, -60, "Ancienne", ["Décision ancienne"], staff_user)
    recent = _approved(copil, -10, "Récente", ["Décision récente"], staff_user)
    _approved(copil, -5, "Non approuvée", ["Décision non publiée"], staff_user, approved=False)
    services.decision_follow_up_update(
        decision=recent.decisions.get(), follow_up=DecisionFollowUp.DONE, note="", by=staff_user
    )

    everything = client.get("/comites/decisions/")
    by_committee = client.get("/comites/decisions/?instance=cotec")
    by_state = client.get("/comites/decisions/?suivi=realisee")
    bad = client.get("/comites/decisions/?suivi=inconnu")

    assert [d.text for d in everything.context["page"].object_list] == [
        "Décision récente",
        "Décision ancienne",
    ]
    assert "Décision non publiée" not in everything.content.decode()
    assert [d.text for d in by_committee.context["page"].object_list] == ["Décision ancienne"]
    assert [d.text for d in by_state.context["page"].object_list] == ["Décision récente"]
    assert bad.status_code == 400


def test_the_register_is_paginated_by_50_with_bounded_queries(
    client, copil, staff_user, django_assert_max_num_queries
):
    for index in range(3):
        _approved(copil, -10 - index, f"Réunion {index}", [f"D{index}-{n}" for n in range(25)], staff_user)

    with django_assert_max_num_queries(8):
        first = client.get("/comites/decisions/?instance=copil&suivi=a_engager")
    last = client.get("/comites/decisions/?instance=copil&suivi=a_engager&page=2")

    assert first.context["page"].paginator.count == 75
    assert len(first.context["page"].object_list) == 50
    assert len(last.context["page"].object_list) == 25
    assert 'href="?instance=copil&amp;suivi=a_engager&amp;page=2"' in first.content.decode()


def test_the_sitemap_lists_the_register_and_the_committee_pages(client, db):
    page = client.get("/sitemap.xml").content.decode()

    assert "/comites/decisions/</loc>" in page
    assert "/comites/cotec/</loc>" in page
    assert "/comites/copart/</loc>" in page


# --- Mes réunions ------------------------------------------------------------------------------------------


def test_my_meetings_lists_coming_then_past_meetings_of_my_committees_and_invitations(
    copil, member, copil_client, staff_user, django_assert_max_num_queries
):
    cotec = committee("cotec")
    coming = make_meeting(copil, days=20, title="CoPil à venir")
    invited = make_meeting(cotec, days=5, title="CoTec où je suis invité")
    _participant(invited, member.email, "Dominique", user=member, response=MeetingResponse.COMING)
    make_meeting(cotec, days=8, title="CoTec sans moi")
    past = _approved(copil, -15, "CoPil passé", ["D"], staff_user)

    with django_assert_max_num_queries(10):
        response = copil_client.get("/comites/mes-reunions/")

    page = response.content.decode()
    assert [m.title for m in response.context["coming"]] == ["CoTec où je suis invité", "CoPil à venir"]
    assert [(m.title, m.my_response) for m in response.context["coming"]] == [
        ("CoTec où je suis invité", "vient"),
        ("CoPil à venir", None),
    ]
    assert [m.title for m in response.context["past"]] == ["CoPil passé"]
    assert "CoTec sans moi" not in page
    assert f'href="/comites/reunions/{past.pk}/#minutes-title"' in page
    assert f'action="/comites/reunions/{coming.pk}/reponse/"' in page


# --- Reminders ---------------------------------------------------------------------------------------------


def test_reminders_go_once_to_those_coming_or_silent_invited_before(
    copil, settings, staff_user, django_capture_on_commit_callbacks
):
    settings.MEETING_REMINDER_HOURS = 48
    soon = make_meeting(copil, days=1, title="CoPil de demain")
    invited = timezone.now() - timedelta(days=10)
    for email, response in (
        ("vient@exemple.fr", MeetingResponse.COMING),
        ("silence@exemple.fr", MeetingResponse.NONE),
        ("excuse@exemple.fr", MeetingResponse.EXCUSED),
        ("non@exemple.fr", MeetingResponse.NOT_COMING),
    ):
        _participant(soon, email, email.split("@")[0], response=response, invitation_sent_at=invited)
    _participant(soon, "pas-invite@exemple.fr", "pas invité")  # the invitation has not gone yet
    later = make_meeting(copil, days=5, title="CoPil plus tard")
    _participant(later, "vient@exemple.fr", "vient", invitation_sent_at=invited)
    cancelled = make_meeting(copil, days=1, title="CoPil annulé", status=MeetingStatus.CANCELLED)
    _participant(cancelled, "vient@exemple.fr", "vient", invitation_sent_at=invited)

    with django_capture_on_commit_callbacks(execute=True):
        first = send_meeting_reminders.apply().get()
    second = send_meeting_reminders.apply().get()

    rows = OutgoingEmail.objects.filter(template="committees/emails/reminder")
    emails = sorted(mail.outbox, key=lambda message: message.to)
    assert (first, second) == (2, 0)
    assert sorted(row.to for row in rows) == [["silence@exemple.fr"], ["vient@exemple.fr"]]
    assert [e.to for e in emails] == [["silence@exemple.fr"], ["vient@exemple.fr"]]
    assert all(e.subject.startswith("Rappel : CoPil — CoPil de demain, le ") for e in emails)
    assert sorted(_links(emails[0].body)) == ["excuse", "ne_vient_pas", "vient"]
    assert _links(emails[1].body) == {}
    assert "Vous nous avez dit que vous veniez" in emails[1].body
    assert list(later.participants.values_list("reminder_sent_at", flat=True)) == [None]
    assert set(
        MeetingParticipant.objects.filter(reminder_sent_at__isnull=False).values_list("email", flat=True)
    ) == {
        "vient@exemple.fr",
        "silence@exemple.fr",
    }


# --- Personal data -----------------------------------------------------------------------------------------


def test_the_export_carries_the_answers_and_erasure_kills_the_link(meeting, partner):
    row = _participant(
        meeting,
        partner.email,
        "Sacha",
        user=partner,
        response=MeetingResponse.EXCUSED,
        responded_at=timezone.now(),
        response_token_hash="a" * 64,
    )

    exported = personal_data_export(user=partner)["donnees"]["actors.MeetingParticipant"]["lignes"]
    account_delete(user=partner, notify=False)

    row.refresh_from_db()
    assert [(line["response"], bool(line["responded_at"])) for line in exported] == [
        ("Je suis excusé·e", True)
    ]
    assert (row.user_id, row.response_token_hash, row.response) == (None, "", MeetingResponse.EXCUSED)


# --- The demo ----------------------------------------------------------------------------------------------


def test_the_demo_copil_account_sees_the_next_copil_meeting_and_approved_minutes(demo):
    from actors.models import Meeting, User

    account = User.objects.get(email="copil@cops.demo")
    client = _client(account)

    page = client.get("/comites/mes-reunions/")

    coming = [m for m in page.context["coming"] if m.committee.slug == "copil"]
    assert len(coming) == 1 and coming[0].my_response == MeetingResponse.NONE
    assert any(m.minutes_approved_at for m in page.context["past"])
    answers = set(
        MeetingParticipant.objects.filter(meeting=coming[0]).values_list("response", flat=True).distinct()
    )
    assert {MeetingResponse.COMING, MeetingResponse.NONE} <= answers
    approved = Meeting.objects.filter(minutes_approved_at__isnull=False).exclude(public_minutes="")
    assert approved.exists()
    assert set(Decision.objects.filter(meeting__in=approved).values_list("follow_up", flat=True)) == set(
        DecisionFollowUp.values
    )


# --- Access by role (what tests/trust/permission_matrix.py is told) ----------------------------------------


def test_the_new_pages_answer_each_role_as_reported(
    copil, partner, copil_user, staff_user, admin_user, client
):
    referent = UserFactory(email="referent@exemple.fr")
    make_referent(PersonFactory(user=referent), StructureFactory())
    meeting = make_meeting(copil, days=10)
    _participant(meeting, copil_user.email, "Dominique", user=copil_user)
    held = make_meeting(copil, days=-10, status=MeetingStatus.HELD)
    services.meeting_record_minutes(meeting=held, minutes="CR", decisions=["D"], approved=True, by=staff_user)
    decision = Decision.objects.get()
    clients = {"anonymous": client} | {
        role: _client(user)
        for role, user in (
            ("partner", partner),
            ("referent", referent),
            ("copil", copil_user),
            ("staff", staff_user),
            ("admin", admin_user),
        )
    }
    urls = {
        ("POST", f"/comites/reunions/{meeting.pk}/reponse/"): (302, 404, 404, 400, 403, 403),
        ("POST", f"/comites/decisions/{decision.pk}/suivi/"): (302, 403, 403, 403, 400, 400),
        ("GET", "/comites/invitation/" + "A" * 43 + "/"): (404,) * 6,
        ("GET", "/comites/decisions/"): (200,) * 6,
        ("GET", "/comites/cotec/"): (200,) * 6,
        ("GET", "/comites/mes-reunions/"): (302, 200, 200, 200, 200, 200),
    }

    got = {key: tuple(c.generic(key[0], key[1]).status_code for c in clients.values()) for key in urls}

    assert got == urls
    assert MeetingParticipant.objects.filter(meeting=meeting).count() == 1


def test_moving_a_meeting_makes_its_reminder_due_again(copil, staff_user):
    meeting = make_meeting(copil, days=1)
    row = _participant(
        meeting,
        "vient@exemple.fr",
        "vient",
        response=MeetingResponse.COMING,
        invitation_sent_at=timezone.now() - timedelta(days=5),
        reminder_sent_at=timezone.now(),
    )

    services.meeting_update(
        meeting=meeting,
        title=meeting.title,
        starts_at=meeting.starts_at + timedelta(hours=3),
        ends_at=meeting.ends_at + timedelta(hours=3),
        location=meeting.location,
        visio_url="",
        agenda=meeting.agenda,
        by=staff_user,
    )

    row.refresh_from_db()
    assert (row.reminder_sent_at, row.response) == (None, MeetingResponse.COMING)
    assert services.meeting_reminders_send() == 1
