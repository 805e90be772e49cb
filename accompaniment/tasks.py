import logging

from celery import shared_task

from accompaniment.services import content, evaluations

logger = logging.getLogger(__name__)


@shared_task(name="accompaniment.send_due_evaluations")
def send_due_evaluations() -> dict:
    """Periodic: send the à distance evaluations whose date has come, the reminders due, and the
    reminders to action owners before their due dates — once each (every send claims its row)."""
    launched, reminded = evaluations.send_due_evaluations()
    # The same beat entry (every 15 minutes) carries the action reminders: one sweep, one schedule.
    action_reminders = content.send_action_reminders()
    if launched or reminded or action_reminders:
        logger.info(
            "Accompaniments: %s evaluation(s) launched, %s reminder(s), %s action reminder(s)",
            launched,
            reminded,
            action_reminders,
        )
    return {"launched": launched, "reminded": reminded, "action_reminders": action_reminders}
