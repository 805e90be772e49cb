import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from cops import charts
from cops.charts import (
    Series,
    bar_chart,
    format_number,
    line_chart,
    nice_axis,
    radar_chart,
    stacked_bar_chart,
)

NUMBER = r"-?\d+(\.\d+)?"
NUMERIC_ATTRIBUTES = {
    "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height", "dy", "font-size",
    "stroke-width", "fill-opacity",
}  # fmt: skip


def rects(svg: str) -> list[dict[str, str]]:
    return [
        dict(re.findall(r'([\w-]+)="([^"]*)"', tag)) for tag in re.findall(r'<rect class="bar"[^>]*>', svg)
    ]


def test_bar_chart_bar_heights_follow_the_nice_axis():
    chart = bar_chart(
        title="Inscrits", categories=["Ariège", "Aude", "Gard"], series=[Series("Inscrits", [1, 2, 4])]
    )

    bars = rects(chart.svg)

    # Axis 0..4, plot 240 px tall with its baseline at y=264.
    assert [(bar["height"], bar["y"]) for bar in bars] == [("60", "204"), ("120", "144"), ("240", "24")]
    assert [bar["fill"] for bar in bars] == [charts.PRO_COLOR] * 3
    assert '<text x="150.67" y="198" text-anchor="middle" class="value">1</text>' in chart.svg


def test_bar_chart_table_rows_and_headers():
    chart = bar_chart(
        title="Réponses",
        categories=["Hérault", "Lot"],
        series=[Series("Professionnels", [1234, 8]), Series("Usagers", [33.333, None])],
        unit="%",
        category_label="Département",
    )

    assert chart.title == "Réponses"
    assert chart.headers == ["Département", "Professionnels", "Usagers"]
    assert chart.rows == [
        ["Hérault", "1\u00a0234\u00a0%", "33,33\u00a0%"],
        ["Lot", "8\u00a0%", "non renseigné"],
    ]
    assert [item.label for item in chart.legend] == ["Professionnels", "Usagers"]
    assert [item.color for item in chart.legend] == [charts.PRO_COLOR, charts.USER_COLOR]
    # The missing value draws no bar: 3 bars for 4 cells.
    assert len(rects(chart.svg)) == 3


def test_horizontal_bar_chart_bar_lengths():
    chart = bar_chart(title="T", categories=["a", "b"], series=[Series("", [5, 10])], horizontal=True)

    bars = rects(chart.svg)

    # Labels column: 6 chars minimum → plot from x=59.6 to 560 (640 - 16 - 64).
    assert [bar["x"] for bar in bars] == ["59.6", "59.6"]
    assert [bar["width"] for bar in bars] == ["250.2", "500.4"]
    assert chart.legend == []  # a single unnamed series needs no legend


def test_stacked_bar_chart_segments_and_totals():
    chart = stacked_bar_chart(
        title="Signataires",
        categories=["Est", "Ouest"],
        series=[Series("Professionnels", [3, 1]), Series("Usagers", [1, 1])],
    )

    bars = rects(chart.svg)

    # Axis 0..4: Est = 3 (180 px from the baseline 264) then 1 (60 px) on top of it.
    assert [(bar["y"], bar["height"]) for bar in bars] == [
        ("84", "180"),
        ("24", "60"),
        ("204", "60"),
        ("144", "60"),
    ]
    assert chart.headers == ["Catégorie", "Professionnels", "Usagers", "Total"]
    assert chart.rows == [["Est", "3", "1", "4"], ["Ouest", "1", "1", "2"]]
    assert 'class="total" font-weight="bold">4</text>' in chart.svg


def test_line_chart_breaks_at_missing_values_and_differs_by_dash():
    chart = line_chart(
        title="Évolution",
        x_labels=["2023", "2024", "2025", "2026"],
        series=[Series("Professionnels", [1, None, 3, 4]), Series("Usagers", [2, 2, 2, 2])],
    )

    polylines = re.findall(
        r'<polyline class="line" points="([^"]*)"[^>]*?(?: stroke-dasharray="([^"]*)")?/>', chart.svg
    )

    # Series 1: the lone first point has no segment, then 3 → 4; series 2 is dashed.
    assert polylines == [("411,84 553,24", ""), ("127,144 269,144 411,144 553,144", "7 4")]
    assert chart.rows[1] == ["2024", "non renseigné", "2"]
    assert chart.headers == ["Période", "Professionnels", "Usagers"]
    assert 'stroke-dasharray="7 4"' in chart.legend[1].swatch
    assert "stroke-dasharray" not in chart.legend[0].swatch
    assert chart.legend[0].marker == "circle" and chart.legend[1].marker == "square"


def test_radar_chart_polygon_points_for_known_values():
    chart = radar_chart(
        title="Auto-évaluation",
        axes=["Gouvernance", "Formation", "Recherche", "Soins"],
        series=[Series("Professionnels", [4, 2, 1, 3], charts.PRO_COLOR)],
        max_value=4.0,
    )

    polygons = re.findall(r'<polygon class="series" points="([^"]*)"', chart.svg)

    # Centre (260, 170), radius 130: axis 0 up, then clockwise.
    assert polygons == ["260,40 325,170 260,202.5 162.5,170"]
    rings = re.findall(r'<polygon points="([^"]*)" fill="none"', chart.svg)
    assert rings[-1] == "260,40 390,170 260,300 130,170"
    assert len(rings) == 4
    assert chart.rows == [["Gouvernance", "4"], ["Formation", "2"], ["Recherche", "1"], ["Soins", "3"]]


def test_radar_chart_spread_band_and_its_table_column():
    chart = radar_chart(
        title="Auto-évaluation",
        axes=["A", "B", "C"],
        series=[Series("Professionnels", [2, 2, 2]), Series("Usagers", [3, 1, 2.5])],
        bands=[(1, [2, 0, 2], [4, 2, 3.5])],
    )

    band = re.search(r'<path class="band" d="([^"]*)" fill="([^"]*)"', chart.svg)

    assert band.group(1).startswith("M260 40 L")
    assert band.group(1).count("Z") == 2
    assert band.group(2) == charts.USER_COLOR
    assert 'fill-rule="evenodd"' in chart.svg
    assert chart.headers == ["Axe", "Professionnels", "Usagers", "Écart Usagers (min – max)"]
    assert chart.rows[0] == ["A", "2", "3", "2 – 4"]
    assert chart.rows[2] == ["C", "2", "2,5", "2 – 3,5"]
    assert 'stroke-dasharray="7 4"' in re.findall(r'<polygon class="series"[^>]*>', chart.svg)[1]


def test_chart_svg_is_labelled_for_assistive_technologies():
    chart = bar_chart(title="Acteurs <engagés>", categories=["A"], series=[Series("Nombre", [3])])

    labelled_by = re.search(r'<svg[^>]*role="img"[^>]*aria-labelledby="([^"]*)"', chart.svg).group(1)
    title_id, desc_id = labelled_by.split()

    assert f'<title id="{title_id}">Acteurs &lt;engagés&gt;</title>' in chart.svg
    assert re.search(rf'<desc id="{desc_id}">Diagramme en barres\. Nombre : A 3\. ', chart.svg)
    assert "<engagés>" not in chart.svg


def test_chart_svg_numbers_are_never_localised_under_french_locale(settings):
    settings.USE_THOUSAND_SEPARATOR = True
    with translation.override("fr"):
        chart = radar_chart(
            title="R", axes=["Axe un", "Axe deux", "Axe trois", "Axe quatre", "Axe cinq"],
            series=[Series("P", [1.333, 2.5, 3.75, 0.2, 4]), Series("U", [2, 2, 2, 2, 2])],
            bands=[(0, [1, 1, 1, 0, 3], [2, 3, 4, 1, 4])],
        )  # fmt: skip
        html = render_to_string("components/chart.html", {"chart": chart})

    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    attributes = re.findall(r'([\w-]+)="([^"]*)"', svg)

    assert attributes
    for name, value in attributes:
        if name in NUMERIC_ATTRIBUTES:
            assert re.fullmatch(NUMBER, value), (name, value)
        elif name == "points":
            assert all(re.fullmatch(rf"{NUMBER},{NUMBER}", pair) for pair in value.split()), value
        elif name in {"viewBox", "d"}:
            assert "," not in value, (name, value)


def test_chart_component_renders_legend_and_numbers_table():
    chart = bar_chart(
        title="Inscrits",
        categories=["Ariège", "Aude"],
        series=[Series("Pros", [1, 2]), Series("Usagers", [3, 4])],
    )

    html = render_to_string("components/chart.html", {"chart": chart})
    pdf_html = render_to_string("components/chart.html", {"chart": chart, "pdf": True})

    assert '<figure class="chart chart-bar">' in html
    assert '<figcaption class="chart-title">Inscrits</figcaption>' in html
    assert "<summary>Voir les chiffres</summary>" in html
    assert '<span>Pros</span></li><li><svg class="chart-swatch"' in html
    assert '<tr><th scope="row">Ariège</th><td>1</td><td>3</td></tr>' in html
    assert '<th scope="col">Catégorie</th><th scope="col">Pros</th><th scope="col">Usagers</th>' in html
    assert "<details" not in pdf_html
    assert pdf_html.count('<table class="table table-sm chart-table">') == 1
    assert "style=" not in html


def hex_contrast_on_white(color: str) -> float:
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


@pytest.mark.parametrize("color", charts.PALETTE)
def test_palette_colours_contrast_with_white(color):
    assert hex_contrast_on_white(color) >= 4.5


def test_palette_starts_with_the_two_sides_and_joint():
    assert charts.PALETTE[:3] == [charts.PRO_COLOR, charts.USER_COLOR, charts.JOINT_COLOR]
    assert len(set(charts.PALETTE)) == len(charts.PALETTE)


@pytest.mark.parametrize(
    ("max_value", "integer", "expected"),
    [
        (4, True, (4, [0, 1, 2, 3, 4])),
        (37, False, (40, [0, 10, 20, 30, 40])),
        (0.73, False, (0.8, [0, 0.2, 0.4, 0.6, 0.8])),
        (0, True, (1, [0, 1])),
        (1234, True, (1250, [0, 250, 500, 750, 1000, 1250])),
    ],
)
def test_nice_axis_steps(max_value, integer, expected):
    assert nice_axis(max_value, integer=integer) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1234567, "", "1\u00a0234\u00a0567"),
        (3.5, "", "3,5"),
        (2.0, "", "2"),
        (-12.25, "", "-12,25"),
        (42, "%", "42\u00a0%"),
        (None, "", "non renseigné"),
    ],
)
def test_format_number_is_french(value, unit, expected):
    assert format_number(value, unit) == expected


def test_series_length_mismatch_is_refused():
    with pytest.raises(ValueError, match="has 1 values for 2 labels"):
        bar_chart(title="T", categories=["a", "b"], series=[Series("S", [1])])
