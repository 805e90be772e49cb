"""The à chaud and à distance evaluations: personal links, anonymous answers, reminders exactly once."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accompaniment.enums import EvaluationKind
from accompaniment.models import Evaluation, EvaluationInvitation, EvaluationLink, EvaluationResponse
from accompaniment.services import evaluations as services
from accompaniment.tasks import send_due_evaluations
from cops.models import OutgoingEmail
from cops.tokens import hash_token
from tests.accompaniment.conftest import advance, fill_current_phase

pytestmark = pytest.mark.django_db

LINK_RE = re.compile(r"http://testserver(/accompagnements/evaluation/([A-Za-z0-9_-]+)/)")


def links_in(messages) -> dict[str, str]:
    """{recipient: path of their personal link}"""
    return {m.to[0]: LINK_RE.search(m.body).group(1) for m in messages}


@pytest.fixture
def at_hot_phase(accompaniment, staff_user, participants):
    advance(accompaniment, staff_user, participants, phases=3)
    return accompaniment


@pytest.fixture
def due_impact(accompaniment, staff_user, participants):
    """An accompaniment in its last phase whose à distance evaluation is due today."""
    advance(accompaniment, staff_user, participants, phases=4)
    Evaluation.objects.filter(kind=EvaluationKind.IMPACT).update(scheduled_for=timezone.localdate())
    # The à chaud reminders are left out so that only the à distance evaluation's emails are counted.
    EvaluationInvitation.objects.filter(evaluation__kind=EvaluationKind.HOT).update(next_reminder_at=None)
    mail.outbox.clear()
    return accompaniment


def test_hot_evaluation_sends_each_participant_a_personal_link_stored_hashed(
    staff_client, at_hot_phase, participants, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("accompaniment:hot_evaluation_send", args=[at_hot_phase.pk]), {})

    assert response.status_code == 302
    evaluation = Evaluation.objects.get(kind=EvaluationKind.HOT)
    assert evaluation.launched_at is not None
    assert evaluation.answer_by == timezone.localdate() + timedelta(days=21)
    links = links_in(mail.outbox)
    assert sorted(links) == ["ines.roux@sete.fr", "paul.martin@sete.fr"]
    assert {m.subject for m in mail.outbox} == {
        "Votre avis sur « Intégrer les usagers au projet d'établissement » et l'accompagnement du COPS"
    }
    tokens = [LINK_RE.search(m.body).group(2) for m in mail.outbox]
    assert all(len(token) >= 43 for token in tokens)  # 256 bits
    stored = set(EvaluationLink.objects.values_list("token_hash", flat=True))
    assert stored == {hash_token(token) for token in tokens}
    assert not stored & set(tokens)


def test_hot_evaluation_is_sent_only_during_its_phase_and_only_once(accompaniment, staff_user, participants):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as too_early:
        services.evaluation_send_hot(accompaniment=accompaniment, by=staff_user)
    advance(accompaniment, staff_user, participants, phases=3)
    services.evaluation_send_hot(accompaniment=accompaniment, by=staff_user)
    with pytest.raises(ValidationError) as twice:
        services.evaluation_send_hot(accompaniment=accompaniment, by=staff_user)

    assert too_early.value.messages == [
        "L'évaluation à chaud s'envoie pendant la phase d'évaluation à chaud."
    ]
    assert twice.value.messages == ["L'évaluation à chaud a déjà été envoyée aux participants."]
    assert EvaluationInvitation.objects.count() == 2


def test_answering_by_link_records_an_anonymous_response_once(
    client, at_hot_phase, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.evaluation_send_hot(accompaniment=at_hot_phase, by=staff_user)
    path = links_in(mail.outbox)["ines.roux@sete.fr"]
    answers = {
        "objectifs": "5",
        "partenariat": "4",
        "utilite": "5",
        "binome": "5",
        "reussites": "Les RU écoutés",
        "ameliorations": "",
    }

    opened = client.get(path)
    page = client.get(opened.url)
    first = client.post(opened.url, answers)
    second = client.post(opened.url, answers)

    assert (opened.status_code, opened.url) == (302, reverse("accompaniment:evaluation_form"))
    assert page.status_code == 200
    assert "Le projet a-t-il atteint les objectifs fixés ensemble ?" in page.content.decode()
    assert "Merci pour vos réponses" in first.content.decode()
    assert "Vous avez déjà répondu" in second.content.decode()
    response = EvaluationResponse.objects.get()
    assert (response.side, response.answers) == (
        "usager",
        {
            "objectifs": 5,
            "partenariat": 4,
            "utilite": 5,
            "binome": 5,
            "reussites": "Les RU écoutés",
            "ameliorations": "",
        },
    )
    assert [f.name for f in EvaluationResponse._meta.get_fields() if f.is_relation] == ["evaluation"]
    invitation = EvaluationInvitation.objects.get(email="ines.roux@sete.fr")
    assert invitation.answered_at is not None and invitation.next_reminder_at is None


def test_an_incomplete_answer_keeps_what_was_typed_and_saves_nothing(
    client, at_hot_phase, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.evaluation_send_hot(accompaniment=at_hot_phase, by=staff_user)
    client.get(links_in(mail.outbox)["paul.martin@sete.fr"])

    response = client.post(
        reverse("accompaniment:evaluation_form"), {"objectifs": "5", "reussites": "Très bonne dynamique"}
    )

    content = response.content.decode()
    assert "Le formulaire contient 3 erreurs" in content
    assert "Choisissez une réponse." in content
    assert "Très bonne dynamique" in content
    assert EvaluationResponse.objects.count() == 0


def test_an_unknown_or_malformed_link_is_refused_plainly(client):
    unknown = client.get(reverse("accompaniment:evaluation_answer", args=["A" * 43]))
    malformed = client.get(reverse("accompaniment:evaluation_answer", args=["court"]))

    assert unknown.status_code == malformed.status_code == 404
    assert "Ce lien n'est pas valable" in unknown.content.decode()


def test_the_answer_form_needs_a_link_opened_in_this_browser(client):
    response = client.get(reverse("accompaniment:evaluation_form"))

    assert response.status_code == 403
    assert "Ouvrez le lien reçu par courriel" in response.content.decode()
    assert EvaluationResponse.objects.count() == 0


def test_due_impact_evaluation_is_sent_once_even_when_the_task_runs_twice(
    due_impact, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = send_due_evaluations()
    with django_capture_on_commit_callbacks(execute=True):
        second = send_due_evaluations()

    assert first == {"launched": 1, "reminded": 0, "action_reminders": 0}
    assert second == {"launched": 0, "reminded": 0, "action_reminders": 0}
    assert sorted(m.to[0] for m in mail.outbox) == ["ines.roux@sete.fr", "paul.martin@sete.fr"]
    assert {m.subject for m in mail.outbox} == {
        "Quelques mois après « Intégrer les usagers au projet d'établissement » : votre regard compte"
    }


def test_impact_evaluation_waits_for_its_date(accompaniment, staff_user, participants):
    advance(accompaniment, staff_user, participants, phases=4)

    result = send_due_evaluations()

    assert result == {"launched": 0, "reminded": 0, "action_reminders": 0}
    assert Evaluation.objects.get(kind=EvaluationKind.IMPACT).launched_at is None


def test_reminders_go_once_each_to_who_has_not_answered_up_to_the_maximum(
    due_impact, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.send_due_evaluations()
    links = links_in(mail.outbox)
    answered = EvaluationInvitation.objects.get(
        evaluation__kind=EvaluationKind.IMPACT, email="paul.martin@sete.fr"
    )
    services.evaluation_answer(
        invitation=answered,
        answers={"poursuite": 4, "decisions": 4, "pratiques": 3, "apport_cops": 5, "effets": ""},
    )
    mail.outbox.clear()
    first_reminder_at = timezone.now() + timedelta(days=10, minutes=1)

    with django_capture_on_commit_callbacks(execute=True):
        once = services.send_due_evaluations(now=first_reminder_at)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.send_due_evaluations(now=first_reminder_at)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_due_evaluations(now=first_reminder_at + timedelta(days=10, minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        beyond = services.send_due_evaluations(now=first_reminder_at + timedelta(days=60))

    assert (once, again, beyond) == ((0, 1), (0, 0), (0, 0))
    assert [m.to for m in mail.outbox] == [["ines.roux@sete.fr"], ["ines.roux@sete.fr"]]
    assert all(
        m.subject.startswith("Rappel — évaluation d'impact de « Intégrer les usagers") for m in mail.outbox
    )
    pending = EvaluationInvitation.objects.get(
        evaluation__kind=EvaluationKind.IMPACT, email="ines.roux@sete.fr"
    )
    assert (pending.reminders_sent, pending.next_reminder_at) == (2, None)
    # Each reminder carries a fresh link; the first one keeps working.
    reminder_links = links_in(mail.outbox[:1])
    assert reminder_links["ines.roux@sete.fr"] != links["ines.roux@sete.fr"]
    assert EvaluationLink.objects.filter(invitation=pending).count() == 3


def test_every_email_of_a_run_is_in_the_outbox_exactly_once(due_impact):
    before = set(OutgoingEmail.objects.values_list("pk", flat=True))

    send_due_evaluations()
    send_due_evaluations()

    new = OutgoingEmail.objects.exclude(pk__in=before).order_by("pk")
    assert [(e.template, e.to) for e in new] == [
        ("accompaniment/emails/evaluation_invitation", ["ines.roux@sete.fr"]),
        ("accompaniment/emails/evaluation_invitation", ["paul.martin@sete.fr"]),
    ]


def test_impact_evaluation_can_be_rescheduled_until_it_is_sent(
    staff_client, accompaniment, staff_user, participants
):
    advance(accompaniment, staff_user, participants, phases=4)
    new_date = timezone.localdate() + timedelta(days=45)
    url = reverse("accompaniment:impact_evaluation_schedule", args=[accompaniment.pk])

    past = staff_client.post(url, {"scheduled_for": (timezone.localdate() - timedelta(days=1)).isoformat()})
    staff_client.post(url, {"scheduled_for": new_date.isoformat()})
    evaluation = Evaluation.objects.get(kind=EvaluationKind.IMPACT)
    services.evaluation_launch(evaluation_id=evaluation.pk)
    late = staff_client.post(url, {"scheduled_for": (new_date + timedelta(days=5)).isoformat()})

    assert "Choisissez aujourd&#x27;hui ou une date à venir." in past.content.decode()
    assert "déjà partie" in late.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.scheduled_for == new_date


def test_overdue_evaluation_is_flagged_in_words(staff_client, accompaniment, staff_user, participants):
    advance(accompaniment, staff_user, participants, phases=3)
    services.evaluation_send_hot(accompaniment=accompaniment, by=staff_user)
    Evaluation.objects.filter(kind=EvaluationKind.HOT).update(
        answer_by=timezone.localdate() - timedelta(days=1)
    )

    content = staff_client.get(accompaniment.get_absolute_url()).content.decode()

    assert "Évaluation en retard : aucune réponse à la date prévue" in content


def test_results_show_means_by_side_and_comments(staff_client, accompaniment, staff_user, participants):
    advance(accompaniment, staff_user, participants, phases=3)
    fill_current_phase(accompaniment, staff_user, participants)

    content = staff_client.get(accompaniment.get_absolute_url()).content.decode()

    assert "1 réponse(s) sur 2 invitation(s)" in content
    assert "« Très utile »" in content
    assert "<td><strong>4,0</strong></td>" in content
