"""A real Celery worker, against Redis and the test database, builds a report and sends its email."""

import email
import re
from email.header import decode_header, make_header

import pypdf
import pytest

from actors.enums import Role
from cops.enums import ReportStatus
from cops.models import OutgoingEmail, ReportJob
from cops.reports import report_request
from tests.factories.actors import UserFactory


@pytest.fixture
def worker_options(tmp_path, settings) -> dict:
    """The `celery_worker` (tests/workers.py) writes the report where this process reads it, and
    the email's links point at the site."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return {"env": {"PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT), "SITE_URL": "https://cops.test"}}


@pytest.mark.celery
def test_real_worker_builds_the_activity_report_and_emails_its_link(
    transactional_db, celery_worker, smtp_sink
):
    staff = UserFactory(
        email="equipe@exemple.fr", first_name="Camille", last_name="Durand", roles=[Role.STAFF, Role.PARTNER]
    )
    UserFactory.create_batch(2)  # with the staff member: 3 verified partners

    job = report_request(kind="platform.activity", params={}, by=staff)

    finished = celery_worker.wait_until(
        lambda: ReportJob.objects.filter(
            pk=job.pk, status__in=[ReportStatus.DONE, ReportStatus.FAILED]
        ).first()
    )
    assert finished.status == ReportStatus.DONE, finished.error
    assert finished.attempts == 1
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(finished.file.path).pages)
    assert "Rapport d'activité de la plateforme" in text
    assert "Partenaires inscrits sur la plateforme 3" in text
    assert "à la demande de Camille Durand" in text
    assert re.search(r"Page 1 / [12]\b", text)

    envelopes = celery_worker.wait_until(lambda: smtp_sink.envelopes)
    assert len(envelopes) == 1
    assert envelopes[0].rcpt_tos == ["equipe@exemple.fr"]
    message = email.message_from_bytes(envelopes[0].content)
    assert str(make_header(decode_header(message["Subject"]))) == (
        "Votre rapport « Rapport d'activité de la plateforme » est prêt"
    )
    plain = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    assert f"https://cops.test/rapports/{job.pk}/telecharger/" in plain.get_payload(decode=True).decode()
    # The server has the message before the worker commits its « sent » mark: wait for the mark.
    sent = celery_worker.wait_until(
        lambda: OutgoingEmail.objects.filter(
            template="reports/emails/report_ready", sent_at__isnull=False
        ).first()
    )
    assert sent.body_text == ""  # cleared once delivered
