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
from cops.suppression import MIN_CELL

CHUNK = 500


def columns(campaign: Campaign, public: str | None = None) -> list[tuple[str, str]]:
    """(code, label) of every question, in questionnaire order, each code once."""
    return [(code, label) for code, label, _choices in _questions(campaign, public)]


def _questions(campaign: Campaign, public: str | None) -> list[tuple[str, str, bool]]:
    """(code, label, has choices) of every question, in questionnaire order, each code once."""
    questions = Question.objects.filter(questionnaire__campaign=campaign).order_by(
        "questionnaire__position", "section__position", "position"
    )
    if public:
        questions = questions.filter(questionnaire__public=public)
    seen, result = set(), []
    for code, label, qtype in questions.values_list("code", "label", "type"):
        if code not in seen:
            seen.add(code)
            result.append((code, label, qtype in QuestionType.with_choices()))
    return result


def header_cells(code: str, label: str, has_choices: bool) -> list[str]:
    """A choice question has two columns: its answers' codes (the same for every public,
    whatever each questionnaire's wording) and their labels, headed by the question's wording."""
    return [code, label] if has_choices else [code]


def rows(campaign: Campaign, public: str | None = None) -> Iterator[list]:
    questions = _questions(campaign, public)
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
    for code, label, has_choices in questions:
        header += header_cells(code, label, has_choices)
    yield header
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
                values[response_id][code] = [" ; ".join(choices), " ; ".join(parts)]
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
            answers = values[response.pk]
            for code, _label, has_choices in questions:
                value = answers.get(code, ["", ""] if has_choices else "")
                if has_choices and not isinstance(value, list):
                    value = ["", value]  # a choice question answered with text only (never expected)
                line += value if has_choices else [value]
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


# --- One cross-table (results page « Télécharger ce tableau ») -----------------------------------


def _table_lines(table) -> list[list]:
    """The table's lines under a title line; the cells as the page shows them."""
    title = f"{table.label} — {_('par')} {str(table.by_label).lower()}"
    lines = [[title]]
    lines += [[note] for note in table.notes]
    lines += table.flat()
    return [[neutralise(cell) for cell in line] for line in lines]


def cross_table_csv(table) -> str:
    import io

    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that Excel opens the UTF-8 file with its accents
    writer = csv.writer(buffer, delimiter=";")
    for line in _table_lines(table):
        # A French spreadsheet reads « 33,3 » as a number, « 33.3 » as text.
        writer.writerow([str(cell).replace(".", ",") if isinstance(cell, float) else cell for cell in line])
    return buffer.getvalue()


def cross_table_xlsx(table, *, title: str):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for line in _table_lines(table):
        sheet.append(line)
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


def cross_table_pdf(table, *, campaign: Campaign, filters, options) -> bytes:
    """One table on one page: small enough to be rendered in the request (about 0.1 s), unlike
    the campaign's report, which a worker builds."""
    from cops.pdf import render_pdf

    summary = " · ".join(f"{options.label(dim, value)}" for dim, value in filters.subgroup.items())
    return render_pdf(
        "barometer/pdf/cross_table.html",
        {
            "campaign": campaign,
            "table": table,
            "filter_summary": summary,
            "min_cell": MIN_CELL,
            "public": table.public,
        },
    )
