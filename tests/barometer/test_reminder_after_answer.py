"""Who answers or unsubscribes while their reminder batch is being sent gets no reminder: the
invitation is read again in the statement that marks the group "committing" (its commit point)."""

import pytest
from django.core import mail
from django.test import Client

from barometer.enums import DeliveryStatus
from barometer.models import Delivery
from barometer.services import sending
from tests.barometer.conftest import answer_all
from tests.barometer.test_sending import schedule
from tests.factories.barometer import (
    PAGE_ANSWERS,
    CampaignFactory,
    make_invitation,
    make_link,
    make_questionnaire,
)
from tests.workers import SMTPSink


def _answer_and_unsubscribe_after_the_claim(monkeypatch):
    """Three people invited (round 0 sent); the reminder round is claimed for all three, then,
    before the commit point of their group, one answers and one unsubscribes."""
    questionnaire = make_questionnaire(CampaignFactory())
    links = {
        email: make_link(make_invitation(questionnaire, email=email))
        for email in ("repondu@exemple.fr", "desinscrit@exemple.fr", "attente@exemple.fr")
    }
    sending_round = schedule(questionnaire.campaign, 1, minutes_ago=0)
    real_mark_committing = sending._mark_committing
    claims_seen = []

    def meanwhile(hashes, accepted):
        if not claims_seen:
            claims_seen.append(Delivery.objects.filter(round=1, status=DeliveryStatus.CLAIMED).count())
            respondent = Client()
            respondent.get(f"/barometre/r/{links['repondu@exemple.fr']}/")
            answer_all(respondent, questionnaire, PAGE_ANSWERS)
            Client().post(f"/barometre/desinscription/{links['desinscrit@exemple.fr']}/")
        return real_mark_committing(hashes, accepted)

    monkeypatch.setattr(sending, "_mark_committing", meanwhile)
    return sending_round, claims_seen


def _reminders() -> list[tuple[str, str, str]]:
    return sorted(Delivery.objects.filter(round=1).values_list("invitation__email", "status", "error"))


EXPECTED = [
    ("attente@exemple.fr", DeliveryStatus.SENT, ""),
    ("desinscrit@exemple.fr", DeliveryStatus.SKIPPED, "Non envoyé : désinscription pendant l'envoi."),
    ("repondu@exemple.fr", DeliveryStatus.SKIPPED, "Non envoyé : réponse reçue pendant l'envoi."),
]


@pytest.mark.django_db(transaction=True)
def test_response_submitted_between_claim_and_commit_gets_no_reminder(settings, monkeypatch):
    settings.BAROMETER_EMAILS_PER_MINUTE = 0
    settings.BAROMETER_SMTP_CONNECTIONS = 8  # the three in one group
    sending_round, claims_seen = _answer_and_unsubscribe_after_the_claim(monkeypatch)
    mail.outbox.clear()

    result = sending.send_round(round_id=sending_round.pk)

    assert claims_seen == [3]
    assert (result.sent, result.failed) == (1, 0)
    assert [m.to for m in mail.outbox] == [["attente@exemple.fr"]]
    assert _reminders() == EXPECTED
    skipped = Delivery.objects.filter(round=1, status=DeliveryStatus.SKIPPED)
    assert list(skipped.values_list("token_hash", "unsubscribe_hash")) == [(None, None), (None, None)]


@pytest.mark.django_db(transaction=True)
def test_reminded_set_over_real_smtp_excludes_who_answered_during_the_round(settings, monkeypatch):
    settings.BAROMETER_EMAILS_PER_MINUTE = 0
    settings.BAROMETER_SMTP_CONNECTIONS = 8
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    sending_round, claims_seen = _answer_and_unsubscribe_after_the_claim(monkeypatch)

    with SMTPSink() as sink:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        result = sending.send_round(round_id=sending_round.pk)

    assert claims_seen == [3]
    assert (result.sent, result.failed) == (1, 0)
    assert sink.recipients() == ["attente@exemple.fr"]
    assert _reminders() == EXPECTED
