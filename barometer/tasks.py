import logging

from celery import shared_task

from barometer.services import sending

logger = logging.getLogger(__name__)


@shared_task(name="barometer.send_due_rounds")
def send_due_rounds() -> int:
    """Periodic (beat): queue every round whose date has come; each round runs at most once at a time."""
    rounds = sending.due_rounds()
    for sending_round in rounds:
        send_round.apply_async(kwargs={"round_id": sending_round.pk})
    return len(rounds)


@shared_task(name="barometer.send_round")
def send_round(*, round_id: int) -> int:
    result = sending.send_round(round_id=round_id)
    if result.busy:
        logger.info("Barometer round %s is being sent by another worker", round_id)
    return result.sent


@shared_task(name="barometer.publish_report")
def publish_report(*, campaign_id: int) -> None:
    from barometer.services.reports import report_publish

    report_publish(campaign_id=campaign_id)
