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
from cops.suppression import MIN_CELL, is_small, suppress_distribution, suppress_linked

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
    filtered: bool = False  # one group's results (a filter): no non-response figures

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


# A subset of the submitted responses (a filter), as the list of their ids; None: all of them.
ResponseIds = list[int] | None
_IN_SUBSET = "(%s::bigint[] IS NULL OR r.id = ANY(%s))"


def _choice_counts(
    questionnaire_ids: list[int], response_ids: ResponseIds = None
) -> dict[int, dict[str, int]]:
    """{question_id: {choice value: number of submitted responses that chose it}}"""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if not questionnaire_ids:
        return counts
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT a.question_id, v.value, COUNT(*)
            FROM barometer_answer a
            JOIN barometer_response r ON r.id = a.response_id
            CROSS JOIN LATERAL unnest(a.choices) AS v(value)
            WHERE r.questionnaire_id = ANY(%s) AND r.status = %s AND {_IN_SUBSET}
            GROUP BY a.question_id, v.value
            """,  # noqa: S608 (a constant)
            [questionnaire_ids, SUBMITTED, response_ids, response_ids],
        )
        for question_id, value, count in cursor.fetchall():
            counts[question_id][value] = count
    return counts


def _answered_counts(questionnaire_ids: list[int], response_ids: ResponseIds = None) -> dict[int, int]:
    if not questionnaire_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT a.question_id, COUNT(*)
            FROM barometer_answer a JOIN barometer_response r ON r.id = a.response_id
            WHERE r.questionnaire_id = ANY(%s) AND r.status = %s AND {_IN_SUBSET}
            GROUP BY a.question_id
            """,  # noqa: S608 (a constant)
            [questionnaire_ids, SUBMITTED, response_ids, response_ids],
        )
        return dict(cursor.fetchall())


def _number_stats(questionnaire_ids: list[int], response_ids: ResponseIds = None) -> dict[int, dict]:
    if not questionnaire_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT a.question_id, COUNT(a.number), AVG(a.number),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY a.number), MIN(a.number), MAX(a.number)
            FROM barometer_answer a JOIN barometer_response r ON r.id = a.response_id
            WHERE r.questionnaire_id = ANY(%s) AND r.status = %s AND a.number IS NOT NULL AND {_IN_SUBSET}
            GROUP BY a.question_id
            """,  # noqa: S608 (a constant)
            [questionnaire_ids, SUBMITTED, response_ids, response_ids],
        )
        return {
            row[0]: {"n": row[1], "mean": row[2], "median": row[3], "min": row[4], "max": row[5]}
            for row in cursor.fetchall()
        }


def _submitted_count(questionnaire_id: int, response_ids: ResponseIds = None) -> int:
    if response_ids is not None:
        return len(response_ids)
    return Response.objects.filter(questionnaire_id=questionnaire_id, status=SUBMITTED).count()


# --- Filters: territory and profile -------------------------------------------------------------

# The questions that split a public's respondents into groups (their codes, the same every
# year and in every questionnaire that asks them): « Où exercez-vous principalement ? »
# (Est, Ouest, Région) and « Vous êtes… » (the patients' profile).
DIMENSIONS = ("territoire", "profil")
NOT_GIVEN = ""  # the group of respondents who did not answer the dimension's question
N = "__n__"  # the cell of a group's number of answers, in the masks


def subgroup_response_ids(questionnaire_ids: list[int], subgroup: dict[str, str]) -> ResponseIds:
    """The submitted responses whose answer to each dimension question is the one asked for."""
    if not subgroup:
        return None
    queryset = Response.objects.filter(questionnaire_id__in=questionnaire_ids, status=SUBMITTED)
    for code, value in subgroup.items():
        queryset = queryset.filter(
            pk__in=Answer.objects.filter(question__code=code, choices__contains=[value]).values("response_id")
        )
    return list(queryset.values_list("pk", flat=True))


def _split_counts(questionnaire_ids: list[int], response_ids: ResponseIds = None):
    """Every question's counts split by each dimension's groups, in one query.

    Returns ({question_id: {(dimension, group): {value: count}}}, {question_id: {(dimension,
    group): answered}}); a questionnaire that does not ask a dimension's question has no group.
    """
    counts: dict = defaultdict(lambda: defaultdict(dict))
    answered: dict = defaultdict(dict)
    if not questionnaire_ids:
        return counts, answered
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH g AS (
                SELECT r.id AS response_id, dq.code AS dim, COALESCE(da.choices[1], %s) AS grp
                FROM barometer_response r
                JOIN barometer_question dq
                  ON dq.questionnaire_id = r.questionnaire_id AND dq.code = ANY(%s::text[])
                LEFT JOIN barometer_answer da ON da.response_id = r.id AND da.question_id = dq.id
                WHERE r.questionnaire_id = ANY(%s) AND r.status = %s AND {_IN_SUBSET}
            )
            SELECT a.question_id, g.dim, g.grp, v.value, COUNT(*)
            FROM barometer_answer a JOIN g ON g.response_id = a.response_id
            CROSS JOIN LATERAL unnest(a.choices) AS v(value)
            GROUP BY 1, 2, 3, 4
            UNION ALL
            SELECT a.question_id, g.dim, g.grp, NULL, COUNT(*)
            FROM barometer_answer a JOIN g ON g.response_id = a.response_id
            GROUP BY 1, 2, 3
            """,  # noqa: S608 (a constant)
            [NOT_GIVEN, list(DIMENSIONS), questionnaire_ids, SUBMITTED, response_ids, response_ids],
        )
        for question_id, dim, group, value, count in cursor.fetchall():
            if value is None:
                answered[question_id][(dim, group)] = count
            else:
                counts[question_id][(dim, group)][value] = count
    return counts, answered


def dimension_groups(questions: list[Question]) -> dict[int, dict[str, list[tuple[str, str]]]]:
    """{questionnaire_id: {dimension: [(group, label)…]}}: the answers of each dimension question,
    then « Non renseigné » (the people who left it blank, or were not asked)."""
    groups: dict[int, dict[str, list[tuple[str, str]]]] = defaultdict(dict)
    for question in questions:
        if question.code in DIMENSIONS and question.has_choices:
            groups[question.questionnaire_id][question.code] = [
                *_options(question),
                (NOT_GIVEN, _("Non renseigné")),
            ]
    return groups


@dataclass
class Split:
    """What the public rule needs to know about one question's counts split by the dimensions."""

    groups: dict[str, list[str]]  # dimension: its groups (the questionnaire's)
    counts: dict  # (dimension, group): {value: count}
    answered: dict  # (dimension, group): number of answers


@dataclass
class Masks:
    """The cells a public figure hides, for one question: in the whole public (`total`), and in
    each group of each dimension (`groups`); `hidden_n`: groups whose number of answers is hidden."""

    total: set[str]
    groups: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    hidden_n: set[tuple[str, str]] = field(default_factory=set)

    def of(self, key: tuple[str, str] | None) -> set[str]:
        return self.total if key is None else self.groups.get(key, set())


def _masks(question: Question, per_value: dict[str, int], total: int, split: Split | None = None) -> Masks:
    """The one place the barometer asks the rule (cops.suppression), for one question.

    The whole public's answers and the same answers split by territory and by profile are
    published side by side (filters, cross-tables), so they are suppressed together: each
    group's answers add up to its number of answers, and each answer's groups add up to the
    whole public's (as each group's numbers of answers add up to the question's). A cell hidden
    anywhere cannot then be worked out by subtracting shown cells elsewhere. The whole public's
    own cells are hidden by the usual rule first and never as partners of a group's.
    """
    options = [value for value, _label in _options(question)]
    single = question.type != QuestionType.MULTIPLE
    counts: dict[tuple[int, int], int] = {}
    hidden: set[tuple[int, int]] = set()
    lines: list[list[tuple[int, int]]] = []
    whole: set[int] = set()  # columns under MIN_CELL answers (a group nobody is in hides nothing)

    def column(col: int, values: dict[str, int], answered: int, with_n: bool) -> None:
        cells = [(col, row) for row in range(len(options))]
        for (c, row), value in zip(cells, options, strict=True):
            counts[(c, row)] = values.get(value, 0)
        if (answered < MIN_CELL) if col == 0 else is_small(answered):
            # Masked whole (see `whole` below); its zeros name nobody and need no partner.
            whole.add(col)
            hidden.update(cell for cell in cells if counts[cell])
        else:
            hidden.update(cell for cell in cells if is_small(counts[cell]))
        if with_n:
            counts[(col, len(options))] = answered
            if is_small(answered):
                hidden.add((col, len(options)))
        if single:
            # Only single answers add up to the number of answers.
            lines.append(cells + ([(col, len(options))] if with_n else []))

    column(0, per_value, total, with_n=False)
    # The whole public's answers are suppressed on their own, exactly as its page always did;
    # the groups then hide what they must around them, never more of the whole public.
    hidden = suppress_linked(counts, lines, hidden)
    fixed = set(counts)
    keys: list[tuple[str, str]] = []
    if split is not None:
        for dim, groups in split.groups.items():
            first = len(keys) + 1
            for group in groups:
                keys.append((dim, group))
                column(
                    len(keys), split.counts.get((dim, group), {}), split.answered.get((dim, group), 0), True
                )
            columns = range(first, len(keys) + 1)
            # Each answer: its groups add up to the whole public's; the groups' numbers of answers too.
            for row in range(len(options)):
                lines.append([(col, row) for col in columns] + [(0, row)])
            lines.append([(col, len(options)) for col in columns])
    hidden = suppress_linked(counts, lines, hidden, fixed=fixed)
    masks = Masks(total={value for row, value in enumerate(options) if (0, row) in hidden or 0 in whole})
    for col, key in enumerate(keys, start=1):
        masks.groups[key] = {
            value for row, value in enumerate(options) if (col, row) in hidden or col in whole
        }
        if (col, len(options)) in hidden:
            masks.hidden_n.add(key)
    return masks


def _asked_counts(
    questions: list[Question], submitted: int, response_ids: ResponseIds = None
) -> dict[int, int]:
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
    )
    if response_ids is not None:
        rows = rows.filter(response_id__in=response_ids)
    rows = rows.values_list("response_id", "question_id", "choices")
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


def _hidden_values(
    question: Question, per_value: dict[str, int], total: int, split: Split | None = None
) -> set[str]:
    """The answers of `question` whose count (and percentage) a public figure must hide.

    The one place the barometer asks the rule (through `_masks`), so that a question's
    distribution, its column among the publics side by side, its column as « édition
    précédente » and its columns split by territory or profile hide the same cells.
    """
    return _masks(question, per_value, total, split).total


class _Counts:
    """Some questionnaires' counts, whole and split by the dimensions, read once (4 queries)."""

    def __init__(self, questions: list[Question], ids: list[int], *, counts=None, answered=None, split=True):
        self.counts = _choice_counts(ids) if counts is None else counts
        self.answered = _answered_counts(ids) if answered is None else answered
        self.with_split = split
        self.split_counts, self.split_answered = _split_counts(ids) if split else ({}, {})
        self.groups = dimension_groups(questions)
        self._masks: dict[int, Masks] = {}

    def split(self, question: Question) -> Split:
        groups = self.groups.get(question.questionnaire_id, {})
        return Split(
            groups={dim: [group for group, _label in options] for dim, options in groups.items()},
            counts=self.split_counts.get(question.pk, {}),
            answered=self.split_answered.get(question.pk, {}),
        )

    def masks(self, question: Question) -> Masks:
        if question.pk not in self._masks:
            self._masks[question.pk] = _masks(
                question,
                self.counts.get(question.pk, {}),
                self.answered.get(question.pk, 0),
                self.split(question) if self.with_split else None,
            )
        return self._masks[question.pk]

    def conceals(self, question: Question, dimension: str | None = None) -> bool:
        """Whether a public figure hides anything of this question: in the whole public, or (with
        a dimension) in the whole public or any of its groups."""
        if not question.has_choices:
            if self.answered.get(question.pk, 0) < MIN_CELL:
                return True
            return dimension is not None and any(
                n < MIN_CELL
                for (dim, _g), n in self.split(question).answered.items()
                if dim == dimension and n
            )
        masks = self.masks(question)
        if masks.total:
            return True
        return dimension is not None and any(
            cells or key in masks.hidden_n for key, cells in masks.groups.items() if key[0] == dimension
        )


def _follows_hidden(questions: list[Question], data: "_Counts", dimension: str | None = None) -> set[int]:
    """Conditional questions asked after an answer that public figures hide (at any depth).

    Such a question has as many respondents as those answers had, so its total (or its
    percentages' base) would give the controlling question's hidden cells back: it is masked
    whole. Seen through a filter (`dimension`), a question is masked in every group as soon as
    its controller hides a cell in the whole public or in any group of that dimension, so that
    no group's number of respondents can be subtracted from the others'. Questions that have
    fewer than MIN_CELL answers are masked anyway and not listed.
    """
    by_id = {q.pk: q for q in questions}
    memo: dict[int, bool] = {}

    def conceals(question: Question) -> bool:
        if question.pk not in memo:
            memo[question.pk] = True  # a condition loop hides rather than recurses
            memo[question.pk] = follows(question) or data.conceals(question, dimension)
        return memo[question.pk]

    def follows(question: Question) -> bool:
        controller = by_id.get(question.show_if_question_id) if question.is_conditional else None
        return controller is not None and conceals(controller)

    return {q.pk for q in questions if data.answered.get(q.pk, 0) >= MIN_CELL and follows(q)}


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
    questionnaire: Questionnaire,
    *,
    public: bool = False,
    compare: bool = True,
    subgroup: dict[str, str] | None = None,
) -> list[QuestionResult]:
    """One result per question that can be counted (choices and numbers).

    `subgroup` ({dimension: group}, e.g. {"territoire": "est"}) keeps the respondents of that
    group only; public figures take one dimension at a time (see `_subgroup_results`)."""
    questions = [
        q
        for q in questions_for(questionnaire)
        if (q.has_choices or q.type == QuestionType.NUMBER) and q.role != QuestionRole.CONTACT_EMAIL
    ]
    ids = [questionnaire.pk]
    response_ids: ResponseIds = None
    if subgroup:
        compare = False  # the earlier edition's whole public would not compare with a group
        if public:
            return _subgroup_results(questionnaire, questions, dict(subgroup))
        response_ids = subgroup_response_ids(ids, subgroup)
    counts, answered = _choice_counts(ids, response_ids), _answered_counts(ids, response_ids)
    numbers = _number_stats(ids, response_ids)
    submitted = _submitted_count(questionnaire.pk, response_ids)
    asked_counts = _asked_counts(questions, submitted, response_ids) if questions else {}
    previous = previous_questionnaire(questionnaire) if compare else None
    prev_by_code: dict[str, tuple[Question, dict[str, int], int]] = {}
    prev_numbers: dict[int, dict] = {}
    prev_data: _Counts | None = None
    prev_follows: set[int] = set()
    if previous is not None:
        prev_counts, prev_answered = _choice_counts([previous.pk]), _answered_counts([previous.pk])
        prev_numbers = _number_stats([previous.pk])
        prev_questions = list(previous.questions.prefetch_related("choices"))
        if public:
            # The whole public's masks only: they never depend on the split (see `_masks`).
            prev_data = _Counts(
                prev_questions, [previous.pk], counts=prev_counts, answered=prev_answered, split=False
            )
            prev_follows = _follows_hidden(prev_questions, prev_data)
        for q in prev_questions:
            prev_by_code[q.code] = (q, prev_counts.get(q.pk, {}), prev_answered.get(q.pk, 0))
    data = _Counts(questions, ids, counts=counts, answered=answered, split=False) if public else None
    follows_hidden = _follows_hidden(questions, data) if public else set()
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
                    prev_hidden = prev_data.masks(prev_question).total
                for row in result.rows:
                    if row.value in prev_hidden:
                        row.previous_hidden = True
                    else:
                        row.previous_percent = _percent(prev_values.get(row.value, 0), prev_base)
                        row.previous_count = None if public else prev_values.get(row.value, 0)
        _non_response(result, submitted, asked, public=public)
        if public:
            hidden = data.masks(question).total
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


def _subgroup_results(
    questionnaire: Questionnaire, questions: list[Question], subgroup: dict[str, str]
) -> list[QuestionResult]:
    """Public figures of one group (one dimension: a territory, or a profile).

    The counts are the group's column of the question split by that dimension, hidden with the
    masks computed on the whole split (`_masks`): the cells, the group's number of answers,
    and a question asked after a hidden answer, as everywhere else. Only the number of people
    who answered is given (no « sans réponse »: it would be one more figure to subtract), and no
    comparison with the earlier edition. [] when the questionnaire does not ask that dimension.
    """
    (dimension, group), *_rest = subgroup.items()
    key = (dimension, group)
    ids = [questionnaire.pk]
    data = _Counts(questions, ids)
    if dimension not in data.groups.get(questionnaire.pk, {}):
        return []
    numbers = _number_stats(ids, subgroup_response_ids(ids, {dimension: group}))
    follows = _follows_hidden(questions, data, dimension)
    results = []
    for question in questions:
        split = data.split(question)
        n = split.answered.get(key, 0)
        result = QuestionResult(
            question=question, answered=n, year=questionnaire.campaign.year, filtered=True
        )
        results.append(result)
        if question.pk in follows or n < MIN_CELL:
            result.masked = True
            result.masked_by_condition = question.pk in follows and n >= MIN_CELL
            result.answered = None
            result.rows = [Row(value, label, None, None, hidden=True) for value, label in _options(question)]
            continue
        if question.type == QuestionType.NUMBER:
            stats = numbers.get(question.pk)
            if stats and not data.conceals(question, dimension):
                result.stats = {k: v for k, v in stats.items() if k not in ("min", "max")}
            else:
                result.masked = True
                result.answered = None
            continue
        masks = data.masks(question)
        hidden = masks.groups.get(key, set())
        if key in masks.hidden_n:
            result.answered = None
        per_value = split.counts.get(key, {})
        result.rows = [
            Row(value, label, None, None, hidden=True)
            if value in hidden
            else Row(value, label, None, _percent(per_value.get(value, 0), n))
            for value, label in _options(question)
        ]
        result.chart = _chart(result)
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


def cross_tabs(
    campaign: Campaign,
    *,
    public: bool = False,
    compact: bool = True,
    subgroup: dict[str, str] | None = None,
    code: str | None = None,
    publics: list[str] | None = None,
) -> list[CrossTab]:
    """Questions asked to several publics (same code): percentages per public, side by side.

    `subgroup` keeps one group of respondents in every public (public figures: one dimension,
    each public's column hidden as that public's own filtered results are); `code` keeps one
    question (then even a single public makes a table: the cross-table « par public »);
    `publics` keeps some publics. `compact` charts suit screens down to a phone's; the PDF, a
    page wide, takes the wide ones."""
    questionnaires = list(campaign.questionnaires.order_by("position"))
    if publics:
        questionnaires = [q for q in questionnaires if q.public in publics]
    ids = [q.pk for q in questionnaires]
    subgroup = dict(subgroup or {})
    key = next(iter(subgroup.items())) if subgroup and public else None
    response_ids = subgroup_response_ids(ids, subgroup) if subgroup and not public else None
    by_code: dict[str, list[Question]] = defaultdict(list)
    questions = (
        Question.objects.filter(questionnaire__in=ids, type__in=QuestionType.with_choices())
        .exclude(role=QuestionRole.CONTACT_EMAIL)
        .select_related("questionnaire", "section")
        .prefetch_related("choices")
        .order_by("section__position", "position")
    )
    by_id = {question.pk: question for question in questions}
    data = _Counts(list(by_id.values()), ids, split=bool(subgroup)) if public else None
    if public:
        counts, answered = data.counts, data.answered
    else:
        counts, answered = _choice_counts(ids, response_ids), _answered_counts(ids, response_ids)
    if key is not None:
        # Each public's group: its column of the split (the masks are computed on the whole split).
        counts = {pk: data.split_counts.get(pk, {}).get(key, {}) for pk in by_id}
        answered = {pk: data.split_answered.get(pk, {}).get(key, 0) for pk in by_id}
    asked_dimensions = dimension_groups(list(by_id.values()))
    for question in by_id.values():
        if subgroup and not all(
            dim in asked_dimensions.get(question.questionnaire_id, {}) for dim in subgroup
        ):
            continue  # a public not asked the filter's question: « non disponible pour ce public »
        if code is None or question.code == code:
            by_code[question.code].append(question)
    labels = Public.short_labels()
    follows_hidden = _follows_hidden(list(by_id.values()), data, key[0] if key else None) if public else set()
    submitted_rows = Response.objects.filter(questionnaire_id__in=ids, status=SUBMITTED)
    if response_ids is not None:
        submitted_rows = submitted_rows.filter(pk__in=response_ids)
    submitted = dict(
        submitted_rows.values("questionnaire_id").annotate(n=Count("pk")).values_list("questionnaire_id", "n")
    )

    def hidden_values(question: Question, total: int) -> set[str]:
        if question.pk in follows_hidden or (
            key is not None and key[0] not in data.groups.get(question.questionnaire_id, {})
        ):
            return {value for value, _label in _options(question)}
        if key is not None:
            return data.masks(question).of(key) | (
                {value for value, _label in _options(question)} if total < MIN_CELL else set()
            )
        return data.masks(question).total

    def total_hidden(question: Question, total: int) -> bool:
        if total < MIN_CELL or question.pk in follows_hidden:
            return True
        return key is not None and key in data.masks(question).hidden_n

    minimum = 1 if code is not None else 2
    tabs = []
    for question_code, group in by_code.items():
        if len(group) < minimum:
            continue
        # The publics in their usual order; two questionnaires at one position keep their creation order.
        group.sort(key=lambda q: (q.questionnaire.position, q.questionnaire_id))
        reference = group[0]
        # Only questions offering the same answers compare (a shared code may hold public-specific lists).
        reference_values = [c.value for c in reference.choices.all()]
        group = [q for q in group if [c.value for c in q.choices.all()] == reference_values]
        if len(group) < minimum:
            continue
        options = [(c.value, c.label) for c in reference.choices.all()]
        if all(q.allow_other for q in group):
            options.append((OTHER, _("Autre")))
        publics = [str(labels[q.questionnaire.public]) for q in group]
        totals = [answered.get(q.pk, 0) for q in group]
        # « Souhaitez-vous… » reads over each public's respondents, as on its own page.
        base, bases = BASE_ANSWERED, totals
        if (
            reference.role == QuestionRole.FOLLOW_UP
            and not any(q.is_conditional for q in group)
            and not subgroup
        ):
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
            None if public and total_hidden(question, total) else shown
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
                question_code,
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


# --- Filters and cross-tables (LimeSurvey's « statistiques rapides ») ----------------------------

BY_PUBLIC = "public"
BY_CHOICES = (BY_PUBLIC, *DIMENSIONS)


def short_label(label) -> str:
    """« Est de l'Occitanie » for « Est de l'Occitanie (Aude, Gard, …) »: a column's heading."""
    return str(label).split(" (")[0]


def dimension_label(dimension: str) -> str:
    return {BY_PUBLIC: _("Public"), "territoire": _("Territoire"), "profil": _("Profil")}[dimension]


@dataclass
class Filters:
    """The GET parameters of a results page, validated: ?public=…&territoire=…&profil=…
    &croiser=<question code>&par=public|territoire|profil."""

    public: str = ""
    territoire: str = ""
    profil: str = ""
    croiser: str = ""
    par: str = ""

    @property
    def subgroup(self) -> dict[str, str]:
        return {dim: getattr(self, dim) for dim in DIMENSIONS if getattr(self, dim)}

    @property
    def active(self) -> bool:
        return bool(self.public or self.subgroup or self.croiser)

    def query(self) -> str:
        from urllib.parse import urlencode

        return urlencode({k: v for k, v in self.__dict__.items() if v})


@dataclass
class FilterOptions:
    """What the filter form offers for a campaign (read in two queries)."""

    publics: list[tuple[str, str]]
    groups: dict[str, list[tuple[str, str]]]  # dimension: [(value, label)…], without « non renseigné »
    available: dict[str, list[str]]  # dimension: publics whose questionnaire asks it
    questions: list[tuple[str, str]]  # (code, label) of the questions that can be crossed

    def label(self, dimension: str, value: str) -> str:
        if dimension == BY_PUBLIC:
            return dict(self.publics).get(value, value)
        return dict(self.groups.get(dimension, [])).get(value, value)


def filter_options(campaign: Campaign) -> FilterOptions:
    questionnaires = list(campaign.questionnaires.order_by("position", "pk"))
    labels = Public.short_labels()
    questions = (
        Question.objects.filter(questionnaire__campaign=campaign, type__in=QuestionType.with_choices())
        .exclude(role=QuestionRole.CONTACT_EMAIL)
        .select_related("questionnaire")
        .prefetch_related("choices")
        .order_by("questionnaire__position", "questionnaire_id", "section__position", "position")
    )
    groups: dict[str, list[tuple[str, str]]] = {dim: [] for dim in DIMENSIONS}
    available: dict[str, list[str]] = {dim: [] for dim in DIMENSIONS}
    crossable: dict[str, str] = {}
    for question in questions:
        crossable.setdefault(question.code, question.label)
        if question.code in DIMENSIONS:
            available[question.code].append(question.questionnaire.public)
            known = {value for value, _label in groups[question.code]}
            groups[question.code] += [
                (v, short_label(label)) for v, label in _options(question) if v not in known
            ]
    return FilterOptions(
        publics=[(q.public, str(labels.get(q.public, q.get_public_display()))) for q in questionnaires],
        groups=groups,
        available=available,
        questions=list(crossable.items()),
    )


def parse_filters(query, options: FilterOptions, *, public: bool) -> tuple[Filters, list[str]]:
    """The filters of a GET query, and the French messages about what was ignored and why.

    A bookmarked link whose value no longer exists still opens the page: the value is ignored
    and the page says so. Public figures take one dimension at a time (a group within a group
    would need a third table to hide its small counts), and a cross-table by territory or
    profile needs one public (a table mixing publics is published nowhere else)."""
    notes: list[str] = []
    values = {
        name: (query.get(name) or "").strip() for name in ("public", "territoire", "profil", "croiser", "par")
    }

    def refuse(name: str, label: str) -> None:
        notes.append(
            _("La valeur « %(value)s » du filtre « %(filter)s » n'existe pas : le filtre est ignoré.")
            % {"value": values[name][:40], "filter": label}
        )
        values[name] = ""

    if values["public"] and values["public"] not in dict(options.publics):
        refuse("public", _("Public"))
    for dim in DIMENSIONS:
        if values[dim] and values[dim] not in dict(options.groups[dim]):
            refuse(dim, dimension_label(dim))
        elif values[dim] and values["public"] and values["public"] not in options.available[dim]:
            notes.append(
                _("« %(filter)s » : non disponible pour ce public ; le filtre est ignoré.")
                % {"filter": dimension_label(dim)}
            )
            values[dim] = ""
    for dim in DIMENSIONS:
        missing = [label for public_, label in options.publics if public_ not in options.available[dim]]
        if values[dim] and not values["public"] and missing:
            notes.append(
                _(
                    "« %(filter)s » : non disponible pour ce public : %(publics)s ; leurs réponses ne sont pas comptées."
                )
                % {"filter": dimension_label(dim), "publics": ", ".join(missing)}
            )
    if values["croiser"] and values["croiser"] not in dict(options.questions):
        refuse("croiser", _("Question à croiser"))
    if values["par"] and values["par"] not in BY_CHOICES:
        refuse("par", _("Croiser par"))
    if values["croiser"] and not values["par"]:
        values["par"] = BY_PUBLIC
    if not values["croiser"]:
        values["par"] = ""
    if values["par"] in DIMENSIONS and values[values["par"]]:
        notes.append(
            _("Le tableau est croisé par « %(filter)s » : le filtre « %(filter)s » est ignoré.")
            % {"filter": dimension_label(values["par"])}
        )
        values[values["par"]] = ""
    if public:
        if values["territoire"] and values["profil"]:
            notes.append(
                _(
                    "Les résultats publics se filtrent par territoire ou par profil, pas les deux à la "
                    "fois : le profil est ignoré."
                )
            )
            values["profil"] = ""
        if values["par"] in DIMENSIONS:
            if not values["public"]:
                notes.append(_("Choisissez un public pour croiser par territoire ou par profil."))
                values["par"] = BY_PUBLIC
            else:
                other = next(dim for dim in DIMENSIONS if dim != values["par"])
                if values[other]:
                    notes.append(
                        _(
                            "Un tableau croisé public ne prend pas de filtre en plus : « %(filter)s » est ignoré."
                        )
                        % {"filter": dimension_label(other)}
                    )
                    values[other] = ""
    return Filters(**values), notes


@dataclass
class Cell:
    count: int | None  # None on public figures
    percent: float | None
    hidden: bool = False  # reads « < 5 »


@dataclass
class CrossTable:
    """One question crossed by public, territory or profile: its answers in rows, the groups in
    columns (and the whole in « Ensemble »), each cell a count (staff) and a percentage of its
    column's number of answers (N)."""

    code: str
    label: str
    by: str
    columns: list[str]
    column_n: list[int | None]  # None: hidden
    column_masked: list[bool]  # fewer than MIN_CELL answers: the column is masked
    rows: list[tuple[str, list[Cell]]]
    multiple: bool = False
    public: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def by_label(self) -> str:
        return dimension_label(self.by)

    @property
    def header(self) -> list[tuple[str, int | None, bool]]:
        return list(zip(self.columns, self.column_n, self.column_masked, strict=True))

    def flat(self) -> list[list]:
        """The table as the CSV and XLSX exports write it: one line per answer, then the N line."""
        head = [_("Réponse")]
        for name in self.columns:
            head += [f"{name} ({_('effectif')})", f"{name} (%)"] if not self.public else [f"{name} (%)"]
        lines = [head]
        hidden = _("< %(n)s") % {"n": MIN_CELL}
        for label, cells in self.rows:
            line = [label]
            for cell in cells:
                if cell.hidden:
                    line += [hidden, hidden] if not self.public else [hidden]
                else:
                    line += [cell.count, cell.percent] if not self.public else [cell.percent]
            lines.append(line)
        n_line = [_("Nombre de réponses (N)")]
        for n, masked in zip(self.column_n, self.column_masked, strict=True):
            text = hidden if masked else (_("masqué") if n is None else n)
            n_line += [text, ""] if not self.public else [text]
        lines.append(n_line)
        return lines


def _table_from_tab(tab: CrossTab, *, public: bool) -> CrossTable:
    counts = tab.counts_rows or [[None] * len(tab.publics) for _row in tab.rows]
    rows = [
        (
            label,
            [
                Cell(None if public else count, percent, hidden)
                for percent, count, hidden in zip(cells, row_counts, hidden_row, strict=True)
            ],
        )
        for (label, cells), row_counts, hidden_row in zip(tab.rows, counts, tab.hidden, strict=True)
    ]
    masked = [public and n is None and all(r[i] for r in tab.hidden) for i, n in enumerate(tab.answered)]
    return CrossTable(
        tab.code, tab.label, BY_PUBLIC, tab.publics, tab.answered, masked, rows, tab.multiple, public
    )


def cross_table(campaign: Campaign, filters: Filters, *, public: bool) -> CrossTable | None:
    """The cross-table the filters ask for (`filters.croiser` by `filters.par`), or None."""
    if not filters.croiser or filters.par not in BY_CHOICES:
        return None
    if filters.par == BY_PUBLIC:
        tabs = cross_tabs(
            campaign,
            public=public,
            subgroup=filters.subgroup,
            code=filters.croiser,
            publics=[filters.public] if filters.public else None,
        )
        return _table_from_tab(tabs[0], public=public) if tabs else None
    return _dimension_table(campaign, filters, public=public)


def _dimension_table(campaign: Campaign, filters: Filters, *, public: bool) -> CrossTable | None:
    dimension = filters.par
    questionnaires = list(campaign.questionnaires.order_by("position", "pk"))
    if filters.public:
        questionnaires = [q for q in questionnaires if q.public == filters.public]
    ids = [q.pk for q in questionnaires]
    all_questions = list(
        Question.objects.filter(questionnaire__in=ids, type__in=QuestionType.with_choices())
        .exclude(role=QuestionRole.CONTACT_EMAIL)
        .select_related("questionnaire")
        .prefetch_related("choices")
    )
    group = [q for q in all_questions if q.code == filters.croiser]
    if not group:
        return None
    group.sort(key=lambda q: (q.questionnaire.position, q.questionnaire_id))
    reference = group[0]
    values = [c.value for c in reference.choices.all()]
    notes = []
    skipped = [q for q in group if [c.value for c in q.choices.all()] != values]
    group = [q for q in group if q not in skipped]
    options = (
        _options(reference)
        if all(q.allow_other for q in group)
        else [(v.value, v.label) for v in reference.choices.all()]
    )
    groups_by_questionnaire = dimension_groups(all_questions)
    without = [q for q in group if dimension not in groups_by_questionnaire.get(q.questionnaire_id, {})]
    labels = Public.short_labels()
    if without:
        notes.append(
            _("« %(filter)s » : non disponible pour ce public : %(publics)s.")
            % {
                "filter": dimension_label(dimension),
                "publics": ", ".join(str(labels.get(q.questionnaire.public, "")) for q in without),
            }
        )
    if skipped:
        notes.append(
            _("Réponses proposées différentes, non comptées : %(publics)s.")
            % {"publics": ", ".join(str(labels.get(q.questionnaire.public, "")) for q in skipped)}
        )
    columns_keys: list[str] = []
    column_labels: list[str] = []
    for q in group:
        for value, label in groups_by_questionnaire.get(q.questionnaire_id, {}).get(dimension, []):
            if value not in columns_keys:
                columns_keys.append(value)
                column_labels.append(short_label(label))
    if NOT_GIVEN in columns_keys:  # « Non renseigné » last
        i = columns_keys.index(NOT_GIVEN)
        columns_keys.append(columns_keys.pop(i))
        column_labels.append(column_labels.pop(i))
    per_column: list[dict[str, int]] = [defaultdict(int) for _key in columns_keys]
    n_column = [0] * len(columns_keys)
    total_counts: dict[str, int] = defaultdict(int)
    total_n = 0
    hidden_columns: list[set[str]] = [set() for _key in columns_keys]
    hidden_n = [False] * len(columns_keys)
    total_hidden: set[str] = set()
    if public:
        # One public (parse_filters sees to it): the masks of its own split, as its filtered pages.
        data = _Counts(all_questions, ids)
        question = group[0]
        masks = data.masks(question)
        follows_whole = question.pk in _follows_hidden(all_questions, data)
        follows_groups = question.pk in _follows_hidden(all_questions, data, dimension)
        split = data.split(question)
        all_values = {value for value, _label in options}
        for i, key in enumerate(columns_keys):
            per_column[i].update(split.counts.get((dimension, key), {}))
            n_column[i] = split.answered.get((dimension, key), 0)
            hidden_columns[i] = all_values if follows_groups else masks.of((dimension, key))
            hidden_n[i] = follows_groups or (dimension, key) in masks.hidden_n
        total_counts.update(data.counts.get(question.pk, {}))
        total_n = data.answered.get(question.pk, 0)
        total_hidden = all_values if follows_whole else masks.total
    else:
        response_ids = subgroup_response_ids(ids, filters.subgroup) if filters.subgroup else None
        split_counts, split_answered = _split_counts(ids, response_ids)
        counts, answered = _choice_counts(ids, response_ids), _answered_counts(ids, response_ids)
        for question in group:
            for i, key in enumerate(columns_keys):
                for value, count in split_counts.get(question.pk, {}).get((dimension, key), {}).items():
                    per_column[i][value] += count
                n_column[i] += split_answered.get(question.pk, {}).get((dimension, key), 0)
            for value, count in counts.get(question.pk, {}).items():
                total_counts[value] += count
            total_n += answered.get(question.pk, 0)
    if NOT_GIVEN in columns_keys and n_column[-1] == 0:  # everyone answered: no empty column
        for values in (columns_keys, column_labels, per_column, n_column, hidden_columns, hidden_n):
            values.pop()
    columns = [*column_labels, _("Ensemble")]
    per_column.append(total_counts)
    n_column.append(total_n)
    hidden_columns.append(total_hidden)
    hidden_n.append(False)
    masked = [public and n < MIN_CELL and n > 0 for n in n_column]
    masked[-1] = public and total_n < MIN_CELL
    rows = []
    for value, label in options:
        cells = []
        for i in range(len(columns)):
            count = per_column[i].get(value, 0)
            if public and (value in hidden_columns[i] or masked[i]):
                cells.append(Cell(None, None, True))
            else:
                cells.append(Cell(None if public else count, _percent(count, n_column[i])))
        rows.append((label, cells))
    shown_n = [None if public and (masked[i] or hidden_n[i]) else n_column[i] for i in range(len(columns))]
    return CrossTable(
        reference.code,
        reference.label,
        dimension,
        columns,
        shown_n,
        masked,
        rows,
        multiple=reference.type == QuestionType.MULTIPLE,
        public=public,
        notes=notes,
    )
