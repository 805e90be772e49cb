import logging

from celery import shared_task

from cops import mail

logger = logging.getLogger(__name__)


@shared_task(name="cops.deliver_email")
def deliver_email(*, email_id: int) -> None:
    mail.deliver(email_id)


@shared_task(name="cops.flush_outbox")
def flush_outbox() -> int:
    """Periodic sweep: send what could not be queued or delivered earlier."""
    sent = sum(mail.deliver(email_id) for email_id in mail.pending_email_ids())
    if sent:
        logger.info("Outbox sweep sent %s email(s)", sent)
    return sent


@shared_task(name="cops.build_report")
def build_report(*, job_id: str) -> None:
    from cops.reports import report_build

    report_build(job_id=job_id)


@shared_task(name="cops.sweep_reports")
def sweep_reports() -> int:
    """Periodic: queue again the report jobs the broker lost or whose worker died."""
    from cops.reports import report_sweep

    return report_sweep()


@shared_task(name="cops.purge_expired_data")
def purge_expired_data() -> dict[str, int]:
    """Nightly: delete the personal data past its retention period (counts logged per category)."""
    from cops.retention import expired_data_purge

    return expired_data_purge()
