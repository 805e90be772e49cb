import re
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connections
from django.test import Client
from django.utils import timezone

from barometer import tasks
from barometer.enums import DeliveryStatus
from barometer.models import Delivery, Invitation, SendingRound
from barometer.services import sending
from cops.tokens import hash_token
from tests.factories.barometer import make_invitation
from tests.workers import SMTPSink, free_port

LINK = re.compile(r"http://testserver/barometre/r/([A-Za-z0-9_-]+)/")


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.BAROMETER_EMAILS_PER_MINUTE = 0  # no pacing, except where a test sets it
    settings.BAROMETER_SMTP_CONNECTIONS = 1  # one email at a time, except where a test sets more


def schedule(campaign, number, minutes_ago=60):
    return SendingRound.objects.create(
        campaign=campaign, number=number, scheduled_at=timezone.now() - timedelta(minutes=minutes_ago)
    )


def test_invitation_round_sends_each_person_one_email_with_their_links(questionnaire):
    people = [
        make_invitation(questionnaire, email=f"p{i}@exemple.fr", name=f"Personne {i}") for i in range(3)
    ]
    sending_round = schedule(questionnaire.campaign, 0)

    result = sending.send_round(round_id=sending_round.pk)

    assert (result.sent, result.failed) == (3, 0)
    assert sorted(m.to[0] for m in mail.outbox) == ["p0@exemple.fr", "p1@exemple.fr", "p2@exemple.fr"]
    message = next(m for m in mail.outbox if m.to == ["p1@exemple.fr"])
    assert message.subject == "Baromètre régional du partenariat en santé 2026 : votre avis compte"
    assert "Bonjour Personne 1," in message.body
    token = LINK.search(message.body).group(1)
    unsubscribe = re.search(r"/barometre/desinscription/([A-Za-z0-9_-]+)/", message.body).group(1)
    assert unsubscribe != token
    assert (
        message.extra_headers["List-Unsubscribe"]
        == f"<http://testserver/barometre/desinscription/{unsubscribe}/>"
    )
    delivery = Delivery.objects.get(invitation=people[1], round=0)
    assert delivery.status == DeliveryStatus.SENT
    assert (delivery.token_hash, delivery.unsubscribe_hash) == (hash_token(token), hash_token(unsubscribe))
    stored = str(list(Delivery.objects.values_list("token_hash", "unsubscribe_hash")))
    assert token not in stored and unsubscribe not in stored
    assert Client().get(f"/barometre/r/{token}/")["Location"] == f"/barometre/q/{questionnaire.public_key}/"


def test_round_passed_twice_sends_nothing_more(questionnaire):
    make_invitation(questionnaire, email="a@exemple.fr")
    sending_round = schedule(questionnaire.campaign, 0)
    sending.send_round(round_id=sending_round.pk)

    again = sending.send_round(round_id=sending_round.pk)

    assert again.sent == 0
    assert len(mail.outbox) == 1
    assert Delivery.objects.count() == 1


def test_reminder_goes_only_to_those_who_neither_answered_nor_unsubscribed(questionnaire):
    campaign = questionnaire.campaign
    answered = make_invitation(questionnaire, email="repondu@exemple.fr")
    unsubscribed = make_invitation(questionnaire, email="desinscrit@exemple.fr")
    pending = make_invitation(questionnaire, email="attente@exemple.fr")
    sending.send_round(round_id=schedule(campaign, 0, minutes_ago=120).pk)
    Invitation.objects.filter(pk=answered.pk).update(has_responded=True)
    Invitation.objects.filter(pk=unsubscribed.pk).update(unsubscribed_at=timezone.now())
    mail.outbox.clear()

    result = sending.send_round(round_id=schedule(campaign, 1, minutes_ago=0).pk)

    assert result.sent == 1
    assert [m.to for m in mail.outbox] == [["attente@exemple.fr"]]
    assert mail.outbox[0].subject == "Rappel : baromètre régional du partenariat en santé 2026"
    assert list(Delivery.objects.filter(round=1).values_list("invitation", flat=True)) == [pending.pk]


def test_reminder_skips_people_imported_after_its_date(questionnaire):
    campaign = questionnaire.campaign
    reminder = schedule(campaign, 1, minutes_ago=30)
    make_invitation(questionnaire, email="tard@exemple.fr")
    sending.send_round(round_id=schedule(campaign, 0, minutes_ago=120).pk)  # invited just now
    mail.outbox.clear()

    result = sending.send_round(round_id=reminder.pk)

    assert result.sent == 0
    assert mail.outbox == []


def test_due_rounds_task_sends_only_due_rounds_of_open_campaigns(
    questionnaire, django_capture_on_commit_callbacks
):
    campaign = questionnaire.campaign
    make_invitation(questionnaire, email="a@exemple.fr")
    schedule(campaign, 0)
    SendingRound.objects.create(campaign=campaign, number=1, scheduled_at=timezone.now() + timedelta(days=3))

    queued = tasks.send_due_rounds.apply().get()

    assert queued == 1
    assert [m.to for m in mail.outbox] == [["a@exemple.fr"]]
    assert list(Delivery.objects.values_list("round", flat=True)) == [0]


def test_closed_campaign_sends_nothing(questionnaire):
    campaign = questionnaire.campaign
    campaign.closes_on = timezone.localdate() - timedelta(days=1)
    campaign.save()
    make_invitation(questionnaire, email="a@exemple.fr")
    sending_round = schedule(campaign, 0)

    assert sending.due_rounds() == []
    assert sending.send_round(round_id=sending_round.pk).sent == 0
    assert mail.outbox == []


def test_rows_left_by_a_dead_worker_claimed_are_resent_committing_are_not(questionnaire):
    claimed = make_invitation(questionnaire, email="claimed@exemple.fr")
    committing = make_invitation(questionnaire, email="committing@exemple.fr")
    sending_round = schedule(questionnaire.campaign, 0)
    Delivery.objects.create(invitation=claimed, round=0, status=DeliveryStatus.CLAIMED, attempts=0)
    Delivery.objects.create(
        invitation=committing, round=0, status=DeliveryStatus.COMMITTING, token_hash="x" * 64
    )

    result = sending.send_round(round_id=sending_round.pk)

    assert (result.sent, result.recovered) == (1, 1)
    assert [m.to for m in mail.outbox] == [["claimed@exemple.fr"]]
    assert dict(Delivery.objects.values_list("invitation__email", "status")) == {
        "claimed@exemple.fr": DeliveryStatus.SENT,
        "committing@exemple.fr": DeliveryStatus.UNCERTAIN,
    }
    assert Delivery.objects.get(invitation=committing).error == (
        "Envoi interrompu après transmission au serveur : le serveur de messagerie a peut-être reçu ce "
        "courriel ; il n'est jamais renvoyé pour éviter un doublon."
    )


@pytest.mark.django_db(transaction=True)
def test_round_held_by_another_worker_is_left_alone(campaign_tx):
    questionnaire, sending_round = campaign_tx
    other = connections.create_connection("default")
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [sending.ROUND_LOCK_NAMESPACE, sending_round.pk])

    result = sending.send_round(round_id=sending_round.pk)

    other.close()
    assert result.busy is True
    assert Delivery.objects.count() == 0
    assert mail.outbox == []


@pytest.fixture
def campaign_tx(transactional_db):
    from tests.factories.barometer import CampaignFactory, make_questionnaire

    questionnaire = make_questionnaire(CampaignFactory())
    make_invitation(questionnaire, email="a@exemple.fr")
    return questionnaire, schedule(questionnaire.campaign, 0)


def test_sending_rate_is_honoured(questionnaire, settings):
    settings.BAROMETER_EMAILS_PER_MINUTE = 600  # one every 0.1 s
    for i in range(5):
        make_invitation(questionnaire, email=f"p{i}@exemple.fr")
    sending_round = schedule(questionnaire.campaign, 0)

    started = time.monotonic()
    sending.send_round(round_id=sending_round.pk)
    elapsed = time.monotonic() - started

    assert len(mail.outbox) == 5
    assert elapsed >= 0.4


def test_refused_address_is_recorded_as_a_failure_over_real_smtp(questionnaire, settings):
    make_invitation(questionnaire, email="ok@exemple.fr")
    make_invitation(questionnaire, email="inconnu@exemple.fr")
    sending_round = schedule(questionnaire.campaign, 0)
    with SMTPSink(refuse={"inconnu@exemple.fr"}) as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port

        result = sending.send_round(round_id=sending_round.pk)

    assert (result.sent, result.failed) == (1, 1)
    assert sink.recipients() == ["ok@exemple.fr"]
    failed = Delivery.objects.get(status=DeliveryStatus.FAILED)
    assert failed.invitation.email == "inconnu@exemple.fr"
    assert "Destinataire refusé : inconnu@exemple.fr (550" in failed.error
    body = sink.messages[0][1].get_body(preferencelist=("plain",)).get_content()
    assert "/barometre/r/" in body


def test_unreachable_smtp_server_leaves_claims_for_the_next_pass(questionnaire, settings):
    make_invitation(questionnaire, email="a@exemple.fr")
    sending_round = schedule(questionnaire.campaign, 0)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2

    result = sending.send_round(round_id=sending_round.pk)

    assert result.sent == 0
    assert "ConnectionRefusedError" in result.interrupted
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.CLAIMED, 1)
    with SMTPSink() as sink:
        settings.EMAIL_PORT = sink.port
        assert sending.send_round(round_id=sending_round.pk).sent == 1
    assert sink.recipients() == ["a@exemple.fr"]


def test_unsubscribe_link_shows_a_button_then_unsubscribes(questionnaire):
    invitation = make_invitation(questionnaire, email="a@exemple.fr")
    sending.send_round(round_id=schedule(questionnaire.campaign, 0).pk)
    token = re.search(r"/barometre/desinscription/([A-Za-z0-9_-]+)/", mail.outbox[0].body).group(1)
    client = Client(enforce_csrf_checks=True)

    page = client.get(f"/barometre/desinscription/{token}/")
    invitation.refresh_from_db()
    assert invitation.unsubscribed_at is None
    assert "Me désinscrire" in page.content.decode()

    done = client.post(f"/barometre/desinscription/{token}/")  # RFC 8058 one-click: no CSRF token

    invitation.refresh_from_db()
    assert invitation.unsubscribed_at is not None
    assert "Vous ne recevrez plus de courriel pour le baromètre 2026" in done.content.decode()


def test_unsubscribe_with_a_bad_token_says_so(client, db):
    response = client.post("/barometre/desinscription/pas-un-vrai-jeton-0123456789/")

    assert response.status_code == 404
    assert "Ce lien n'est pas valide" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_concurrent_passes_of_a_round_send_each_email_once(settings):
    from tests.factories.barometer import CampaignFactory, make_questionnaire

    settings.BAROMETER_EMAILS_PER_MINUTE = 6000
    settings.BAROMETER_SMTP_CONNECTIONS = 3  # each pass sends groups of three
    questionnaire = make_questionnaire(CampaignFactory())
    for i in range(30):
        make_invitation(questionnaire, email=f"p{i}@exemple.fr")
    sending_round = schedule(questionnaire.campaign, 0)
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(sending.send_round(round_id=sending_round.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(r.busy for r in results) == [False, True]
    assert sum(r.sent for r in results) == 30
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"p{i}@exemple.fr" for i in range(30))
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 30


def test_names_are_filled_in_per_person_and_escaped_in_html(questionnaire):
    make_invitation(questionnaire, email="a@exemple.fr", name="<b>Zoé</b>")
    make_invitation(questionnaire, email="b@exemple.fr", name="")
    sending.send_round(round_id=schedule(questionnaire.campaign, 0).pk)

    by_address = {m.to[0]: m for m in mail.outbox}
    html = by_address["a@exemple.fr"].alternatives[0][0]

    assert "Bonjour <b>Zoé</b>," in by_address["a@exemple.fr"].body
    assert "Bonjour &lt;b&gt;Zoé&lt;/b&gt;," in html
    assert "Bonjour," in by_address["b@exemple.fr"].body
    assert LINK.search(by_address["a@exemple.fr"].body).group(1) != LINK.search(
        by_address["b@exemple.fr"].body
    ).group(1)
    assert "\x00" not in by_address["a@exemple.fr"].body + html
