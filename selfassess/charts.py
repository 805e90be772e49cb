"""The target (radar) of a session and of a group's history, drawn by cops.charts.

The same Chart object feeds the page and the PDF, so both show the same SVG.
"""

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cops import charts
from selfassess.enums import HistorySeries, Side
from selfassess.models import AssessmentSession
from selfassess.results import SessionResults, SideStats, session_results

# The short names the target uses for the two sides (the radar's series say the same).
SIDE_GROUP_LABELS = {Side.PROFESSIONAL: gettext_lazy("Professionnels"), Side.USER: gettext_lazy("Usagers")}


def axis_labels(results: SessionResults) -> list[str]:
    return [
        f"{index}. {result.criterion.short_label}" for index, result in enumerate(results.criteria, start=1)
    ]


def _band(stats: list[SideStats]) -> tuple[list[float | None], list[float | None]]:
    # A side with a single answer has no spread: its band collapses onto its line.
    low = [None if s.count == 0 else float(s.minimum if s.has_spread else s.mean) for s in stats]
    high = [None if s.count == 0 else float(s.maximum if s.has_spread else s.mean) for s in stats]
    return low, high


def session_radar(results: SessionResults, *, compact: bool = False) -> charts.Chart:
    """Professionals' and users' averages with their min–max bands, then the joint rating if any.

    A criterion without a value (no answer from a side, no joint rating yet) interrupts that
    line and gets a hollow marker at the edge: never a point at the centre, which reads as 0.
    With the joint rating drawn, three lines and two bands are too many at once: the bands
    start hidden (the page has a button to show them; the table always has the ranges).
    `compact` is the phone drawing: numbered axes, the criteria listed under it.
    """
    professional = [result.professional for result in results.criteria]
    user = [result.user for result in results.criteria]
    series = [
        charts.Series(
            _("Professionnels (moyenne)"),
            [s.mean for s in professional],
            charts.PRO_COLOR,
            missing_label=_("pas de réponse des professionnels"),
        ),
        charts.Series(
            _("Usagers (moyenne)"),
            [s.mean for s in user],
            charts.USER_COLOR,
            missing_label=_("pas de réponse des usagers"),
        ),
    ]
    if results.has_joint:
        series.append(
            charts.Series(
                _("Note commune"),
                [None if r.joint is None else float(r.joint.score) for r in results.criteria],
                charts.JOINT_COLOR,
                missing_label=_("pas de note commune"),
            )
        )
    return charts.radar_chart(
        title=_("Cible : %(framework)s") % {"framework": results.session.framework.name},
        axes=axis_labels(results),
        series=series,
        max_value=4.0,
        bands=[(0, *_band(professional)), (1, *_band(user))],
        category_label=_("Critère"),
        bands_hidden=bands_hidden(results),
        compact=compact,
    )


def bands_hidden(results: SessionResults) -> bool:
    """The min–max bands start hidden once the joint rating adds a third line."""
    return results.has_joint


def history_value(results: SessionResults, index: int, mode: str) -> float | None:
    result = results.criteria[index]
    if mode == HistorySeries.JOINT:
        return None if result.joint is None else float(result.joint.score)
    return result.side(Side.PROFESSIONAL if mode == HistorySeries.PROFESSIONAL else Side.USER).mean


def history_radar(history: list[SessionResults], mode: str, *, compact: bool = False) -> charts.Chart:
    """One ring per session of the group, matched criterion by criterion on their stable codes.

    The axes are those of the latest session; a criterion an older version did not have (or
    without a joint rating) is « non renseigné » for that session: its ring is interrupted
    there, with a hollow marker at the edge, not drawn at the centre. `compact`: see session_radar.
    """
    latest = history[-1]
    codes = [result.criterion.code for result in latest.criteria]
    series = []
    for number, results in enumerate(history):
        positions = {result.criterion.code: index for index, result in enumerate(results.criteria)}
        values = [
            history_value(results, positions[code], mode) if code in positions else None for code in codes
        ]
        held_on = formats.date_format(results.session.held_on, "j F Y")
        label = f"{held_on} — {results.session.title}"
        # Not the sides' colours: a session is not a side.
        series.append(
            charts.Series(
                label,
                values,
                charts.PALETTE[(3 + number) % len(charts.PALETTE)],
                missing_label=_("%(date)s : pas de valeur") % {"date": held_on},
            )
        )
    return charts.radar_chart(
        title=_("Évolution du groupe : %(mode)s") % {"mode": HistorySeries(mode).label.lower()},
        axes=axis_labels(latest),
        series=series,
        max_value=4.0,
        category_label=_("Critère"),
        compact=compact,
    )


def target_context(session: AssessmentSession, results: SessionResults | None = None) -> dict:
    """What every view of a session's target shows (page, participant view, PDF): aggregates only."""
    results = results or session_results(session)
    chart = session_radar(results)
    return {
        "session": session,
        "results": results,
        "chart": chart,
        "has_missing": any(item.hollow for item in chart.legend),
        "phone_chart": session_radar(results, compact=True),
        "bands_hidden": bands_hidden(results),
        "single_sides": [str(SIDE_GROUP_LABELS[side]) for side in results.single_respondent_sides],
        "sides": Side,
    }
