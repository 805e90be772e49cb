"""The unsubscribe link carries a token of its own: the List-Unsubscribe header goes to the mail
providers' unsubscribe services, which must never receive the secret that opens the answers."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from barometer.models import Delivery, SendingRound
from barometer.services import sending
from cops.tokens import hash_token
from tests.factories.barometer import make_invitation, make_link

ANSWER_LINK = re.compile(r"http://testserver/barometre/r/([A-Za-z0-9_-]+)/")
UNSUBSCRIBE_LINK = re.compile(r"http://testserver/barometre/desinscription/([A-Za-z0-9_-]+)/")


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.BAROMETER_EMAILS_PER_MINUTE = 0


@pytest.fixture
def emailed(questionnaire):
    """One invitation sent: (invitation, answering token, unsubscribe token, the email)."""
    invitation = make_invitation(questionnaire, email="a@exemple.fr")
    sending_round = SendingRound.objects.create(
        campaign=questionnaire.campaign, number=0, scheduled_at=timezone.now() - timedelta(minutes=1)
    )
    sending.send_round(round_id=sending_round.pk)
    [message] = mail.outbox
    answer_token = ANSWER_LINK.search(message.body).group(1)
    unsubscribe_token = UNSUBSCRIBE_LINK.search(message.body).group(1)
    return invitation, answer_token, unsubscribe_token, message


def test_email_unsubscribe_link_and_header_carry_a_token_other_than_the_answering_one(emailed):
    _invitation, answer_token, unsubscribe_token, message = emailed

    html = message.alternatives[0][0]
    header = message.extra_headers["List-Unsubscribe"]

    assert unsubscribe_token != answer_token
    assert header == f"<http://testserver/barometre/desinscription/{unsubscribe_token}/>"
    assert f'href="http://testserver/barometre/desinscription/{unsubscribe_token}/"' in html
    assert answer_token not in header
    assert [hash_token(answer_token), hash_token(unsubscribe_token)] == list(
        Delivery.objects.values_list("token_hash", "unsubscribe_hash").get()
    )


def test_unsubscribe_token_unsubscribes(emailed):
    invitation, _answer_token, unsubscribe_token, _message = emailed

    response = Client(enforce_csrf_checks=True).post(f"/barometre/desinscription/{unsubscribe_token}/")

    invitation.refresh_from_db()
    assert response.status_code == 200
    assert invitation.unsubscribed_at is not None


def test_unsubscribe_token_does_not_open_the_questionnaire(emailed, client):
    _invitation, _answer_token, unsubscribe_token, _message = emailed

    response = client.get(f"/barometre/r/{unsubscribe_token}/")

    assert response.status_code == 404
    assert "barometer_key" not in str(client.session.items())


def test_answering_token_of_a_new_email_does_not_unsubscribe(emailed, client):
    invitation, answer_token, _unsubscribe_token, _message = emailed

    shown = client.get(f"/barometre/desinscription/{answer_token}/")
    posted = client.post(f"/barometre/desinscription/{answer_token}/")

    invitation.refresh_from_db()
    assert (shown.status_code, posted.status_code) == (404, 404)
    assert invitation.unsubscribed_at is None
    assert client.get(f"/barometre/r/{answer_token}/").status_code == 302  # it still opens the answers


def test_answering_token_of_an_email_sent_before_unsubscribe_tokens_still_unsubscribes(questionnaire, client):
    # Emails already in inboxes carry the answering token in their unsubscribe link and header.
    invitation = make_invitation(questionnaire, email="ancien@exemple.fr")
    old_token = make_link(invitation)

    response = client.post(f"/barometre/desinscription/{old_token}/")

    invitation.refresh_from_db()
    assert response.status_code == 200
    assert invitation.unsubscribed_at is not None
    assert Delivery.objects.get().unsubscribe_hash is None
