"""Aggregates of a session: per criterion and side, the number of answers, mean, minimum, maximum.

The individual ratings are aggregated in SQL and never leave the database with a name or a
participant id attached: every group output (page, chart, PDF) is built from these numbers only.
The spread shown around a side's average is its minimum–maximum range (see the report): exact,
readable as « de 1 à 3 », always inside the 0–4 scale, unlike ±1 standard deviation in groups
of two to six people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.db.models import Avg, Count, Max, Min
from django.utils.translation import gettext as _

from selfassess.enums import Side
from selfassess.models import AssessmentSession, Criterion, JointRating, Participant, Rating, Sector


@dataclass(frozen=True)
class SideStats:
    count: int = 0
    mean: float | None = None
    minimum: int | None = None
    maximum: int | None = None

    @classmethod
    def from_scores(cls, scores: list[int]) -> SideStats:
        if not scores:
            return cls()
        return cls(
            count=len(scores), mean=sum(scores) / len(scores), minimum=min(scores), maximum=max(scores)
        )

    @property
    def has_spread(self) -> bool:
        """A range needs at least two answers; one answer is its own value, not a spread."""
        return self.count >= 2


@dataclass(frozen=True)
class Gap:
    """The difference between the two sides' means, with its direction.

    The size is the absolute difference (as always); `higher_side` says which side rates
    higher. Two means equal at the shown precision (one decimal) are a tie: a subject to
    discuss as well, since agreeing on a low score is not agreeing that all is well.
    """

    professional: float | None
    user: float | None

    @property
    def size(self) -> float | None:
        if self.professional is None or self.user is None:
            return None
        return abs(self.professional - self.user)

    @property
    def is_tie(self) -> bool:
        return self.size is not None and self.size < 0.05

    @property
    def higher_side(self) -> str | None:
        """Side.PROFESSIONAL or Side.USER; None for a tie or when a side has no mean."""
        if self.size is None or self.is_tie:
            return None
        return Side.PROFESSIONAL if self.professional > self.user else Side.USER

    @property
    def words(self) -> str:
        """« les professionnels notent plus haut de 2,0 points », « égalité : à discuter aussi »."""
        if self.size is None:
            return _("incomplet, un côté n'a pas répondu")
        if self.is_tie:
            return _("égalité : à discuter aussi")
        rounded = float(Decimal(repr(self.size)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        size = f"{rounded:.1f}".replace(".", ",")
        if self.higher_side == Side.PROFESSIONAL:
            text = (
                _("les professionnels notent plus haut de %(size)s points")
                if rounded >= 2
                else _("les professionnels notent plus haut de %(size)s point")
            )
        else:
            text = (
                _("les usagers notent plus haut de %(size)s points")
                if rounded >= 2
                else _("les usagers notent plus haut de %(size)s point")
            )
        return text % {"size": size}


@dataclass(frozen=True)
class CriterionResult:
    criterion: Criterion
    professional: SideStats
    user: SideStats
    joint: JointRating | None = None

    @property
    def divergence(self) -> float | None:
        """Absolute difference between the two sides' means; None when a side has no answer."""
        if self.professional.mean is None or self.user.mean is None:
            return None
        return abs(self.professional.mean - self.user.mean)

    @property
    def gap(self) -> Gap:
        return Gap(self.professional.mean, self.user.mean)

    def side(self, side: str) -> SideStats:
        return self.professional if side == Side.PROFESSIONAL else self.user


@dataclass(frozen=True)
class SectorMean:
    """A side's mean over a sector: the mean of its criteria's means (or joint scores).

    `rated` counts the criteria that have a value; with none, the sector is « non évalué »,
    never 0.
    """

    rated: int = 0
    mean: float | None = None

    @classmethod
    def of(cls, values: list[float | None]) -> SectorMean:
        present = [value for value in values if value is not None]
        if not present:
            return cls()
        return cls(rated=len(present), mean=sum(present) / len(present))


@dataclass(frozen=True)
class SectorResult:
    sector: Sector
    criteria_count: int
    professional: SectorMean
    user: SectorMean
    joint: SectorMean

    @property
    def gap(self) -> Gap:
        return Gap(self.professional.mean, self.user.mean)


@dataclass(frozen=True)
class SessionResults:
    session: AssessmentSession
    criteria: list[CriterionResult]  # in the framework's order: the radar's axes
    respondents: dict[str, int] = field(default_factory=dict)  # side -> participants with ≥1 answer

    @property
    def by_divergence(self) -> list[CriterionResult]:
        """Largest gap between the sides first; criteria a side left unanswered go last."""
        return sorted(
            self.criteria,
            key=lambda result: (result.divergence is None, -(result.divergence or 0.0)),
        )

    @property
    def single_respondent_sides(self) -> list[str]:
        return [side for side, count in self.respondents.items() if count == 1]

    @property
    def has_joint(self) -> bool:
        return any(result.joint is not None for result in self.criteria)

    @property
    def missing_joint_count(self) -> int:
        return sum(1 for result in self.criteria if result.joint is None)

    @cached_property
    def sectors(self) -> list[SectorResult]:
        """Per sector of the framework (co-expression, co-construction…), in order: each side's
        mean of the criterion means already computed, never of the individual answers."""
        groups: dict[int, list[CriterionResult]] = {}
        for result in self.criteria:
            groups.setdefault(result.criterion.sector_id, []).append(result)
        return [
            SectorResult(
                sector=members[0].criterion.sector,
                criteria_count=len(members),
                professional=SectorMean.of([r.professional.mean for r in members]),
                user=SectorMean.of([r.user.mean for r in members]),
                joint=SectorMean.of([None if r.joint is None else float(r.joint.score) for r in members]),
            )
            for members in groups.values()
        ]


def _aggregate(session: AssessmentSession) -> dict[tuple[int, str], SideStats]:
    rows = (
        Rating.objects.filter(participant__session=session)
        .values("criterion_id", "participant__side")
        .annotate(count=Count("pk"), mean=Avg("score"), minimum=Min("score"), maximum=Max("score"))
        .order_by()
    )
    return {
        (row["criterion_id"], row["participant__side"]): SideStats(
            count=row["count"], mean=float(row["mean"]), minimum=row["minimum"], maximum=row["maximum"]
        )
        for row in rows
    }


def respondents_by_side(session: AssessmentSession) -> dict[str, int]:
    counts = dict(
        Participant.objects.filter(session=session, ratings__isnull=False)
        .values("side")
        .annotate(count=Count("pk", distinct=True))
        .order_by()
        .values_list("side", "count")
    )
    return {side: counts.get(side, 0) for side in (Side.PROFESSIONAL, Side.USER)}


def session_results(session: AssessmentSession) -> SessionResults:
    stats = _aggregate(session)
    joints = {joint.criterion_id: joint for joint in JointRating.objects.filter(session=session)}
    criteria = Criterion.objects.filter(framework_id=session.framework_id).select_related("sector")
    results = [
        CriterionResult(
            criterion=criterion,
            professional=stats.get((criterion.pk, Side.PROFESSIONAL), SideStats()),
            user=stats.get((criterion.pk, Side.USER), SideStats()),
            joint=joints.get(criterion.pk),
        )
        for criterion in criteria
    ]
    return SessionResults(session=session, criteria=results, respondents=respondents_by_side(session))
