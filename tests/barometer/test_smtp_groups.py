"""Several emails over several SMTP connections at once, one commit before their final dots
(cops/smtp.py), against a real SMTP server on loopback."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from barometer.enums import DeliveryStatus
from barometer.models import Delivery
from barometer.services import sending
from cops.smtp import Envelope, SMTPPool, TemporarySMTPError, transparent
from tests.barometer.test_sending import schedule
from tests.factories.barometer import make_invitation
from tests.workers import SMTPSink, free_port


def envelope(key: int, address: str) -> Envelope:
    data = f"From: cops@exemple.fr\nTo: {address}\nSubject: essai {key}\n\n.ligne qui commence par un point\n"
    return Envelope(key=key, sender="cops@exemple.fr", recipients=[address], data=transparent(data.encode()))


@pytest.fixture
def smtp_settings(settings):
    def point_to(port: int) -> None:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port

    return point_to


def test_a_group_is_committed_once_then_each_message_goes_or_says_why_not(smtp_settings):
    group = [envelope(n, f"p{n}@exemple.fr") for n in range(5)]
    group[1].recipients = ["inconnu@exemple.fr"]
    group[3].recipients = ["refuse@exemple.fr"]
    commits = []

    def before_commit(ready):
        commits.append([e.key for e in ready])
        return {e.key for e in ready} - {4}  # the database says no to the last one

    with SMTPSink(refuse={"inconnu@exemple.fr"}, refuse_data={"refuse@exemple.fr"}) as sink:
        smtp_settings(sink.port)
        pool = SMTPPool(5)
        pool.send(group, before_commit)
        pool.close()

    assert commits == [[0, 2, 3, 4]]  # one call, for those the server was ready to take
    assert [(e.key, e.accepted) for e in group] == [(0, True), (1, False), (2, True), (3, False), (4, False)]
    assert group[1].error.startswith("Destinataire refusé : inconnu@exemple.fr (550")
    assert group[3].error.startswith("Message refusé (554")
    assert group[4].error == ""  # held back before its dot: nothing happened
    assert sorted(sink.recipients()) == ["p0@exemple.fr", "p2@exemple.fr"]
    first = sink.messages[0][1]
    assert first.get_content().startswith(".ligne qui commence par un point")  # dots un-doubled


def test_connections_are_kept_for_the_next_group(smtp_settings):
    with SMTPSink() as sink:
        smtp_settings(sink.port)
        pool = SMTPPool(2)
        pool.send([envelope(0, "a@exemple.fr"), envelope(1, "b@exemple.fr")], lambda ready: {0, 1})
        sockets = [c.smtp.sock for c in pool.connections]
        pool.send([envelope(2, "c@exemple.fr")], lambda ready: {2})
        assert [c.smtp.sock for c in pool.connections] == sockets
        pool.close()

    assert sorted(sink.recipients()) == [
        "a@exemple.fr",
        "b@exemple.fr",
        "c@exemple.fr",
    ]  # a, b side by side


def test_no_server_means_nothing_committed(smtp_settings):
    smtp_settings(free_port())
    group = [envelope(0, "a@exemple.fr")]
    committed = []

    with pytest.raises(TemporarySMTPError):
        SMTPPool(1).send(group, lambda ready: committed.append(ready) or {0})

    assert committed == []
    assert not group[0].accepted


def test_a_round_over_smtp_commits_once_per_group_of_connections(questionnaire, settings):
    settings.BAROMETER_SMTP_CONNECTIONS = 8
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    for n in range(30):
        make_invitation(questionnaire, email=f"p{n:02d}@exemple.fr", name=f"Personne {n}")
    sending_round = schedule(questionnaire.campaign, 0)

    with SMTPSink() as sink:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        with CaptureQueriesContext(connection) as queries:
            result = sending.send_round(round_id=sending_round.pk)

    committing = [q["sql"] for q in queries.captured_queries if "unnest" in q["sql"]]
    assert (result.sent, result.failed) == (30, 0)
    assert len(committing) == 4  # 8 + 8 + 8 + 6
    questionnaire_reads = [
        q for q in queries.captured_queries if 'FROM "barometer_questionnaire"' in q["sql"]
    ]
    assert len(questionnaire_reads) == 1  # with the round, not once per batch
    assert sorted(sink.recipients()) == [f"p{n:02d}@exemple.fr" for n in range(30)]
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 30
    assert Delivery.objects.filter(token_hash__isnull=True).count() == 0
    bodies = {tos[0]: message.get_body(("plain",)).get_content() for tos, message in sink.messages}
    assert "Bonjour Personne 7," in bodies["p07@exemple.fr"]
