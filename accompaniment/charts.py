"""Indicator charts: the baseline, every measurement and the target, on one line chart."""

from django.utils import formats
from django.utils.translation import gettext as _

from cops.charts import JOINT_COLOR, PALETTE, Chart, Series, line_chart


def indicator_chart(indicator) -> Chart:
    measurements = list(indicator.measurements.all())
    labels = [_("Départ")] + [formats.date_format(m.measured_on, "j b Y") for m in measurements]
    values = [float(indicator.baseline)] + [float(m.value) for m in measurements]
    # A short unit (%, €) goes next to each number; a word would not fit beside the axis,
    # so it goes into the series' names instead.
    short = len(indicator.unit) <= 2
    suffix = "" if short or not indicator.unit else f" ({indicator.unit})"
    return line_chart(
        title=indicator.name,
        x_labels=labels,
        series=[
            Series(_("Valeur mesurée") + suffix, values, PALETTE[4]),
            Series(_("Cible") + suffix, [float(indicator.target)] * len(labels), JOINT_COLOR),
        ],
        unit=indicator.unit if short else "",
        category_label=_("Date"),
    )
