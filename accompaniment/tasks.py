import logging

from celery import shared_task

from accompaniment.services import evaluations

logger = logging.getLogger(__name__)


@shared_task(name="accompaniment.send_due_evaluations")
def send_due_evaluations() -> dict:
    """Periodic: send the à distance evaluations whose date has come and the reminders due, once each."""
    launched, reminded = evaluations.send_due_evaluations()
    if launched or reminded:
        logger.info("Accompaniment evaluations: %s launched, %s reminder(s) sent", launched, reminded)
    return {"launched": launched, "reminded": reminded}
