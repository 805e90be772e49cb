"""Raw answers, one row per submitted response, as streamed CSV or XLSX.

Cells starting with = + - @ (or a tab / carriage return) are prefixed with an apostrophe so
that a spreadsheet never runs them as formulas (CSV injection); plain numbers stay numbers.
"""

import csv
import tempfile
from collections.abc import Iterator

from django.utils.translation import gettext as _

from barometer.enums import QuestionType, ResponseStatus
from barometer.logic import OTHER
from barometer.models import Answer, Campaign, Question, Response
from cops.spreadsheets import neutralise

CHUNK = 500


def columns(campaign: Campaign, public: str | None = None) -> list[tuple[str, str]]:
    """(code, label) of every question, in questionnaire order, each code once."""
    questions = Question.objects.filter(questionnaire__campaign=campaign).order_by(
        "questionnaire__position", "section__position", "position"
    )
    if public:
        questions = questions.filter(questionnaire__public=public)
    seen, result = set(), []
    for code, label in questions.values_list("code", "label"):
        if code not in seen:
            seen.add(code)
            result.append((code, label))
    return result


def rows(campaign: Campaign, public: str | None = None) -> Iterator[list]:
    codes = [code for code, _label in columns(campaign, public)]
    labels = {}
    for question in Question.objects.filter(questionnaire__campaign=campaign).prefetch_related("choices"):
        labels[question.pk] = (
            question.code,
            question.type,
            {c.value: c.label for c in question.choices.all()},
        )
    header = [_("réponse"), _("public"), _("envoyée le")]
    if not campaign.anonymous:
        header.append(_("adresse de l'invitation"))
    yield header + codes
    responses = Response.objects.filter(questionnaire__campaign=campaign, status=ResponseStatus.SUBMITTED)
    if public:
        responses = responses.filter(questionnaire__public=public)
    last_pk = 0
    while True:
        chunk = list(
            responses.filter(pk__gt=last_pk)
            .select_related("questionnaire", "invitation")
            .order_by("pk")[:CHUNK]
        )
        if not chunk:
            return
        last_pk = chunk[-1].pk
        values: dict[int, dict[str, object]] = {r.pk: {} for r in chunk}
        for response_id, question_id, choices, text, number in Answer.objects.filter(
            response_id__in=list(values)
        ).values_list("response_id", "question_id", "choices", "text", "number"):
            code, qtype, choice_labels = labels[question_id]
            if choices:
                parts = [
                    (_("Autre : %(t)s") % {"t": text}) if c == OTHER else choice_labels.get(c, c)
                    for c in choices
                ]
                values[response_id][code] = " ; ".join(parts)
            elif qtype == QuestionType.NUMBER and number is not None:
                values[response_id][code] = float(number) if number != number.to_integral() else int(number)
            else:
                values[response_id][code] = text
        for response in chunk:
            line = [
                response.pk,
                response.questionnaire.get_public_display(),
                response.submitted_on.isoformat(),
            ]
            if not campaign.anonymous:
                line.append(response.invitation.email if response.invitation else "")
            line += [values[response.pk].get(code, "") for code in codes]
            yield [neutralise(cell) for cell in line]


class _Echo:
    def write(self, value):
        return value


def csv_stream(campaign: Campaign, public: str | None = None) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff"  # so that Excel opens the UTF-8 file with its accents
    for line in rows(campaign, public):
        yield writer.writerow(line)


def xlsx_file(campaign: Campaign, public: str | None = None):
    """A temporary file (spooled to disk) holding the workbook, written row by row."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(campaign.year))
    for line in rows(campaign, public):
        sheet.append(line)
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle
