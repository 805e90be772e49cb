"""The change shown by the self-assessments attached at the start and at the end of an accompaniment."""

from django.utils import formats
from django.utils.translation import gettext as _

from cops.charts import PALETTE, Chart, Series, radar_chart
from selfassess.results import session_results


def _session_scores(session) -> list[float | None]:
    """Per criterion: the group's joint score, or else the mean of every individual rating."""
    scores = []
    for result in session_results(session).criteria:
        if result.joint is not None:
            scores.append(float(result.joint.score))
            continue
        count = result.professional.count + result.user.count
        total = (result.professional.mean or 0) * result.professional.count + (
            result.user.mean or 0
        ) * result.user.count
        scores.append(round(total / count, 2) if count else None)
    return scores


def assessment_comparison(accompaniment) -> Chart | None:
    """A radar of the start and end sessions, when both are attached and have results."""
    start, end = accompaniment.start_assessment, accompaniment.end_assessment
    if start is None or end is None or not (start.has_results and end.has_results):
        return None
    criteria = session_results(start).criteria
    return radar_chart(
        title=_("Auto-évaluation du partenariat : au départ et à la fin"),
        axes=[result.criterion.short_label for result in criteria],
        series=[
            Series(
                _("Au départ (%(date)s)") % {"date": formats.date_format(start.held_on, "j M Y")},
                _session_scores(start),
                PALETTE[3],
            ),
            Series(
                _("À la fin (%(date)s)") % {"date": formats.date_format(end.held_on, "j M Y")},
                _session_scores(end),
                PALETTE[4],
            ),
        ],
        max_value=4.0,
        category_label=_("Critère"),
    )
