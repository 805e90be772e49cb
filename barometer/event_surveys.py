"""The satisfaction questionnaire of an event of the community, on the barometer's engine.

A survey is a barometer `Campaign` with `event` set and one questionnaire without a public: the
builder pages, the answering pages, the sending engine (rounds, personal links, unsubscribe), the
results and the exports are the barometer's own, unchanged. This module only:

- creates the campaign with a default questionnaire, through the builder's services
  (`survey_create`): year of the event, open from the event's day to 30 days after its end,
  anonymous; round 0 (the thank-you) an hour after the end, a reminder a week later if asked;
- invites the participants once the event is over (`survey_invite_participants`): those checked
  in, else the confirmed registrants (actors.events.messages.thanks_recipients). The round-0
  email is the thank-you (templates barometer/event_surveys/emails/, chosen by the barometer's
  invitation templates when `campaign.event` is set), so actors sends no plain thank-you to an
  event with a survey (`EXTENSION.events_thanked_elsewhere`, actors/events/hooks.py);
- tells actors' event pages about the survey (`EXTENSION`, registered by barometer/apps.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actors.charter_enums import EventKind, MeetingStatus
from actors.events.hooks import EventExtension, PublicLink, StaffTab
from actors.events.messages import THANKS_DELAY, THANKS_WINDOW, thanks_already_sent, thanks_recipients
from actors.models import Meeting
from barometer.enums import CampaignStatus, QuestionType
from barometer.forms import ContactRow
from barometer.models import Campaign, Invitation, Questionnaire, Section
from barometer.services import campaigns as campaign_services
from barometer.services import invitations as invitation_services

logger = logging.getLogger(__name__)

OPEN_DAYS_AFTER = 30
REMINDER_AFTER = timedelta(days=7)

# The low end of the satisfaction scale: « Qu'est-ce qui vous a manqué ? » is asked then only.
LOW_SATISFACTION = ["pas_du_tout", "peu"]
SATISFACTION_SCALE = [
    ("pas_du_tout", gettext_lazy("Pas du tout satisfait·e")),
    ("peu", gettext_lazy("Peu satisfait·e")),
    ("satisfait", gettext_lazy("Satisfait·e")),
    ("tres", gettext_lazy("Très satisfait·e")),
]
MOST_USEFUL = [
    ("interventions", gettext_lazy("Les interventions et témoignages")),
    ("ateliers", gettext_lazy("Les ateliers")),
    ("echanges", gettext_lazy("Les échanges avec les autres participants")),
    ("binomes", gettext_lazy("Les rencontres entre patients, proches et professionnels")),
    ("documents", gettext_lazy("Les documents remis")),
]


# --- Reads ------------------------------------------------------------------------------------------------


def survey_for(event: Meeting) -> Campaign | None:
    return Campaign.all_objects.filter(event=event).first()


def surveys() -> QuerySet[Campaign]:
    return Campaign.all_objects.filter(event__isnull=False)


def survey_questionnaire(campaign: Campaign) -> Questionnaire:
    return campaign.questionnaires.select_related("campaign__event").get()


def response_rate(campaign: Campaign) -> dict:
    """Invited, answered (the invitations that led to a response) and the rate in percent."""
    stats = Invitation.objects.filter(campaign=campaign).values_list("has_responded", flat=True)
    invited = len(stats)
    answered = sum(1 for responded in stats if responded)
    return {
        "invited": invited,
        "answered": answered,
        "rate": round(100 * answered / invited) if invited else None,
    }


# --- Creation ---------------------------------------------------------------------------------------------


def _default_questions(questionnaire: Questionnaire, by) -> None:
    """The default questionnaire, built with the builder's services (the staff then edit it)."""
    Data = campaign_services.QuestionData
    scale = [(value, str(label)) for value, label in SATISFACTION_SCALE]
    first = Section.objects.get(questionnaire=questionnaire)
    campaign_services.section_update(section=first, title=_("Votre avis sur l'événement"), intro="", by=by)
    overall = campaign_services.question_create(
        section=first,
        data=Data(
            code="satisfaction_globale",
            type=QuestionType.LIKERT,
            label=_("Dans l'ensemble, êtes-vous satisfait·e de l'événement ?"),
            required=True,
            choices=scale,
        ),
        by=by,
    )
    campaign_services.question_create(
        section=first,
        data=Data(
            code="organisation",
            type=QuestionType.LIKERT,
            label=_("Êtes-vous satisfait·e de son organisation (accueil, horaires, lieu, accessibilité) ?"),
            choices=scale,
        ),
        by=by,
    )
    campaign_services.question_create(
        section=first,
        data=Data(
            code="contenus",
            type=QuestionType.LIKERT,
            label=_("Êtes-vous satisfait·e de ses contenus (interventions, ateliers, échanges) ?"),
            choices=scale,
        ),
        by=by,
    )
    second = campaign_services.section_create(
        questionnaire=questionnaire, title=_("Ce que vous en retenez"), by=by
    )
    campaign_services.question_create(
        section=second,
        data=Data(
            code="plus_utile",
            type=QuestionType.MULTIPLE,
            label=_("Qu'est-ce qui vous a été le plus utile ?"),
            help_text=_("Plusieurs réponses possibles."),
            allow_other=True,
            choices=[(value, str(label)) for value, label in MOST_USEFUL],
        ),
        by=by,
    )
    campaign_services.question_create(
        section=second,
        data=Data(
            code="manque",
            type=QuestionType.LONG_TEXT,
            label=_("Qu'est-ce qui vous a manqué ?"),
            help_text=_("Vos mots nous aident à faire mieux la prochaine fois."),
            show_if_question=overall,
            show_if_values=LOW_SATISFACTION,
        ),
        by=by,
    )
    campaign_services.question_create(
        section=second,
        data=Data(
            code="recommander",
            type=QuestionType.YES_NO,
            label=_("Recommanderiez-vous cet événement à une personne de votre entourage ?"),
        ),
        by=by,
    )
    campaign_services.question_create(
        section=second,
        data=Data(
            code="suggestions",
            type=QuestionType.LONG_TEXT,
            label=_("Vos suggestions pour les prochains événements"),
        ),
        by=by,
    )


def _local_date(moment: datetime):
    return timezone.localtime(moment).date()


def survey_create(*, event: Meeting, by=None, with_reminder: bool = True) -> Campaign:
    """The event's satisfaction questionnaire, in preparation, with its default questions and its
    sending dates. Refused (French message, nothing saved) for a committee meeting, a cancelled
    event, an event that already has one, or whose participants already got the plain thank-you
    (they would be thanked twice)."""
    if event.kind == EventKind.COMMITTEE:
        raise ValidationError(_("Une réunion d'instance n'a pas de questionnaire de satisfaction."))
    if event.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("L'événement est annulé : il n'y a personne à interroger."))
    if thanks_already_sent(event):
        raise ValidationError(
            _(
                "Les participants ont déjà reçu le courriel de remerciement : un questionnaire les "
                "remercierait une seconde fois."
            )
        )
    try:
        with transaction.atomic():
            event = Meeting.objects.select_for_update().get(pk=event.pk)
            if Campaign.all_objects.filter(event=event).exists():
                raise ValidationError(_("Cet événement a déjà son questionnaire de satisfaction."))
            campaign = Campaign.all_objects.create(
                year=timezone.localtime(event.starts_at).year,
                event=event,
                title=(_("Satisfaction — %(title)s") % {"title": event.title})[:200],
                intro=_(
                    "Quelques minutes pour nous dire ce que vous avez pensé de cet événement : vos "
                    "réponses nous aident à préparer les suivants."
                ),
                opens_on=_local_date(event.starts_at),
                closes_on=_local_date(event.ends_at) + timedelta(days=OPEN_DAYS_AFTER),
                anonymous=True,
            )
            questionnaire = Questionnaire.objects.create(
                campaign=campaign, public="", title=_("Questionnaire de satisfaction"), position=0
            )
            Section.objects.create(questionnaire=questionnaire, title=_("Page 1"), position=0)
            _default_questions(questionnaire, by)
            thanks_at = max(event.ends_at + THANKS_DELAY, timezone.now())
            moments = [thanks_at, thanks_at + REMINDER_AFTER] if with_reminder else [thanks_at]
            campaign_services.campaign_schedule_rounds(campaign=campaign, moments=moments, by=by)
    except IntegrityError:
        # Created by a concurrent request (the one-survey-per-event constraint had the last word).
        raise ValidationError(_("Cet événement a déjà son questionnaire de satisfaction.")) from None
    if event.ends_at <= timezone.now():
        survey_invite_participants(campaign=campaign)
    return campaign


def survey_set_status(*, campaign: Campaign, status: str, by=None) -> Campaign:
    """Open, close, reopen or publish the questionnaire (the barometer's rules). Opened after the
    event, its participants are invited at once: the thank-you leaves at the next sending pass."""
    campaign = campaign_services.campaign_set_status(campaign=campaign, status=status, by=by)
    if status == CampaignStatus.OPEN and campaign.event.ends_at <= timezone.now():
        survey_invite_participants(campaign=campaign)
    return campaign


# --- Invitations --------------------------------------------------------------------------------------------


def survey_invite_participants(*, campaign: Campaign) -> int:
    """The event's participants become the survey's invitations (those already invited are kept:
    a person checked in late is added). Returns the number of new invitations."""
    event = campaign.event
    rows = [
        ContactRow(line=number, email=participant.email.strip().lower(), name=participant.name, public="")
        for number, participant in enumerate(thanks_recipients(event), start=1)
    ]
    if not rows:
        return 0
    result = invitation_services.invitations_import(campaign=campaign, rows=rows, errors=[])
    if result.created:
        logger.info("Event %s: %s participant(s) invited to the survey", event.pk, result.created)
    return result.created


def surveys_invite_due(now: datetime) -> int:
    """actors' periodic task (hooks.after_events): the surveys of events ended in the last week,
    still in preparation or open, invite their participants."""
    due = (
        surveys()
        .filter(
            event__ends_at__lte=now,
            event__ends_at__gt=now - THANKS_WINDOW,
            status__in=[CampaignStatus.DRAFT, CampaignStatus.OPEN],
        )
        .select_related("event")
    )
    return sum(survey_invite_participants(campaign=campaign) for campaign in due)


# --- What actors' event pages get (actors/events/hooks.py) ------------------------------------------------


def _staff_tabs(event: Meeting) -> list[StaffTab]:
    if event.kind == EventKind.COMMITTEE or not event.pk:
        return []
    return [
        StaffTab(
            "survey", _("Questionnaire de satisfaction"), reverse("barometer:event_survey", args=[event.pk])
        )
    ]


def _public_links(event: Meeting) -> list[PublicLink]:
    """The published results, once the staff publish them (small numbers hidden there)."""
    if not event.is_public or not surveys().filter(event=event, status=CampaignStatus.PUBLISHED).exists():
        return []
    return [
        PublicLink(
            _("Ce qu'en ont pensé les participants"),
            reverse("barometer:event_survey_public", args=[event.slug]),
        )
    ]


def _events_thanked_elsewhere(event_ids) -> set[int]:
    return set(surveys().filter(event_id__in=list(event_ids)).values_list("event_id", flat=True))


EXTENSION = EventExtension(
    name="barometer",
    staff_tabs=_staff_tabs,
    public_links=_public_links,
    events_thanked_elsewhere=_events_thanked_elsewhere,
    after_events=surveys_invite_due,
)
