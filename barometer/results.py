"""Results of a campaign, computed in SQL: distributions, rates, cross-tabs, comparisons.

`public=True` applies the small-numbers rule used in anything public (pages, PDF report):
a count under MIN_CELL is never shown, nor a percentage computed from it, nor a question
answered by fewer than MIN_CELL people; for single-choice questions, when only one cell is
hidden the next smallest is hidden too, so that it cannot be worked out from the total.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from barometer.enums import Public, QuestionRole, QuestionType, ResponseStatus
from barometer.logic import OTHER
from barometer.models import Campaign, Invitation, Question, Questionnaire, Response
from barometer.selectors import questions_for
from cops import charts

MIN_CELL = 5
SUBMITTED = ResponseStatus.SUBMITTED.value


@dataclass
class Row:
    value: str
    label: str
    count: int | None
    percent: float | None
    previous_percent: float | None = None


@dataclass
class QuestionResult:
    question: Question
    answered: int | None
    rows: list[Row] = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    masked: bool = False
    chart: object = None
    previous_answered: int | None = None

    @property
    def has_previous(self) -> bool:
        return self.previous_answered is not None


def _percent(count: int | None, total: int | None) -> float | None:
    if count is None or not total:
        return None
    return round(100.0 * count / total, 1)


def _choice_counts(questionnaire_ids: list[int]) -> dict[int, dict[str, int]]:
    """{question_id: {choice value: number of submitted responses that chose it}}"""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if not questionnaire_ids:
        return counts
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.question_id, v.value, COUNT(*)
            FROM barometer_answer a
            JOIN barometer_response r ON r.id = a.response_id
            CROSS JOIN LATERAL unnest(a.choices) AS v(value)
            WHERE r.questionnaire_id = ANY(%s) AND r.status = %s
            GROUP BY a.question_id, v.value
            """,
            [questionnaire_ids, SUBMITTED],
        )
        for question_id, value, count in cursor.fetchall():
            counts[question_id][value] = count
    return counts


def _answered_counts(questionnaire_ids: list[int]) -> dict[int, int]:
    if not questionnaire_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.question_id, COUNT(*)
            FROM barometer_answer a JOIN barometer_response r ON r.id = a.response_id
            WHERE r.questionnaire_id = ANY(%s) AND r.status = %s
            GROUP BY a.question_id
            """,
            [questionnaire_ids, SUBMITTED],
        )
        return dict(cursor.fetchall())


def _number_stats(questionnaire_ids: list[int]) -> dict[int, dict]:
    if not questionnaire_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.question_id, COUNT(a.number), AVG(a.number),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY a.number), MIN(a.number), MAX(a.number)
            FROM barometer_answer a JOIN barometer_response r ON r.id = a.response_id
            WHERE r.questionnaire_id = ANY(%s) AND r.status = %s AND a.number IS NOT NULL
            GROUP BY a.question_id
            """,
            [questionnaire_ids, SUBMITTED],
        )
        return {
            row[0]: {"n": row[1], "mean": row[2], "median": row[3], "min": row[4], "max": row[5]}
            for row in cursor.fetchall()
        }


def _mask_rows(rows: list[Row], *, single: bool) -> None:
    hidden = [row for row in rows if row.count is not None and row.count < MIN_CELL]
    for row in hidden:
        row.count = row.percent = None
    if single and len(hidden) == 1:
        shown = [row for row in rows if row.count is not None]
        if shown:
            smallest = min(shown, key=lambda row: row.count)
            smallest.count = smallest.percent = None


def previous_questionnaire(questionnaire: Questionnaire) -> Questionnaire | None:
    previous = questionnaire.campaign.copied_from or (
        Campaign.objects.filter(year__lt=questionnaire.campaign.year).order_by("-year").first()
    )
    if previous is None:
        return None
    return previous.questionnaires.filter(public=questionnaire.public).first()


def questionnaire_results(
    questionnaire: Questionnaire, *, public: bool = False, compare: bool = True
) -> list[QuestionResult]:
    """One result per question that can be counted (choices and numbers)."""
    questions = [
        q
        for q in questions_for(questionnaire)
        if (q.has_choices or q.type == QuestionType.NUMBER) and q.role != QuestionRole.CONTACT_EMAIL
    ]
    ids = [questionnaire.pk]
    counts, answered, numbers = _choice_counts(ids), _answered_counts(ids), _number_stats(ids)
    previous = previous_questionnaire(questionnaire) if compare else None
    prev_by_code: dict[str, tuple[dict[str, int], int]] = {}
    if previous is not None:
        prev_counts, prev_answered = _choice_counts([previous.pk]), _answered_counts([previous.pk])
        for q in previous.questions.all():
            prev_by_code[q.code] = (prev_counts.get(q.pk, {}), prev_answered.get(q.pk, 0))
    results = []
    for question in questions:
        total = answered.get(question.pk, 0)
        result = QuestionResult(question=question, answered=total)
        if question.type == QuestionType.NUMBER:
            stats = numbers.get(question.pk)
            if stats and not (public and stats["n"] < MIN_CELL):
                result.stats = stats
            elif stats:
                result.masked = True
            if public and total < MIN_CELL:
                result.answered = None
            results.append(result)
            continue
        options = [(c.value, c.label) for c in question.choices.all()]
        if question.allow_other:
            options.append((OTHER, _("Autre")))
        per_value = counts.get(question.pk, {})
        result.rows = [
            Row(value, label, per_value.get(value, 0), _percent(per_value.get(value, 0), total))
            for value, label in options
        ]
        if question.code in prev_by_code:
            prev_values, prev_total = prev_by_code[question.code]
            if prev_total and not (public and prev_total < MIN_CELL):
                result.previous_answered = prev_total
                for row in result.rows:
                    prev_count = prev_values.get(row.value, 0)
                    if not (public and prev_count < MIN_CELL):
                        row.previous_percent = _percent(prev_count, prev_total)
        if public:
            if total < MIN_CELL:
                result.masked = True
                result.answered = None
                for row in result.rows:
                    row.count = row.percent = None
            else:
                _mask_rows(result.rows, single=question.type != QuestionType.MULTIPLE)
        result.chart = _chart(questionnaire, result, public)
        results.append(result)
    return results


def _say_hidden(chart, series: list, public: bool):
    """In public figures a missing value is a hidden small number: say so in the chart's table."""
    if not public:
        return chart
    for row_index, row in enumerate(chart.rows):
        for series_index, one in enumerate(series):
            if row_index < len(one.values) and one.values[row_index] is None and series_index + 1 < len(row):
                row[series_index + 1] = _("non affiché (moins de %(n)s)") % {"n": MIN_CELL}
    return chart


def _chart(questionnaire: Questionnaire, result: QuestionResult, public: bool = False):
    if result.masked:
        return None
    year = questionnaire.campaign.year
    series = [charts.Series(str(year), [row.percent for row in result.rows], charts.PALETTE[4])]
    if result.has_previous:
        previous_year = previous_questionnaire(questionnaire).campaign.year
        series.insert(
            0,
            charts.Series(
                str(previous_year), [row.previous_percent for row in result.rows], charts.PALETTE[6]
            ),
        )
    chart = charts.bar_chart(
        title=result.question.label,
        categories=[row.label for row in result.rows],
        series=series,
        unit="%",
        horizontal=True,
        category_label=_("Réponse"),
    )
    return _say_hidden(chart, series, public)


# --- Campaign level: participation and cross-tabs -----------------------------------------------


@dataclass
class Participation:
    questionnaire: Questionnaire
    submitted: int | None
    invited: int
    invited_responded: int
    rate: float | None


def participation(campaign: Campaign, *, public: bool = False) -> list[Participation]:
    rows = []
    questionnaires = campaign.questionnaires.annotate(
        submitted=Count("responses", filter=Q(responses__status=SUBMITTED), distinct=True),
    ).order_by("position")
    invited = {
        row["questionnaire_id"]: row
        for row in Invitation.objects.filter(campaign=campaign)
        .values("questionnaire_id")
        .annotate(total=Count("pk"), responded=Count("pk", filter=Q(has_responded=True)))
    }
    for questionnaire in questionnaires:
        inv = invited.get(questionnaire.pk, {"total": 0, "responded": 0})
        submitted = questionnaire.submitted
        if public and submitted < MIN_CELL:
            submitted = None
        rows.append(
            Participation(
                questionnaire=questionnaire,
                submitted=submitted,
                invited=inv["total"],
                invited_responded=inv["responded"],
                rate=_percent(inv["responded"], inv["total"]),
            )
        )
    return rows


def participation_chart(rows: list[Participation]):
    if not any(p.invited for p in rows):
        return None  # nobody was invited by email (public links only): no rate to draw
    labels = Public.short_labels()
    return charts.bar_chart(
        title=_("Taux de réponse des personnes invitées, par public"),
        categories=[str(labels[p.questionnaire.public]) for p in rows],
        series=[charts.Series(_("Taux de réponse"), [p.rate for p in rows], charts.PALETTE[4])],
        unit="%",
        category_label=_("Public"),
    )


def responses_per_day(campaign: Campaign):
    """Submissions per day, or per week when the campaign ran longer than three weeks."""
    rows = list(
        Response.objects.filter(questionnaire__campaign=campaign, status=SUBMITTED)
        .values("submitted_on")
        .annotate(n=Count("pk"))
        .order_by("submitted_on")
    )
    if not rows:
        return None
    weekly = (rows[-1]["submitted_on"] - rows[0]["submitted_on"]).days > 21
    buckets: dict = {}
    for row in rows:
        day = row["submitted_on"]
        key = day - timedelta(days=day.weekday()) if weekly else day
        buckets[key] = buckets.get(key, 0) + row["n"]
    keys = sorted(buckets)
    cumulative, total = [], 0
    for key in keys:
        total += buckets[key]
        cumulative.append(total)
    return charts.line_chart(
        title=_("Réponses envoyées, par semaine et en cumul")
        if weekly
        else _("Réponses envoyées, par jour et en cumul"),
        x_labels=[
            (_("sem. du %(d)s") % {"d": key.strftime("%d/%m")}) if weekly else key.strftime("%d/%m")
            for key in keys
        ],
        series=[
            charts.Series(
                _("Réponses de la semaine") if weekly else _("Réponses du jour"),
                [buckets[k] for k in keys],
                charts.PALETTE[3],
            ),
            charts.Series(_("Cumul"), cumulative, charts.PALETTE[4]),
        ],
        category_label=_("Semaine") if weekly else _("Jour"),
    )


@dataclass
class CrossTab:
    code: str
    label: str
    publics: list[str]
    rows: list[tuple[str, list[float | None]]]
    answered: list[int | None]
    chart: object

    @property
    def counts(self) -> list[tuple[str, int | None]]:
        return list(zip(self.publics, self.answered, strict=True))


def cross_tabs(campaign: Campaign, *, public: bool = False) -> list[CrossTab]:
    """Questions asked to several publics (same code): percentages per public, side by side."""
    questionnaires = list(campaign.questionnaires.order_by("position"))
    ids = [q.pk for q in questionnaires]
    counts, answered = _choice_counts(ids), _answered_counts(ids)
    by_code: dict[str, list[Question]] = defaultdict(list)
    questions = (
        Question.objects.filter(questionnaire__in=ids, type__in=QuestionType.with_choices())
        .exclude(role=QuestionRole.CONTACT_EMAIL)
        .select_related("questionnaire", "section")
        .prefetch_related("choices")
        .order_by("section__position", "position")
    )
    for question in questions:
        by_code[question.code].append(question)
    labels = Public.short_labels()
    tabs = []
    for code, group in by_code.items():
        if len(group) < 2:
            continue
        group.sort(key=lambda q: q.questionnaire.position)
        reference = group[0]
        # Only questions offering the same answers compare (a shared code may hold public-specific lists).
        reference_values = [c.value for c in reference.choices.all()]
        group = [q for q in group if [c.value for c in q.choices.all()] == reference_values]
        if len(group) < 2:
            continue
        options = [(c.value, c.label) for c in reference.choices.all()]
        publics = [str(labels[q.questionnaire.public]) for q in group]
        totals = [answered.get(q.pk, 0) for q in group]
        rows = []
        for value, label in options:
            cells = []
            for question, total in zip(group, totals, strict=True):
                count = counts.get(question.pk, {}).get(value, 0)
                if public and (total < MIN_CELL or count < MIN_CELL):
                    cells.append(None)
                else:
                    cells.append(_percent(count, total))
            rows.append((label, cells))
        shown_totals = [None if public and t < MIN_CELL else t for t in totals]
        series = [
            charts.Series(
                publics[i],
                [cells[i] for _label, cells in rows],
                charts.PALETTE[(i + 3) % len(charts.PALETTE)],
            )
            for i in range(len(group))
        ]
        chart = _say_hidden(
            charts.bar_chart(
                title=reference.label,
                categories=[label for label, _cells in rows],
                series=series,
                unit="%",
                horizontal=True,
                category_label=_("Réponse"),
            ),
            series,
            public,
        )
        tabs.append(CrossTab(code, reference.label, publics, rows, shown_totals, chart))
    return tabs


def number_text(value: Decimal | float | None) -> str:
    return charts.format_number(None if value is None else float(value))
