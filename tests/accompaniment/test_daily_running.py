"""Accompaniments as the COPS team runs them every day (issue 20): privacy inside an accompaniment,
corrections, plausible dates, reminders that say what they are, nobody left out, notifications and
the small things. One test (at least) per item of the issue."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accompaniment.assessments import assessment_comparison
from accompaniment.enums import ContentVisibility, EvaluationKind, Side
from accompaniment.models import AccompanimentEvent, Action, Finding, Indicator, Measurement, Meeting
from accompaniment.services import accompaniments as acc_services
from accompaniment.services import content as content_services
from accompaniment.services import evaluations as evaluation_services
from accompaniment.services import requests as request_services
from accompaniment.tasks import send_due_evaluations
from accompaniment.wording import with_preposition
from actors.charter_enums import CommitteeKind
from actors.enums import Role
from actors.models.committees import Committee
from actors.models.committees import Meeting as CommitteeMeeting
from cops.models import OutgoingEmail
from selfassess.enums import Side as AssessmentSide
from selfassess.enums import Step
from selfassess.models import Criterion, Rating
from tests.accompaniment.conftest import advance
from tests.factories.accompaniment import SupportRequestFactory, make_referent
from tests.factories.actors import UserFactory
from tests.factories.selfassess import AssessmentSessionFactory, FrameworkFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

INTERNAL = "NOTE INTERNE COPS : la direction semble réticente"
SHARED_REPORT = "Tour de table : les RU veulent siéger au comité"


def detail(client, accompaniment) -> str:
    response = client.get(accompaniment.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


# --- 1. No staff-only notes shown to the structure -------------------------------------------------------


def test_internal_meeting_notes_and_staff_only_items_are_not_shown_to_the_referent(
    partner_client, staff_client, referent, accompaniment, participants, staff_user
):
    content_services.meeting_add(
        accompaniment=accompaniment,
        held_on=timezone.localdate(),
        title="Lancement",
        notes=SHARED_REPORT,
        internal_notes=INTERNAL,
        participants=participants,
        by=staff_user,
    )
    content_services.meeting_add(
        accompaniment=accompaniment,
        held_on=timezone.localdate(),
        title="Préparation du binôme",
        notes="Répartition des rôles",
        visibility=ContentVisibility.STAFF,
        participants=[],
        by=staff_user,
    )
    content_services.finding_add(
        accompaniment=accompaniment, kind="frein", text="Cadre de nuit hostile", by=staff_user,
        visibility=ContentVisibility.STAFF,
    )  # fmt: skip
    shared = content_services.finding_add(
        accompaniment=accompaniment, kind="levier", text="Des RU motivés", by=staff_user
    )

    referent_page = detail(partner_client, accompaniment)
    staff_page = detail(staff_client, accompaniment)

    assert shared.visibility == ContentVisibility.SHARED  # findings are shared by default
    assert escape(SHARED_REPORT) in referent_page
    for hidden in [INTERNAL, "Préparation du binôme", "Répartition des rôles", "Cadre de nuit hostile"]:
        assert escape(hidden) not in referent_page, hidden
        assert escape(hidden) in staff_page, hidden
    assert "Équipe du COPS seulement" in staff_page
    assert "Équipe du COPS seulement" not in referent_page


def test_referent_cannot_open_a_staff_only_item_even_by_its_address(
    partner_client, referent, accompaniment, participants, staff_user
):
    finding = content_services.finding_add(
        accompaniment=accompaniment, kind="frein", text="Interne", by=staff_user,
        visibility=ContentVisibility.STAFF,
    )  # fmt: skip

    edit = partner_client.get(reverse("accompaniment:finding_edit", args=[accompaniment.pk, finding.pk]))
    delete = partner_client.post(reverse("accompaniment:finding_delete", args=[accompaniment.pk, finding.pk]))

    assert (edit.status_code, delete.status_code) == (404, 404)
    assert Finding.objects.filter(pk=finding.pk).exists()


def test_referent_dossier_has_the_shared_meeting_reports_but_not_the_internal_notes(
    referent, staff_user, accompaniment, participants, settings, tmp_path, django_capture_on_commit_callbacks
):
    from cops.enums import ReportStatus
    from cops.reports import report_request
    from tests.accompaniment.test_reports import pdf_text

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    content_services.meeting_add(
        accompaniment=accompaniment, held_on=timezone.localdate(), title="Lancement", notes=SHARED_REPORT,
        internal_notes=INTERNAL, participants=participants, by=staff_user,
    )  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        mine = report_request(
            kind="accompaniment.dossier", params={"accompaniment": str(accompaniment.pk)}, by=referent
        )
        team = report_request(
            kind="accompaniment.dossier", params={"accompaniment": str(accompaniment.pk)}, by=staff_user
        )

    mine.refresh_from_db()
    team.refresh_from_db()
    assert (mine.status, team.status) == (ReportStatus.DONE, ReportStatus.DONE)
    referent_text = " ".join(pdf_text(mine.file.read()).split())
    staff_text = " ".join(pdf_text(team.file.read()).split())
    assert "Rencontres et comptes rendus" in referent_text
    assert SHARED_REPORT in referent_text
    assert "NOTE INTERNE" not in referent_text
    assert INTERNAL in staff_text
    assert "Version de l'équipe du COPS" in staff_text


# --- 3. The before/after radar keeps the two sides apart ---------------------------------------------------


def rated_session(framework, structure, held_on, professional, user):
    """Closed session: one professional and one user rate every criterion (no joint rating)."""
    session = AssessmentSessionFactory(
        framework=framework, structure=structure, held_on=held_on, step=Step.CLOSED
    )
    criteria = list(Criterion.objects.filter(framework=framework).order_by("position"))
    for side, scores in ((AssessmentSide.PROFESSIONAL, professional), (AssessmentSide.USER, user)):
        person = ParticipantFactory(session=session, side=side)
        for criterion, score in zip(criteria, scores, strict=True):
            Rating.objects.create(participant=person, criterion=criterion, score=score)
    return session


def test_before_after_radar_keeps_professionals_and_users_apart(accompaniment, staff_user):
    framework = FrameworkFactory()
    today = timezone.localdate()
    start = rated_session(
        framework, accompaniment.structure, today - timedelta(days=200), [4, 4, 4, 4], [0, 0, 0, 0]
    )
    end = rated_session(framework, accompaniment.structure, today, [4, 4, 4, 4], [2, 3, 2, 3])
    acc_services.accompaniment_attach_assessments(
        accompaniment=accompaniment, start=start, end=end, by=staff_user
    )

    charts = assessment_comparison(accompaniment)

    assert [chart.title for chart in charts] == [
        "Professionnels : au départ et à la fin",
        "Usagers : au départ et à la fin",
    ]
    professionals, users = charts
    assert [row[1:] for row in professionals.rows] == [["4", "4"]] * 4
    # Averaged together, the users' 0 would have read 2 at the start: kept apart, it stays 0.
    assert [row[1:] for row in users.rows] == [["0", "2"], ["0", "3"], ["0", "2"], ["0", "3"]]


# --- 4. Corrections and deletions, with who did them -------------------------------------------------------------


def test_referent_corrects_a_shared_finding_and_the_timeline_says_who(
    partner_client, staff_client, referent, accompaniment, staff_user
):
    finding = content_services.finding_add(
        accompaniment=accompaniment, kind="levier", text="Des RU motivéés", by=staff_user
    )
    url = reverse("accompaniment:finding_edit", args=[accompaniment.pk, finding.pk])

    form = partner_client.get(url).content.decode()
    response = partner_client.post(url, {"kind": "levier", "text": "Des RU motivés", "visibility": "equipe"})

    assert 'name="visibility"' not in form  # only the team decides who reads an item
    assert "Des RU motivéés" in form
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.text, finding.visibility) == ("Des RU motivés", ContentVisibility.SHARED)
    event = AccompanimentEvent.objects.get()
    assert (event.kind, event.title, event.detail, event.by, event.visibility) == (
        "modification", "Constat modifié (levier)", "Modifié : constat.", referent, "partage",
    )  # fmt: skip
    assert "Constat modifié (levier)" in detail(partner_client, accompaniment)
    assert "par Sacha Martin" in detail(staff_client, accompaniment)


def test_staff_corrects_and_deletes_meetings_actions_indicators_and_measurements(
    staff_client, staff_user, accompaniment, participants
):
    advance(accompaniment, staff_user, participants, phases=2)
    meeting = Meeting.objects.filter(accompaniment=accompaniment).first()
    action = Action.objects.get(accompaniment=accompaniment)
    indicator = Indicator.objects.get(accompaniment=accompaniment)
    measurement = content_services.measurement_add(
        accompaniment=accompaniment,
        indicator=indicator,
        measured_on=timezone.localdate(),
        value=Decimal("30"),
        by=staff_user,
    )
    pk = accompaniment.pk
    due = (timezone.localdate() + timedelta(days=40)).isoformat()

    responses = [
        staff_client.post(reverse("accompaniment:measurement_edit", args=[pk, measurement.pk]),
                          {"measured_on": timezone.localdate().isoformat(), "value": "3", "comment": "coquille"}),
        staff_client.post(reverse("accompaniment:action_edit", args=[pk, action.pk]),
                          {"title": "Associer trois RU au comité", "description": "", "owner": participants[1].pk,
                           "due_on": due, "visibility": "partage"}),
        staff_client.post(reverse("accompaniment:meeting_delete", args=[pk, meeting.pk])),
        staff_client.post(reverse("accompaniment:indicator_delete", args=[pk, indicator.pk])),
    ]  # fmt: skip

    assert [r.status_code for r in responses] == [302, 302, 302, 302]
    action.refresh_from_db()
    assert (action.title, action.owner, action.due_on.isoformat()) == (
        "Associer trois RU au comité",
        participants[1],
        due,
    )
    assert not Meeting.objects.filter(pk=meeting.pk).exists()
    assert not Indicator.objects.filter(pk=indicator.pk).exists()
    assert not Measurement.objects.exists()
    assert list(AccompanimentEvent.objects.order_by("pk").values_list("kind", "title", "by")) == [
        ("modification", f"Mesure du {french_day(timezone.localdate())} de « Réunions avec des RU » modifiée", staff_user.pk),
        ("modification", "Action « Associer trois RU au comité » modifiée", staff_user.pk),
        ("suppression", f"Rencontre « Retour d'expérience » du {french_day(meeting.held_on)} supprimée", staff_user.pk),
        ("suppression", "Indicateur « Réunions avec des RU » supprimé", staff_user.pk),
    ]  # fmt: skip
    page = detail(staff_client, accompaniment)
    assert "Indicateur « Réunions avec des RU » supprimé" in page


def french_day(value: date) -> str:
    from django.utils import formats

    return formats.date_format(value, "j F Y")


def test_a_referent_cannot_edit_a_meeting_s_internal_notes(
    partner_client, referent, accompaniment, participants, staff_user
):
    meeting = content_services.meeting_add(
        accompaniment=accompaniment, held_on=timezone.localdate(), title="Lancement", notes="CR",
        internal_notes=INTERNAL, participants=[], by=staff_user,
    )  # fmt: skip
    url = reverse("accompaniment:meeting_edit", args=[accompaniment.pk, meeting.pk])

    form = partner_client.get(url).content.decode()
    partner_client.post(url, {"held_on": timezone.localdate().isoformat(), "title": "Lancement", "notes": "CR corrigé",
                              "internal_notes": "écrasée", "visibility": "partage"})  # fmt: skip

    meeting.refresh_from_db()
    assert INTERNAL not in form and 'name="internal_notes"' not in form
    assert (meeting.notes, meeting.internal_notes) == ("CR corrigé", INTERNAL)


# --- 5. Plausible dates --------------------------------------------------------------------------------------


def test_absurd_convention_is_refused_with_french_messages(staff_client, accompaniment):
    response = staff_client.post(
        reverse("accompaniment:convention_edit", args=[accompaniment.pk]),
        {"start": "1900-01-01", "end": "2999-12-31", "planned_interventions": "500"},
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert (
        "La convention ne peut pas commencer avant l&#x27;année qui précède l&#x27;accompagnement" in content
    )
    assert "Une convention dure au plus trois ans" in content
    assert (
        "500 interventions : c&#x27;est plus que ce qu&#x27;une convention prévoit (100 au plus)." in content
    )
    accompaniment.refresh_from_db()
    assert (accompaniment.convention_start, accompaniment.planned_interventions) == (None, None)


def test_convention_longer_than_three_years_is_refused(staff_user, accompaniment):
    today = timezone.localdate()

    with pytest.raises(ValidationError) as error:
        acc_services.convention_update(
            accompaniment=accompaniment, start=today, end=today.replace(year=today.year + 10),
            planned_interventions=8, signed_on=None, by=staff_user,
        )  # fmt: skip

    assert list(error.value.message_dict) == ["end"]
    assert error.value.message_dict["end"][0].startswith("Une convention dure au plus trois ans")


def test_action_due_in_2999_and_meeting_in_2099_are_refused(staff_client, accompaniment, participants):
    action = staff_client.post(
        reverse("accompaniment:action_add", args=[accompaniment.pk]),
        {"title": "Former", "owner": participants[0].pk, "due_on": "2999-01-01", "visibility": "partage"},
    )
    meeting = staff_client.post(
        reverse("accompaniment:meeting_add", args=[accompaniment.pk]),
        {"held_on": "2099-03-01", "title": "Plus tard", "notes": "", "visibility": "partage"},
    )

    assert (action.status_code, meeting.status_code) == (400, 400)
    assert "est à plus de trois ans du début de l&#x27;accompagnement" in action.content.decode()
    assert "Une rencontre se prévoit au plus six mois à l&#x27;avance" in meeting.content.decode()
    assert (Action.objects.count(), Meeting.objects.count()) == (0, 0)


def test_copil_decision_cannot_be_linked_to_a_meeting_not_yet_held(staff_user, structure):
    committee, _created = Committee.objects.get_or_create(
        kind=CommitteeKind.COPIL,
        defaults={"name": "Comité de Pilotage", "short_name": "CoPil", "slug": "copil"},
    )
    start = timezone.now() + timedelta(days=20)
    future = CommitteeMeeting.objects.create(
        committee=committee,
        title="CoPil d'automne",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        location="Toulouse",
    )
    support_request = SupportRequestFactory(structure=structure)

    with pytest.raises(ValidationError) as error:
        request_services.support_request_decide(
            support_request=support_request, outcome="acceptee", reason="", decided_on=timezone.localdate(),
            copil_meeting=future, by=staff_user,
        )  # fmt: skip

    assert error.value.message_dict["copil_meeting"][0].startswith("Cette réunion du CoPil (")
    assert "n'a pas encore eu lieu" in error.value.message_dict["copil_meeting"][0]


# --- 6. Reminders that say what they are ---------------------------------------------------------------------


@pytest.fixture
def hot(accompaniment, participants, staff_user):
    advance(accompaniment, staff_user, participants, phases=3)
    return accompaniment


def test_reminders_name_their_evaluation_and_deadline_and_none_leaves_after_it(
    hot, staff_user, django_capture_on_commit_callbacks
):
    answer_by = timezone.localdate() + timedelta(days=14)
    evaluation = evaluation_services.evaluation_send_hot(
        accompaniment=hot, by=staff_user, answer_by=answer_by
    )
    mail.outbox.clear()
    now = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        first = evaluation_services.send_due_evaluations(now=now + timedelta(days=10, minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        second = evaluation_services.send_due_evaluations(now=now + timedelta(days=20, minutes=2))

    assert (first, second) == ((0, 2), (0, 0))  # the second reminder would fall after the deadline
    assert evaluation.invitations.filter(next_reminder_at__isnull=False).count() == 0
    deadline = french_day(answer_by)[:-5]
    assert {m.subject for m in mail.outbox} == {
        f"Rappel — évaluation à chaud de « Intégrer les usagers au projet d'établissement » : répondez avant le {deadline}"
    }
    assert f"Les réponses sont attendues avant le {french_day(answer_by)}." in mail.outbox[0].body
    assert "évaluation à chaud du projet" in mail.outbox[0].body


def test_follow_up_page_shows_next_reminder_and_who_has_not_answered_and_resends_once_a_day(
    hot, staff_client, staff_user, participants, django_capture_on_commit_callbacks
):
    evaluation = evaluation_services.evaluation_send_hot(accompaniment=hot, by=staff_user)
    invitation = evaluation.invitations.get(participant=participants[0])
    evaluation.invitations.update(sent_at=timezone.now() - timedelta(days=2))
    evaluation_services.evaluation_answer(
        invitation=evaluation.invitations.get(participant=participants[1]),
        answers={q["code"]: 4 if q["type"] == "echelle" else "" for q in evaluation.questions},
    )
    url = reverse("accompaniment:evaluation_followup", args=[hot.pk, evaluation.pk])
    send = reverse("accompaniment:invitation_send", args=[hot.pk, evaluation.pk, invitation.pk])
    mail.outbox.clear()

    page = staff_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        first = staff_client.post(send, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        second = staff_client.post(send, {"lien": "1"}, follow=True)

    next_at = timezone.localtime(invitation.next_reminder_at)
    assert "Prochaine relance automatique" in page
    assert french_day(next_at.date()) in page
    assert "Pas encore répondu" in page and "A répondu" in page
    assert "Inès Roux est relancé(e)." in first.content.decode()
    assert "Inès Roux a reçu un courriel le" in second.content.decode()
    assert "un seul courriel par personne et par jour" in second.content.decode()
    assert [m.to for m in mail.outbox] == [["ines.roux@sete.fr"]]


def test_follow_up_is_for_the_team_only(partner_client, referent, hot, staff_user):
    evaluation = evaluation_services.evaluation_send_hot(accompaniment=hot, by=staff_user)

    response = partner_client.get(reverse("accompaniment:evaluation_followup", args=[hot.pk, evaluation.pk]))

    assert response.status_code == 403


# --- 7. Nobody left out silently -----------------------------------------------------------------------------


def test_participant_without_email_is_named_when_the_evaluation_is_sent(hot, staff_client):
    acc_services.participant_add(accompaniment=hot, first_name="Jean", last_name="Sansmail", side=Side.USER)
    url = reverse("accompaniment:hot_evaluation_send", args=[hot.pk])

    before = staff_client.get(url).content.decode()
    response = staff_client.post(url, {"answer_by": ""}, follow=True)
    evaluation = hot.evaluations.get(kind=EvaluationKind.HOT)
    follow_up = staff_client.get(reverse("accompaniment:evaluation_followup", args=[hot.pk, evaluation.pk]))

    assert "Jean Sansmail" in before and "ne recevront pas le questionnaire" in before
    assert (
        "L&#x27;évaluation à chaud est envoyée à 2 participants. "
        "Non invité(s), faute d&#x27;adresse électronique : Jean Sansmail."
    ) in response.content.decode()
    assert "<strong>Jean Sansmail</strong> : pas d&#x27;adresse électronique" in follow_up.content.decode()


def test_automatic_impact_evaluation_tells_the_binome_who_was_left_out(
    accompaniment, participants, staff_user, patient_partner_lead, django_capture_on_commit_callbacks
):
    advance(accompaniment, staff_user, participants, phases=4)
    acc_services.participant_add(
        accompaniment=accompaniment, first_name="Jean", last_name="Sansmail", side=Side.USER
    )
    accompaniment.evaluations.filter(kind=EvaluationKind.IMPACT).update(scheduled_for=timezone.localdate())

    with django_capture_on_commit_callbacks(execute=True):
        send_due_evaluations()

    left_out = OutgoingEmail.objects.get(template="accompaniment/emails/evaluation_left_out")
    assert left_out.to == [staff_user.email, patient_partner_lead.email]
    delivered = [m for m in mail.outbox if m.to == left_out.to]
    assert len(delivered) == 1
    assert "- Jean Sansmail" in delivered[0].body


# --- 8. Notifications ---------------------------------------------------------------------------------------


def test_copil_members_are_each_told_a_request_awaits_them(
    referent, partner_client, structure, settings, django_capture_on_commit_callbacks
):
    first = UserFactory(email="copil.un@exemple.fr", roles=[Role.COPIL])
    second = UserFactory(email="copil.deux@exemple.fr", roles=[Role.COPIL, Role.PARTNER])
    UserFactory(email="ancien.copil@exemple.fr", roles=[Role.COPIL], is_active=False)
    data = {
        "structure": structure.pk, "support_type": "projet", "title": "Projet des usagers", "context": "c",
        "expected_outcome": "r", "contact_name": "Sacha Martin", "contact_email": "sacha@exemple.fr",
    }  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        partner_client.post(reverse("accompaniment:request_create"), data)

    rows = OutgoingEmail.objects.filter(template="accompaniment/emails/request_new").order_by("pk")
    assert [row.to for row in rows] == [[second.email], [first.email], [settings.STAFF_EMAIL]]
    assert rows[0].subject == "Une demande d'appui attend l'examen du CoPil : Projet des usagers"
    delivered = {m.to[0]: m.body for m in mail.outbox}
    assert "En tant que membre du CoPil" in delivered[second.email]
    assert "En tant que membre du CoPil" not in delivered[settings.STAFF_EMAIL]


def test_structure_is_told_its_accompaniment_opened_and_each_phase_closed(
    partner, structure, staff_user, patient_partner_lead
):
    make_referent(partner, structure)
    support_request = SupportRequestFactory(structure=structure, requested_by=partner, status="acceptee",
                                            contact_email="contact@sete.fr")  # fmt: skip
    accompaniment = acc_services.accompaniment_open(
        structure=structure, title="Projet des usagers", support_type="projet",
        template=support_request_template(), professional_lead=staff_user,
        patient_partner_lead=patient_partner_lead, by=staff_user, request=support_request,
    )  # fmt: skip
    participant = acc_services.participant_add(
        accompaniment=accompaniment, first_name="Inès", last_name="Roux", email="ines@sete.fr", side=Side.USER
    )
    advance(accompaniment, staff_user, [participant], phases=1)

    opened = OutgoingEmail.objects.filter(template="accompaniment/emails/accompaniment_opened").order_by("pk")
    closed = OutgoingEmail.objects.filter(template="accompaniment/emails/phase_closed").order_by("pk")
    assert [row.to for row in opened] == [[partner.email], ["contact@sete.fr"]]
    assert opened[0].subject == "L'accompagnement du COPS commence : « Projet des usagers »"
    assert (
        "Le COPS ouvre l'accompagnement « Projet des usagers » pour le Centre d'hémodialyse de Sète."
        in opened[0].body_text
    )
    assert [row.to for row in closed] == [[partner.email], ["contact@sete.fr"]]
    assert closed[0].subject == "Phase « Retour d'expérience » terminée — Projet des usagers"
    assert "La phase suivante commence" in closed[0].body_text


def support_request_template():
    from tests.factories.accompaniment import default_template

    return default_template()


def test_action_owner_is_told_once_and_reminded_once_before_the_due_date(
    accompaniment, participants, staff_user, django_capture_on_commit_callbacks
):
    advance(accompaniment, staff_user, participants, phases=1)
    due = timezone.localdate() + timedelta(days=20)
    action = content_services.action_add(
        accompaniment=accompaniment, title="Associer les RU", owner=participants[0], due_on=due, by=staff_user
    )
    content_services.action_add(
        accompaniment=accompaniment, title="Piste interne", owner=participants[1], due_on=due, by=staff_user,
        visibility=ContentVisibility.STAFF,
    )  # fmt: skip
    later = timezone.now() + timedelta(days=14)

    early = content_services.send_action_reminders()
    first = content_services.send_action_reminders(now=later)
    again = content_services.send_action_reminders(now=later + timedelta(hours=1))

    assigned = OutgoingEmail.objects.filter(template="accompaniment/emails/action_assigned")
    reminders = OutgoingEmail.objects.filter(template="accompaniment/emails/action_reminder")
    assert (early, first, again) == (0, 1, 0)
    assert [row.to for row in assigned] == [["ines.roux@sete.fr"]]  # the staff-only action is not sent
    assert (
        assigned[0].subject == f"Une action vous est confiée : « Associer les RU », pour le {french_day(due)}"
    )
    assert [row.to for row in reminders] == [["ines.roux@sete.fr"]]
    assert (
        reminders[0].subject
        == f"Rappel : l'action « Associer les RU » arrive à échéance le {french_day(due)}"
    )
    action.refresh_from_db()
    assert action.due_reminder_sent_at is not None


# --- 9. Small things ----------------------------------------------------------------------------------------


def test_invalid_link_page_gives_the_team_address_not_reply_to_this_email(client, settings):
    response = client.get(reverse("accompaniment:evaluation_answer", args=["x" * 43]))

    content = response.content.decode()
    assert response.status_code == 404
    assert "répondez à ce courriel" not in content
    assert f'<a href="mailto:{settings.STAFF_EMAIL}">{settings.STAFF_EMAIL}</a>' in content


@pytest.mark.parametrize(
    ("name", "de", "pour"),
    [
        ("Association Soleil", "de l'Association Soleil", "pour l'Association Soleil"),
        (
            "Centre d'hémodialyse de Sète",
            "du Centre d'hémodialyse de Sète",
            "pour le Centre d'hémodialyse de Sète",
        ),
        ("Clinique du Parc", "de la Clinique du Parc", "pour la Clinique du Parc"),
        ("Hôpitaux de Toulouse", "des Hôpitaux de Toulouse", "pour les Hôpitaux de Toulouse"),
        ("Onco-Occitanie", "d'Onco-Occitanie", "pour Onco-Occitanie"),
        ("Le Relais", "du Relais", "pour le Relais"),
    ],
)
def test_french_articles_before_structure_names(name, de, pour):
    assert (with_preposition(name, "de"), with_preposition(name, "pour")) == (de, pour)


def test_other_languages_get_their_own_preposition_and_no_french_article():
    from django.utils import translation

    with translation.override("en"):
        assert (with_preposition("Association Soleil", "de"), with_preposition("Le Relais", "pour")) == (
            "of Association Soleil",
            "for Le Relais",
        )


def test_evaluation_email_uses_the_article_before_the_structure_name(
    hot, staff_user, django_capture_on_commit_callbacks
):
    hot.structure.name = "Association des usagers de Sète"
    hot.structure.save()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        evaluation_services.evaluation_send_hot(accompaniment=hot, by=staff_user)

    assert (
        "« Intégrer les usagers au projet d'établissement » de l'Association des usagers de Sète,"
        in mail.outbox[0].body
    )


def test_history_says_when_staff_recorded_the_copil_decision(
    partner_client, referent, structure, staff_user, copil_user
):
    by_staff = SupportRequestFactory(structure=structure, requested_by=referent)
    by_copil = SupportRequestFactory(structure=structure, requested_by=referent)
    for support_request, by in ((by_staff, staff_user), (by_copil, copil_user)):
        request_services.support_request_decide(
            support_request=support_request,
            outcome="complement",
            reason="Précisez",
            decided_on=timezone.localdate(),
            by=by,
        )

    staff_page = partner_client.get(by_staff.get_absolute_url()).content.decode()
    copil_page = partner_client.get(by_copil.get_absolute_url()).content.decode()

    assert f"par {staff_user.get_full_name()} (équipe du COPS), pour le CoPil" in staff_page
    assert "pour le CoPil" not in copil_page


def test_change_date_page_is_prefilled_with_the_planned_date(
    accompaniment, participants, staff_user, staff_client
):
    advance(accompaniment, staff_user, participants, phases=4)
    planned = accompaniment.evaluations.get(kind=EvaluationKind.IMPACT).scheduled_for

    page = staff_client.get(
        reverse("accompaniment:impact_evaluation_schedule", args=[accompaniment.pk])
    ).content.decode()

    assert f'value="{planned.isoformat()}"' in page


def test_early_closing_error_is_shown_once(staff_client, accompaniment):
    response = staff_client.post(
        reverse("accompaniment:phase_close", args=[accompaniment.pk]),
        {"ended_on": timezone.localdate().isoformat()},
    )

    content = response.content.decode()
    assert content.count("Pour clôturer la phase « Retour d&#x27;expérience », il manque") == 1


def test_follow_up_page_query_count_does_not_grow_with_participants(
    hot, staff_client, staff_user, django_assert_max_num_queries
):
    for number in range(8):
        acc_services.participant_add(
            accompaniment=hot,
            first_name=f"P{number}",
            last_name="Test",
            email=f"p{number}@sete.fr",
            side=Side.USER,
        )
    acc_services.participant_add(accompaniment=hot, first_name="Sans", last_name="Adresse", side=Side.USER)
    evaluation = evaluation_services.evaluation_send_hot(accompaniment=hot, by=staff_user)
    url = reverse("accompaniment:evaluation_followup", args=[hot.pk, evaluation.pk])

    with django_assert_max_num_queries(12):
        response = staff_client.get(url)

    assert response.status_code == 200
    assert response.content.decode().count("Pas encore répondu") == 10


def test_before_after_radar_does_not_draw_a_missing_answer_as_zero(accompaniment, staff_user):
    framework = FrameworkFactory()
    today = timezone.localdate()
    start = rated_session(
        framework, accompaniment.structure, today - timedelta(days=200), [4, 4, 4, 4], [1, 2, 1, 2]
    )
    end = rated_session(framework, accompaniment.structure, today, [4, 4, 4, 4], [2, 3, 2, 3])
    # The users did not rate the last criterion at the start.
    Rating.objects.filter(
        participant__session=start, participant__side=AssessmentSide.USER, criterion__position=4
    ).delete()
    acc_services.accompaniment_attach_assessments(
        accompaniment=accompaniment, start=start, end=end, by=staff_user
    )

    professionals, users = assessment_comparison(accompaniment)

    assert [item.label for item in users.legend if item.hollow] == ["pas de réponse au départ"]
    assert [item.label for item in professionals.legend if item.hollow] == []
    assert users.rows[3][1:] == ["non renseigné", "3"]
