"""The outbox (cops/mail.py): render, store, deliver after commit, exactly once, retry on failure."""

import email
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cops import mail as outbox
from cops.models import OutgoingEmail
from cops.tasks import flush_outbox
from tests.factories.cops import OutgoingEmailFactory
from tests.workers import free_port

pytestmark = pytest.mark.django_db


def test_send_templated_email_renders_subject_text_and_html(test_templates):
    sent = outbox.send_templated_email(
        to="lou@exemple.fr",
        template="tests_cops/emails/hello",
        context={"name": "Lou d'Oc"},
        reply_to="a@b.fr",
    )

    row = OutgoingEmail.objects.get()
    assert row == sent
    assert row.to == ["lou@exemple.fr"]
    assert row.subject == "Bienvenue Lou d'Oc sur la plateforme"  # one line, whitespace collapsed
    assert row.body_text == "Bonjour Lou d'Oc,\n\nVotre lien : http://testserver/compte/\n"
    assert row.body_html == "<p>Bonjour <strong>Lou d&#x27;Oc</strong>,</p>\n"
    assert (row.reply_to, row.sent_at, row.attempts) == ("a@b.fr", None, 0)


def test_email_is_delivered_only_after_commit(test_templates, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.send_templated_email(
            to=["a@exemple.fr", "b@exemple.fr"], template="tests_cops/emails/hello", context={"name": "Lou"}
        )
        assert mail.outbox == []

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["a@exemple.fr", "b@exemple.fr"]
    assert message.subject == "Bienvenue Lou sur la plateforme"
    assert message.body == "Bonjour Lou,\n\nVotre lien : http://testserver/compte/\n"
    assert message.alternatives[0].content == "<p>Bonjour <strong>Lou</strong>,</p>\n"
    assert message.from_email == "COPS Occitanie <ne-pas-repondre@cops-occitanie.fr>"


def test_email_without_html_template_is_plain_text(test_templates, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.send_templated_email(
            to="a@exemple.fr", template="tests_cops/emails/plain", context={"name": "Lou"}
        )

    assert mail.outbox[0].body == "Texte seul pour Lou.\n"
    assert mail.outbox[0].alternatives == []


def test_rolled_back_email_is_never_sent(test_templates, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox.send_templated_email(to="a@exemple.fr", template="tests_cops/emails/plain", context={})
            raise RuntimeError("the sender's transaction fails")

    assert callbacks == []
    assert OutgoingEmail.objects.count() == 0
    assert mail.outbox == []


def test_deliver_claims_the_email_exactly_once():
    row = OutgoingEmailFactory()

    first = outbox.deliver(row.pk)
    second = outbox.deliver(row.pk)

    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.attempts == 1
    assert row.sent_at is not None


def test_deliver_skips_an_email_claimed_by_another_worker():
    row = OutgoingEmailFactory(claimed_at=timezone.now() - timedelta(minutes=1))

    assert outbox.deliver(row.pk) is False
    assert mail.outbox == []


def test_bodies_and_attachments_are_cleared_once_sent():
    row = OutgoingEmailFactory(
        body_text="Lien secret : https://x/t/abc\n",
        body_html="<p>secret</p>",
        attachments=[["invitation.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar"]],
    )

    outbox.deliver(row.pk)

    message = mail.outbox[0]
    assert message.attachments[0].filename == "invitation.ics"
    assert message.attachments[0].mimetype == "text/calendar"
    row.refresh_from_db()
    assert (row.body_text, row.body_html, row.attachments, row.last_error) == ("", "", [], "")


def test_smtp_failure_keeps_the_email_records_the_error_and_backs_off(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    row = OutgoingEmailFactory(body_text="Bonjour,\n")
    before = timezone.now()

    sent = outbox.deliver(row.pk)

    row.refresh_from_db()
    assert sent is False
    assert row.sent_at is None
    assert row.claimed_at is None
    assert row.attempts == 1
    assert row.last_error.startswith("ConnectionRefusedError: ")
    assert row.body_text == "Bonjour,\n"  # kept for the next attempt
    # First failure: retry in 2 minutes (2 ** attempts), not before.
    assert before + timedelta(minutes=2) <= row.next_attempt_at <= timezone.now() + timedelta(minutes=2)
    assert outbox.deliver(row.pk) is False
    assert row.pk not in outbox.pending_email_ids()


def test_email_reaches_a_real_smtp_server_after_a_failure(settings, smtp_sink):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    row = OutgoingEmailFactory(
        to=["lou@exemple.fr"], subject="Réunion du comité", body_text="Bonjour,\n", attempts=1,
        last_error="ConnectionRefusedError: earlier", next_attempt_at=timezone.now() - timedelta(seconds=1),
    )  # fmt: skip

    assert outbox.deliver(row.pk) is True

    assert len(smtp_sink.envelopes) == 1
    envelope = smtp_sink.envelopes[0]
    assert envelope.rcpt_tos == ["lou@exemple.fr"]
    message = email.message_from_bytes(envelope.content)
    assert (
        str(email.header.make_header(email.header.decode_header(message["Subject"]))) == "Réunion du comité"
    )
    row.refresh_from_db()
    assert (row.attempts, row.last_error) == (2, "")


def test_flush_outbox_sends_what_is_due_and_only_that():
    due = OutgoingEmailFactory.create_batch(2)
    OutgoingEmailFactory(sent_at=timezone.now(), body_text="")
    OutgoingEmailFactory(next_attempt_at=timezone.now() + timedelta(minutes=5))
    OutgoingEmailFactory(attempts=outbox.MAX_ATTEMPTS)  # given up
    stale_claim = OutgoingEmailFactory(
        claimed_at=timezone.now() - outbox.CLAIM_TIMEOUT - timedelta(seconds=1)
    )

    sent = flush_outbox()

    assert sent == 3
    assert len(mail.outbox) == 3
    assert set(OutgoingEmail.objects.filter(sent_at__isnull=False).values_list("pk", flat=True)) >= {
        due[0].pk,
        due[1].pk,
        stale_claim.pk,
    }
    assert flush_outbox() == 0


def test_flush_outbox_is_scheduled_every_minute(settings):
    assert settings.CELERY_BEAT_SCHEDULE["cops.flush_outbox"] == {
        "task": "cops.flush_outbox",
        "schedule": 60.0,
    }
