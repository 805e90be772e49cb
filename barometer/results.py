"""Results of a campaign, computed in SQL: distributions, rates, cross-tabs, comparisons.

`public=True` applies the platform's small-numbers rule (`cops.suppression`) used in anything
meant for people other than the staff (public pages, published PDF): a count under MIN_CELL is
never shown, nor a percentage computed from it, nor a question answered by fewer than MIN_CELL
people; where the counts add up to a published total (single-choice questions), partners are
hidden too so that no hidden count can be worked out by subtraction. The per-questionnaire
results, the publics side by side and the previous edition's column all hide the same cells,
because they all ask `_hidden_values()` on the same counts. Staff pages (`public=False`) are
exact and say so.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from barometer.enums import Public, QuestionRole, QuestionType, ResponseStatus
from barometer.logic import OTHER, Value, visible_ids
from barometer.models import Answer, Campaign, Invitation, Question, Questionnaire, Response
from barometer.selectors import questions_for
from cops import charts
from cops.suppression import MIN_CELL, is_small, suppress_distribution

__all__ = ["MIN_CELL"]  # re-exported: the threshold itself lives in cops.suppression
SUBMITTED = ResponseStatus.SUBMITTED.value


# The bases a percentage can be computed over (every percentage says which one).
BASE_ANSWERED = "answered"  # people who answered the question
BASE_ASKED = "asked"  # people the question was shown to (after the skip logic)


@dataclass
class Row:
    value: str
    label: str
    count: int | None
    percent: float | None
    previous_percent: float | None = None
    hidden: bool = False  # a small number, or its partner: reads « < 5 »
    previous_hidden: bool = False
    other_percent: float | None = None  # the same count over the other base (see QuestionResult)
    previous_count: int | None = None  # staff pages only


@dataclass
class QuestionResult:
    question: Question
    answered: int | None
    rows: list[Row] = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    masked: bool = False
    masked_by_condition: bool = False  # masked because the question it follows hides a cell
    chart: object = None
    previous_answered: int | None = None
    # Non-response: respondents of the questionnaire, people asked the question (its condition
    # held), people asked who left it blank, people not asked. None where public figures hide it.
    respondents: int | None = None
    asked: int | None = None
    skipped: int | None = None
    not_asked: int | None = None
    base: str = BASE_ANSWERED
    small_figures: set = field(default_factory=set)  # of the above, those hidden for being < 5
    year: int | None = None
    previous_year: int | None = None
    previous_stats: dict = field(default_factory=dict)  # number questions, earlier edition

    @property
    def has_previous(self) -> bool:
        return self.previous_answered is not None

    @property
    def base_count(self) -> int | None:
        return self.asked if self.base == BASE_ASKED else self.answered

    @property
    def other_base(self) -> str:
        return BASE_ANSWERED if self.base == BASE_ASKED else BASE_ASKED

    @property
    def other_base_count(self) -> int | None:
        return self.answered if self.base == BASE_ASKED else self.asked

    @property
    def has_other_base(self) -> bool:
        """The other base differs and can be shown (its count is not hidden)."""
        return (
            self.other_base_count is not None
            and self.other_base_count != self.base_count
            and any(row.other_percent is not None for row in self.rows)
        )

    @property
    def is_multiple(self) -> bool:
        return self.question.type == QuestionType.MULTIPLE

    @property
    def anchor(self) -> str:
        return f"q-{self.question.questionnaire_id}-{self.question.code}"


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


def _submitted_count(questionnaire_id: int) -> int:
    return Response.objects.filter(questionnaire_id=questionnaire_id, status=SUBMITTED).count()


def _asked_counts(questions: list[Question], submitted: int) -> dict[int, int]:
    """{question_id: number of submitted responses the question was shown to}.

    An unconditional question is asked to every respondent; a conditional one to those whose
    answers made it appear, decided by the answering flow's own rule (`logic.visible_ids`).
    """
    asked = {q.pk: submitted for q in questions}
    conditional = [q for q in questions if q.is_conditional]
    if not conditional:
        return asked
    by_id = {q.pk: q for q in questions}
    controllers: set[int] = set()
    for question in conditional:
        current, depth = question, 0
        while current is not None and current.is_conditional and depth < 20:
            controllers.add(current.show_if_question_id)
            current, depth = by_id.get(current.show_if_question_id), depth + 1
    values: dict[int, dict[int, Value]] = defaultdict(dict)
    rows = Answer.objects.filter(
        question_id__in=controllers,
        response__status=SUBMITTED,
        response__questionnaire_id=questions[0].questionnaire_id,
    ).values_list("response_id", "question_id", "choices")
    for response_id, question_id, choices in rows:
        values[response_id][question_id] = Value(choices=tuple(choices or ()))
    relevant = [by_id[pk] for pk in controllers if pk in by_id] + conditional
    counts = dict.fromkeys((q.pk for q in conditional), 0)
    for answers in values.values():
        for pk in visible_ids(relevant, answers):
            if pk in counts:
                counts[pk] += 1
    asked.update(counts)
    return asked


def _non_response(result: "QuestionResult", submitted: int, asked: int, *, public: bool) -> None:
    """Fills respondents / asked / skipped / not asked; public figures follow the small-numbers rule
    (answered + skipped + not asked = respondents, a published total: partners are hidden too)."""
    answered = result.answered or 0
    figures = [answered, max(asked - answered, 0), max(submitted - asked, 0)]
    result.respondents, result.asked = submitted, asked
    result.skipped, result.not_asked = figures[1], figures[2]
    if not public:
        return
    if submitted < MIN_CELL:
        result.respondents = result.asked = result.skipped = result.not_asked = result.answered = None
        return
    hidden = suppress_distribution(figures, total_published=True)
    names = ("answered", "skipped", "not_asked")
    # A hidden small count reads « < 5 »; its partner, hidden with it, reads « nombre masqué ».
    result.small_figures = {name for name, count in zip(names, figures, strict=True) if is_small(count)}
    if hidden[0]:
        result.answered = None
    if hidden[1]:
        result.skipped = None
    if hidden[2]:
        result.not_asked = None
    if hidden[2] or hidden[0] != hidden[1]:
        # asked = respondents - not asked = answered + skipped: it would give a hidden one back.
        result.asked = None


def _options(question: Question) -> list[tuple[str, str]]:
    options = [(c.value, c.label) for c in question.choices.all()]
    if question.allow_other:
        options.append((OTHER, _("Autre")))
    return options


def _hidden_values(question: Question, per_value: dict[str, int], total: int) -> set[str]:
    """The answers of `question` whose count (and percentage) a public figure must hide.

    The one place the barometer asks the rule, so that a question's distribution, its column
    among the publics side by side and its column as « édition précédente » hide the same cells.
    """
    options = _options(question)
    if total < MIN_CELL:
        return {value for value, _label in options}
    mask = suppress_distribution(
        [per_value.get(value, 0) for value, _label in options],
        # Only single answers add up to the published number of respondents.
        total_published=question.type != QuestionType.MULTIPLE,
    )
    return {value for (value, _label), hidden in zip(options, mask, strict=True) if hidden}


def _follows_hidden(questions: list[Question], counts: dict, answered: dict[int, int]) -> set[int]:
    """Conditional questions asked after an answer that public figures hide (at any depth).

    Such a question has as many respondents as those answers had, so its total (or its
    percentages' base) would give the controlling question's hidden cells back: it is masked
    whole. Questions that have fewer than MIN_CELL answers are masked anyway and not listed.
    """
    by_id = {q.pk: q for q in questions}
    memo: dict[int, bool] = {}

    def conceals(question: Question) -> bool:
        if question.pk not in memo:
            memo[question.pk] = True  # a condition loop hides rather than recurses
            total = answered.get(question.pk, 0)
            memo[question.pk] = follows(question) or (
                bool(_hidden_values(question, counts.get(question.pk, {}), total))
                if question.has_choices
                else total < MIN_CELL
            )
        return memo[question.pk]

    def follows(question: Question) -> bool:
        controller = by_id.get(question.show_if_question_id) if question.is_conditional else None
        return controller is not None and conceals(controller)

    return {q.pk for q in questions if answered.get(q.pk, 0) >= MIN_CELL and follows(q)}


def previous_questionnaire(questionnaire: Questionnaire) -> Questionnaire | None:
    """The same public's questionnaire in the earlier edition, if it received any response:
    a page never says « comparaison avec 2023 » when 2023 has nothing to compare with."""
    previous = questionnaire.campaign.copied_from or (
        Campaign.objects.filter(year__lt=questionnaire.campaign.year).order_by("-year").first()
    )
    if previous is None:
        return None
    found = previous.questionnaires.filter(public=questionnaire.public).select_related("campaign").first()
    if found is None or not found.responses.filter(status=SUBMITTED).exists():
        return None
    return found


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
    submitted = _submitted_count(questionnaire.pk)
    asked_counts = _asked_counts(questions, submitted) if questions else {}
    previous = previous_questionnaire(questionnaire) if compare else None
    prev_by_code: dict[str, tuple[Question, dict[str, int], int]] = {}
    prev_numbers: dict[int, dict] = {}
    if previous is not None:
        prev_counts, prev_answered = _choice_counts([previous.pk]), _answered_counts([previous.pk])
        prev_numbers = _number_stats([previous.pk])
        prev_questions = list(previous.questions.prefetch_related("choices"))
        prev_follows = _follows_hidden(prev_questions, prev_counts, prev_answered) if public else set()
        for q in prev_questions:
            prev_by_code[q.code] = (q, prev_counts.get(q.pk, {}), prev_answered.get(q.pk, 0))
    follows_hidden = _follows_hidden(questions, counts, answered) if public else set()
    results = []
    year = questionnaire.campaign.year
    previous_year = previous.campaign.year if previous is not None else None
    for question in questions:
        total = answered.get(question.pk, 0)
        asked = asked_counts.get(question.pk, submitted)
        result = QuestionResult(question=question, answered=total, year=year)
        if question.pk in follows_hidden:
            result.masked = result.masked_by_condition = True
            result.answered = None
            result.rows = [Row(value, label, None, None, hidden=True) for value, label in _options(question)]
            results.append(result)
            continue
        if question.type == QuestionType.NUMBER:
            stats = numbers.get(question.pk)
            if stats and not (public and stats["n"] < MIN_CELL):
                # The extremes are one person's answer each: never published.
                result.stats = (
                    {k: v for k, v in stats.items() if k not in ("min", "max")} if public else stats
                )
            elif stats:
                result.masked = True
            prev = prev_by_code.get(question.code)
            prev_stats = prev_numbers.get(prev[0].pk) if prev else None
            if result.stats and prev_stats and not (public and prev_stats["n"] < MIN_CELL):
                result.previous_year = previous_year
                result.previous_stats = (
                    {k: v for k, v in prev_stats.items() if k not in ("min", "max")} if public else prev_stats
                )
            _non_response(result, submitted, asked, public=public)
            if public and total < MIN_CELL:
                result.answered = None
            results.append(result)
            continue
        per_value = counts.get(question.pk, {})
        # « Souhaitez-vous… » is read as a share of all respondents, not of those who ticked a box.
        base_total = total
        if question.role == QuestionRole.FOLLOW_UP:
            result.base, base_total = BASE_ASKED, asked
        other_total = asked if result.base == BASE_ANSWERED else total
        result.rows = [
            Row(
                value,
                label,
                per_value.get(value, 0),
                _percent(per_value.get(value, 0), base_total),
                other_percent=_percent(per_value.get(value, 0), other_total),
            )
            for value, label in _options(question)
        ]
        if question.code in prev_by_code:
            prev_question, prev_values, prev_total = prev_by_code[question.code]
            if prev_total and not (public and prev_total < MIN_CELL):
                result.previous_answered = prev_total
                result.previous_year = previous_year
                prev_base = prev_total
                if result.base == BASE_ASKED:
                    # Same base as this year's: the earlier edition's respondents.
                    prev_base = result.previous_answered = _submitted_count(prev_question.questionnaire_id)
                # The earlier edition is suppressed on its own, with its own total, exactly as
                # its own published page did: neither edition's margin reveals the other's cells.
                if not public:
                    prev_hidden = set()
                elif prev_question.pk in prev_follows:
                    prev_hidden = {value for value, _label in _options(prev_question)}
                else:
                    prev_hidden = _hidden_values(prev_question, prev_values, prev_total)
                for row in result.rows:
                    if row.value in prev_hidden:
                        row.previous_hidden = True
                    else:
                        row.previous_percent = _percent(prev_values.get(row.value, 0), prev_base)
                        row.previous_count = None if public else prev_values.get(row.value, 0)
        _non_response(result, submitted, asked, public=public)
        if public:
            hidden = _hidden_values(question, per_value, total)
            if total < MIN_CELL:
                result.masked = True
                result.answered = None
            for row in result.rows:
                if row.value in hidden:
                    row.count = row.percent = row.other_percent = None
                    row.hidden = True
                elif result.other_base_count is None:
                    row.other_percent = None  # its base is hidden: the percentage would give it back
        result.chart = _chart(result)
        results.append(result)
    return results


def series_label(year: int | None, count: int | None) -> str:
    """« 2023 · 400 réponses »: every comparison names the edition and its number of people."""
    if count is None:
        return _("%(year)s · moins de %(n)s personnes") % {"year": year, "n": MIN_CELL}
    return ngettext("%(year)s · %(n)s personne", "%(year)s · %(n)s personnes", count) % {
        "year": year,
        "n": count,
    }


def _chart(result: QuestionResult):
    if result.masked:
        return None
    series = [
        charts.Series(
            series_label(result.year, result.base_count) if result.has_previous else str(result.year),
            [row.percent for row in result.rows],
            charts.PALETTE[4],
            hidden=[row.hidden for row in result.rows],
        )
    ]
    if result.has_previous:
        series.insert(
            0,
            charts.Series(
                series_label(result.previous_year, result.previous_answered),
                [row.previous_percent for row in result.rows],
                charts.PALETTE[6],
                hidden=[row.previous_hidden for row in result.rows],
            ),
        )
    return charts.bar_chart(
        title=result.question.label,
        categories=[row.label for row in result.rows],
        series=series,
        unit="%",
        horizontal=True,
        compact=True,
        category_label=_("Réponse"),
    )


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


def participation_chart(rows: list[Participation], *, compact: bool = True):
    """Response rates per public: compact bars on screens (phones included), wide ones in the PDF."""
    if not any(p.invited for p in rows):
        return None  # nobody was invited by email (public links only): no rate to draw
    labels = Public.short_labels()
    return charts.bar_chart(
        title=_("Taux de réponse des personnes invitées, par public"),
        categories=[str(labels[p.questionnaire.public]) for p in rows],
        series=[charts.Series(_("Taux de réponse"), [p.rate for p in rows], charts.PALETTE[4])],
        unit="%",
        horizontal=compact,
        compact=compact,
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
    hidden: list[list[bool]] = field(default_factory=list)  # per row, per public: reads « < 5 »
    multiple: bool = False  # several answers possible: a column adds up to more than 100 %
    counts_rows: list[list[int | None]] = field(default_factory=list)  # staff: per row, per public
    base: str = BASE_ANSWERED  # what each public's N counts (see QuestionResult.base)

    @property
    def anchor(self) -> str:
        return f"cote-a-cote-{self.code}"

    @property
    def table(self) -> list[tuple[str, list[tuple[float | None, int | None]]]]:
        """Per answer: (percentage, count) per public; counts are None on public figures."""
        counts = self.counts_rows or [[None] * len(self.publics) for _row in self.rows]
        return [
            (label, list(zip(cells, row_counts, strict=True)))
            for (label, cells), row_counts in zip(self.rows, counts, strict=True)
        ]

    @property
    def counts(self) -> list[tuple[str, int | None]]:
        return list(zip(self.publics, self.answered, strict=True))


def cross_tabs(campaign: Campaign, *, public: bool = False, compact: bool = True) -> list[CrossTab]:
    """Questions asked to several publics (same code): percentages per public, side by side.

    `compact` charts suit screens down to a phone's; the PDF, a page wide, takes the wide ones."""
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
    by_id = {question.pk: question for question in questions}
    for question in by_id.values():
        by_code[question.code].append(question)
    labels = Public.short_labels()
    follows_hidden = _follows_hidden(list(by_id.values()), counts, answered) if public else set()
    submitted = dict(
        Response.objects.filter(questionnaire_id__in=ids, status=SUBMITTED)
        .values("questionnaire_id")
        .annotate(n=Count("pk"))
        .values_list("questionnaire_id", "n")
    )

    def hidden_values(question: Question, total: int) -> set[str]:
        if question.pk in follows_hidden:
            return {value for value, _label in _options(question)}
        return _hidden_values(question, counts.get(question.pk, {}), total)

    tabs = []
    for code, group in by_code.items():
        if len(group) < 2:
            continue
        # The publics in their usual order; two questionnaires at one position keep their creation order.
        group.sort(key=lambda q: (q.questionnaire.position, q.questionnaire_id))
        reference = group[0]
        # Only questions offering the same answers compare (a shared code may hold public-specific lists).
        reference_values = [c.value for c in reference.choices.all()]
        group = [q for q in group if [c.value for c in q.choices.all()] == reference_values]
        if len(group) < 2:
            continue
        options = [(c.value, c.label) for c in reference.choices.all()]
        if all(q.allow_other for q in group):
            options.append((OTHER, _("Autre")))
        publics = [str(labels[q.questionnaire.public]) for q in group]
        totals = [answered.get(q.pk, 0) for q in group]
        # « Souhaitez-vous… » reads over each public's respondents, as on its own page.
        base, bases = BASE_ANSWERED, totals
        if reference.role == QuestionRole.FOLLOW_UP and not any(q.is_conditional for q in group):
            base, bases = BASE_ASKED, [submitted.get(q.questionnaire_id, 0) for q in group]
        # Each public's column hides exactly what that public's own results hide (same counts,
        # same rule, « Autre » included), so setting the two side by side reveals nothing more.
        hidden_by_public = [
            hidden_values(question, total) if public else set()
            for question, total in zip(group, totals, strict=True)
        ]
        rows, hidden_rows, counts_rows = [], [], []
        for value, label in options:
            cells, hidden_cells, count_cells = [], [], []
            for question, total, hidden in zip(group, bases, hidden_by_public, strict=True):
                count = counts.get(question.pk, {}).get(value, 0)
                hidden_cells.append(value in hidden)
                cells.append(None if value in hidden else _percent(count, total))
                count_cells.append(None if public else count)
            rows.append((label, cells))
            hidden_rows.append(hidden_cells)
            counts_rows.append(count_cells)
        shown_totals = [
            None if public and (total < MIN_CELL or question.pk in follows_hidden) else shown
            for question, total, shown in zip(group, totals, bases, strict=True)
        ]
        series = [
            charts.Series(
                f"{publics[i]} ({_count_text(shown_totals[i])})",
                [cells[i] for _label, cells in rows],
                charts.PALETTE[(i + 3) % len(charts.PALETTE)],
                hidden=[hidden_cells[i] for hidden_cells in hidden_rows],
            )
            for i in range(len(group))
        ]
        chart = charts.bar_chart(
            title=reference.label,
            categories=[label for label, _cells in rows],
            series=series,
            unit="%",
            horizontal=True,
            compact=compact,
            category_label=_("Réponse"),
        )
        tabs.append(
            CrossTab(
                code,
                reference.label,
                publics,
                rows,
                shown_totals,
                chart,
                hidden_rows,
                multiple=reference.type == QuestionType.MULTIPLE,
                counts_rows=counts_rows,
                base=base,
            )
        )
    return tabs


def _count_text(count: int | None) -> str:
    """« N = 120 », or « N < 5 » where public figures hide it."""
    if count is None:
        return _("N < %(n)s") % {"n": MIN_CELL}
    return _("N = %(n)s") % {"n": count}


def number_text(value: Decimal | float | None) -> str:
    return charts.format_number(None if value is None else float(value))


def by_section(results: list[QuestionResult]) -> list[dict]:
    """Results grouped by the questionnaire's pages, in order: the table of contents' entries."""
    groups: list[dict] = []
    for result in results:
        section = result.question.section
        if not groups or groups[-1]["section"].pk != section.pk:
            groups.append(
                {"section": section, "anchor": f"page-{section.questionnaire_id}-{section.pk}", "results": []}
            )
        groups[-1]["results"].append(result)
    return groups
