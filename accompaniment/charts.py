"""Indicator charts: the baseline, every measurement and the target, on one line chart."""

from django.utils import formats
from django.utils.translation import gettext as _

from cops.charts import JOINT_COLOR, PALETTE, Chart, Series, line_chart


def indicator_chart(indicator) -> Chart:
    measurements = list(indicator.measurements.all())
    labels = [_("Départ")] + [formats.date_format(m.measured_on, "j M Y") for m in measurements]
    values = [float(indicator.baseline)] + [float(m.value) for m in measurements]
    return line_chart(
        title=indicator.name,
        x_labels=labels,
        series=[
            Series(_("Valeur mesurée"), values, PALETTE[4]),
            Series(_("Cible"), [float(indicator.target)] * len(labels), JOINT_COLOR),
        ],
        unit=indicator.unit,
        category_label=_("Date"),
    )
