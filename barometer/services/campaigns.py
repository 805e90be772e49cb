"""Campaigns, their questionnaires and the questionnaire builder (staff only)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from barometer.enums import CampaignStatus, Public, QuestionType
from barometer.models import Campaign, Choice, Question, Questionnaire, Section, SendingRound
from barometer.reference import YES_NO_CHOICES

ALLOWED_TRANSITIONS = {
    CampaignStatus.DRAFT: {CampaignStatus.OPEN},
    CampaignStatus.OPEN: {CampaignStatus.CLOSED},
    CampaignStatus.CLOSED: {CampaignStatus.OPEN, CampaignStatus.PUBLISHED},
    CampaignStatus.PUBLISHED: {CampaignStatus.CLOSED},
}


@transaction.atomic
def campaign_create(
    *,
    year: int,
    title: str,
    opens_on: date,
    closes_on: date,
    anonymous: bool = True,
    intro: str = "",
    by=None,
) -> Campaign:
    """An empty edition with its five questionnaires (one page each, no question yet)."""
    campaign = Campaign.objects.create(
        year=year, title=title, intro=intro, opens_on=opens_on, closes_on=closes_on, anonymous=anonymous
    )
    for position, public in enumerate(Public):
        questionnaire = Questionnaire.objects.create(
            campaign=campaign, public=public, title=str(public.label), position=position
        )
        Section.objects.create(questionnaire=questionnaire, title=_("Page 1"), position=0)
    return campaign


@transaction.atomic
def campaign_copy(
    *,
    source: Campaign,
    year: int,
    title: str,
    opens_on: date,
    closes_on: date,
    anonymous: bool | None = None,
    by=None,
) -> Campaign:
    """A new edition as a copy of `source`: same questionnaires, pages, questions and codes.

    Reminder dates are shifted by the same amount as the opening date.
    """
    campaign = Campaign.objects.create(
        year=year,
        title=title,
        intro=source.intro,
        opens_on=opens_on,
        closes_on=closes_on,
        anonymous=source.anonymous if anonymous is None else anonymous,
        copied_from=source,
    )
    shift = opens_on - source.opens_on
    SendingRound.objects.bulk_create(
        SendingRound(campaign=campaign, number=r.number, scheduled_at=r.scheduled_at + shift)
        for r in source.rounds.all()
    )
    for questionnaire in source.questionnaires.all():
        _copy_questionnaire(questionnaire, campaign)
    return campaign


def _copy_questionnaire(source: Questionnaire, campaign: Campaign) -> Questionnaire:
    copy = Questionnaire.objects.create(
        campaign=campaign,
        public=source.public,
        title=source.title,
        intro=source.intro,
        position=source.position,
    )
    sections = {}
    for section in source.sections.all():
        sections[section.pk] = Section.objects.create(
            questionnaire=copy, title=section.title, intro=section.intro, position=section.position
        )
    questions = {}
    conditions = []
    for question in source.questions.select_related("show_if_question").prefetch_related("choices"):
        new = Question.objects.create(
            questionnaire=copy,
            section=sections[question.section_id],
            code=question.code,
            type=question.type,
            label=question.label,
            help_text=question.help_text,
            required=question.required,
            allow_other=question.allow_other,
            min_value=question.min_value,
            max_value=question.max_value,
            role=question.role,
            show_if_values=list(question.show_if_values),
            position=question.position,
        )
        Choice.objects.bulk_create(
            Choice(question=new, value=c.value, label=c.label, position=c.position)
            for c in question.choices.all()
        )
        questions[question.pk] = new
        if question.show_if_question_id:
            conditions.append((new, question.show_if_question_id))
    for new, source_condition_id in conditions:
        new.show_if_question = questions[source_condition_id]
        new.save(update_fields=["show_if_question"])
    return copy


@transaction.atomic
def campaign_update(
    *, campaign: Campaign, title: str, intro: str, opens_on: date, closes_on: date, anonymous: bool, by=None
) -> Campaign:
    # The stored row, not `campaign`: an edit form may already have written the new values on it.
    # all_objects: an event's satisfaction questionnaire is a campaign too (barometer/event_surveys.py).
    stored = Campaign.all_objects.select_for_update().get(pk=campaign.pk)
    if stored.status != CampaignStatus.DRAFT and anonymous != stored.anonymous:
        # Respondents were told whether their answers are anonymous: that promise cannot change.
        raise ValidationError(
            {"anonymous": _("L'anonymat ne peut plus être modifié une fois la campagne ouverte.")}
        )
    campaign.title = title
    campaign.intro = intro
    campaign.opens_on = opens_on
    campaign.closes_on = closes_on
    campaign.anonymous = anonymous
    campaign.save()
    return campaign


@transaction.atomic
def campaign_set_status(*, campaign: Campaign, status: str, by=None) -> Campaign:
    campaign = Campaign.all_objects.select_for_update().get(pk=campaign.pk)  # editions and event surveys
    if status not in ALLOWED_TRANSITIONS[campaign.status]:
        target = CampaignStatus(status).label if status in CampaignStatus.values else status
        raise ValidationError(
            _("Une campagne « %(current)s » ne peut pas passer à « %(target)s ».")
            % {"current": campaign.get_status_display(), "target": target}
        )
    if status == CampaignStatus.OPEN:
        empty = [q.get_public_display() for q in campaign.questionnaires.all() if not q.questions.exists()]
        if empty:
            raise ValidationError(
                _("Ces questionnaires n'ont encore aucune question : %(list)s.") % {"list": ", ".join(empty)}
            )
    campaign.status = status
    if status == CampaignStatus.PUBLISHED:
        campaign.published_at = timezone.now()
    elif status == CampaignStatus.CLOSED:
        campaign.published_at = None
    campaign.save(update_fields=["status", "published_at"])
    return campaign


@transaction.atomic
def campaign_schedule_rounds(
    *, campaign: Campaign, moments: list[datetime | None], by=None
) -> list[SendingRound]:
    """Set the invitation date and up to three reminder dates (None removes a round)."""
    if len(moments) > 4:
        raise ValidationError(_("Une campagne compte une invitation et au plus trois relances."))
    present = [m for m in moments if m is not None]
    if present != sorted(present):
        raise ValidationError(_("Les relances doivent suivre l'invitation, dans l'ordre."))
    if moments and moments[0] is None and any(present):
        raise ValidationError(_("Choisissez d'abord la date de l'invitation."))
    for number, moment in enumerate(moments):
        if moment is None:
            SendingRound.objects.filter(campaign=campaign, number=number).delete()
        else:
            SendingRound.objects.update_or_create(
                campaign=campaign, number=number, defaults={"scheduled_at": moment}
            )
    SendingRound.objects.filter(campaign=campaign, number__gte=len(moments)).delete()
    return list(campaign.rounds.all())


# --- Questionnaire builder ------------------------------------------------------------------


def _ensure_editable(questionnaire: Questionnaire) -> None:
    if not questionnaire.campaign.is_editable:
        raise ValidationError(
            _("Cette campagne n'est plus en préparation : ses questionnaires ne peuvent plus être modifiés.")
        )


@transaction.atomic
def questionnaire_update(*, questionnaire: Questionnaire, title: str, intro: str, by=None) -> Questionnaire:
    _ensure_editable(questionnaire)
    questionnaire.title = title
    questionnaire.intro = intro
    questionnaire.save(update_fields=["title", "intro"])
    return questionnaire


@transaction.atomic
def section_create(*, questionnaire: Questionnaire, title: str, intro: str = "", by=None) -> Section:
    _ensure_editable(questionnaire)
    last = questionnaire.sections.aggregate(m=Max("position"))["m"]
    return Section.objects.create(
        questionnaire=questionnaire, title=title, intro=intro, position=0 if last is None else last + 1
    )


@transaction.atomic
def section_update(*, section: Section, title: str, intro: str, by=None) -> Section:
    _ensure_editable(section.questionnaire)
    section.title = title
    section.intro = intro
    section.save(update_fields=["title", "intro"])
    return section


@transaction.atomic
def section_delete(*, section: Section, by=None) -> None:
    _ensure_editable(section.questionnaire)
    if section.questionnaire.sections.count() == 1:
        raise ValidationError(_("Un questionnaire garde au moins une page."))
    section.delete()


def _move(items: list, item, direction: int) -> None:
    index = next(i for i, candidate in enumerate(items) if candidate.pk == item.pk)
    target = index + direction
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    for position, candidate in enumerate(items):
        if candidate.position != position:
            candidate.position = position
            candidate.save(update_fields=["position"])


@transaction.atomic
def section_move(*, section: Section, direction: int, by=None) -> None:
    _ensure_editable(section.questionnaire)
    _move(list(section.questionnaire.sections.select_for_update()), section, direction)


@dataclass
class QuestionData:
    code: str
    type: str
    label: str
    help_text: str = ""
    required: bool = False
    allow_other: bool = False
    min_value: object = None
    max_value: object = None
    role: str = ""
    show_if_question: Question | None = None
    show_if_values: list | None = None
    choices: list[tuple[str, str]] | None = None


def _apply(question: Question, data: QuestionData) -> None:
    for field in (
        "code",
        "type",
        "label",
        "help_text",
        "required",
        "allow_other",
        "min_value",
        "max_value",
        "role",
    ):
        setattr(question, field, getattr(data, field))
    if not question.has_choices:
        question.allow_other = False
    if question.type != QuestionType.NUMBER:
        question.min_value = question.max_value = None
    question.show_if_question = data.show_if_question
    question.show_if_values = list(data.show_if_values or []) if data.show_if_question else []


def _check_code_free(questionnaire: Questionnaire, code: str, exclude_pk=None) -> None:
    if questionnaire.questions.filter(code=code).exclude(pk=exclude_pk).exists():
        raise ValidationError({"code": _("Ce code est déjà utilisé dans ce questionnaire.")})


def _set_choices(question: Question, choices: list[tuple[str, str]] | None) -> None:
    if question.type == QuestionType.YES_NO:
        choices = YES_NO_CHOICES
    elif not question.has_choices:
        choices = []
    elif not choices:
        raise ValidationError({"choices": _("Indiquez au moins deux choix, un par ligne.")})
    kept = {value for value, _label in choices}
    question.choices.exclude(value__in=kept).delete()
    for position, (value, label) in enumerate(choices):
        Choice.objects.update_or_create(
            question=question, value=value, defaults={"label": label, "position": position}
        )


@transaction.atomic
def question_create(*, section: Section, data: QuestionData, by=None) -> Question:
    questionnaire = section.questionnaire
    _ensure_editable(questionnaire)
    _check_code_free(questionnaire, data.code)
    last = section.questions.aggregate(m=Max("position"))["m"]
    question = Question(
        questionnaire=questionnaire, section=section, position=0 if last is None else last + 1
    )
    _apply(question, data)
    question.save()
    _set_choices(question, data.choices)
    return question


@transaction.atomic
def question_update(
    *, question: Question, data: QuestionData, section: Section | None = None, by=None
) -> Question:
    _ensure_editable(question.questionnaire)
    _check_code_free(question.questionnaire, data.code, exclude_pk=question.pk)
    if data.show_if_question is not None and data.show_if_question.pk == question.pk:
        raise ValidationError({"show_if_question": _("Une question ne peut pas dépendre d'elle-même.")})
    if section is not None and section.pk != question.section_id:
        question.section = section
        last = section.questions.aggregate(m=Max("position"))["m"]
        question.position = 0 if last is None else last + 1
    _apply(question, data)
    question.save()
    _set_choices(question, data.choices)
    return question


@transaction.atomic
def question_delete(*, question: Question, by=None) -> None:
    _ensure_editable(question.questionnaire)
    question.delete()


@transaction.atomic
def question_move(*, question: Question, direction: int, by=None) -> None:
    _ensure_editable(question.questionnaire)
    _move(
        list(question.section.questions.select_for_update().order_by("position", "pk")), question, direction
    )
