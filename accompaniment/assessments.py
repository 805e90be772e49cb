"""The change shown by the self-assessments attached at the start and at the end of an accompaniment.

As on the self-assessment target, the professionals and the users are never averaged together: one
radar per side (start and end rings), and one for the joint rating when both sessions have it.
"""

from django.utils import formats
from django.utils.translation import gettext as _

from cops.charts import PALETTE, Chart, Series, radar_chart
from selfassess.enums import Side
from selfassess.results import session_results


def _side_scores(results, side: str) -> list[float | None]:
    values = [result.side(side).mean for result in results.criteria]
    return [None if value is None else round(float(value), 2) for value in values]


def _joint_scores(results) -> list[float | None]:
    return [None if result.joint is None else float(result.joint.score) for result in results.criteria]


def assessment_comparison(accompaniment) -> list[Chart]:
    """Radars of the start and end sessions, side by side, when both are attached and have results."""
    start, end = accompaniment.start_assessment, accompaniment.end_assessment
    if start is None or end is None or not (start.has_results and end.has_results):
        return []
    start_results, end_results = session_results(start), session_results(end)
    axes = [result.criterion.short_label for result in start_results.criteria]
    start_label = _("Au départ (%(date)s)") % {"date": formats.date_format(start.held_on, "j M Y")}
    end_label = _("À la fin (%(date)s)") % {"date": formats.date_format(end.held_on, "j M Y")}

    def radar(title: str, before: list, after: list) -> Chart:
        # Not the sides' colours: the two rings are two moments of the same side.
        return radar_chart(
            title=title,
            axes=axes,
            series=[
                Series(start_label, before, PALETTE[3], missing_label=_("pas de réponse au départ")),
                Series(end_label, after, PALETTE[4], missing_label=_("pas de réponse à la fin")),
            ],
            max_value=4.0,
            category_label=_("Critère"),
        )

    charts = [
        radar(
            _("Professionnels : au départ et à la fin"),
            _side_scores(start_results, Side.PROFESSIONAL),
            _side_scores(end_results, Side.PROFESSIONAL),
        ),
        radar(
            _("Usagers : au départ et à la fin"),
            _side_scores(start_results, Side.USER),
            _side_scores(end_results, Side.USER),
        ),
    ]
    if start_results.has_joint and end_results.has_joint:
        charts.append(
            radar(
                _("Note commune : au départ et à la fin"),
                _joint_scores(start_results),
                _joint_scores(end_results),
            )
        )
    return charts
