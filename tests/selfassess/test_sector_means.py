"""Sector means, the direction of a gap and the drawing of missing values (issue 17).

The fixed session is `rated_session` (tests/selfassess/conftest.py), criterion means:

    criterion (sector)        professionals   users
    a (Co-expression)         2               4
    b (Co-expression)         4               1
    c (Co-expression)         2               2          ← a tie
    d (Co-décision)           0               5/3
    e (Co-décision)           2.5             —          ← no user answered

Sector means, from those criterion means:
    Co-expression: professionals (2 + 4 + 2) / 3 = 8/3 ≈ 2,7 ; users (4 + 1 + 2) / 3 = 7/3 ≈ 2,3
    Co-décision:   professionals (0 + 2.5) / 2 = 1.25 ; users 5/3 ≈ 1,7 (1 criterion rated of 2)
"""

import re
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from cops import charts
from cops.enums import ReportStatus
from cops.reports import report_request
from selfassess.charts import session_radar
from selfassess.enums import Side
from selfassess.results import Gap, SectorMean, session_results
from selfassess.services import joint_rating_save, session_close_individual
from tests.factories.selfassess import ParticipantFactory
from tests.selfassess.conftest import rate, text


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def group_session(rated_session, staff_user):
    session_close_individual(session=rated_session, by=staff_user)
    return rated_session


def _joint(session, user, scores: dict[str, int]) -> None:
    for code, score in scores.items():
        criterion = session.framework.criteria.get(code=code)
        joint_rating_save(session=session, criterion=criterion, score=score, by=user)


def _row(content: str, header: str) -> str:
    """The <tr> of the sector table whose row header is `header`, without line breaks."""
    table = content[content.index('<table class="table table-sm align-middle sa-sectors">') :]
    table = table[: table.index("</table>")]
    match = re.search(rf'<tr>\s*<th scope="row">{re.escape(header)}</th>(.*?)</tr>', table, re.S)
    assert match, header
    return " ".join(match.group(1).split())


def _cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]


@pytest.mark.django_db
def test_sector_means_are_the_means_of_the_criterion_means(rated_session):
    sectors = session_results(rated_session).sectors

    assert [s.sector.name for s in sectors] == ["Co-expression", "Co-décision"]
    expression, decision = sectors
    assert expression.criteria_count == 3
    assert expression.professional.rated == 3
    assert expression.professional.mean == pytest.approx(8 / 3)
    assert expression.user.rated == 3
    assert expression.user.mean == pytest.approx(7 / 3)
    assert expression.joint == SectorMean(rated=0, mean=None)
    assert decision.criteria_count == 2
    assert decision.professional == SectorMean(rated=2, mean=1.25)
    assert decision.user.rated == 1
    assert decision.user.mean == pytest.approx(5 / 3)
    assert expression.gap.higher_side == Side.PROFESSIONAL
    assert decision.gap.higher_side == Side.USER


@pytest.mark.django_db
def test_sector_joint_mean_counts_only_rated_criteria(group_session, staff_user):
    _joint(group_session, staff_user, {"a": 4, "b": 1})

    expression, decision = session_results(group_session).sectors

    assert expression.joint == SectorMean(rated=2, mean=2.5)
    assert decision.joint == SectorMean(rated=0, mean=None)


@pytest.mark.django_db
def test_sector_table_on_the_target_page(staff_client, group_session, staff_user):
    _joint(group_session, staff_user, {"a": 4, "b": 1})

    content = text(staff_client.get(reverse("selfassess:session_target", args=[group_session.pk])))

    assert "<caption>Moyennes par secteur</caption>" in content
    assert _cells(_row(content, "Co-expression")) == [
        "2,7 · 3 critères notés sur 3",
        "2,3 · 3 critères notés sur 3",
        "Les professionnels notent plus haut de 0,3 point",
        "2,5 · 2 critères notés sur 3",
    ]
    decision = _cells(_row(content, "Co-décision"))
    assert decision[1:] == [
        "1,7 · 1 critère noté sur 2",
        "Les usagers notent plus haut de 0,4 point",
        "non évalué",
    ]


@pytest.mark.django_db
def test_unrated_sector_reads_non_evalue_never_zero(staff_client, session, staff_user):
    rate(ParticipantFactory(session=session, side=Side.PROFESSIONAL), {"a": 3})
    rate(ParticipantFactory(session=session, side=Side.USER), {"a": 1, "b": 2})
    session_close_individual(session=session, by=staff_user)

    content = text(staff_client.get(reverse("selfassess:session_target", args=[session.pk])))

    assert _cells(_row(content, "Co-expression")) == [
        "3 · 1 critère noté sur 3",
        "1,5 · 2 critères notés sur 3",
        "Les professionnels notent plus haut de 1,5 point",
    ]
    # No joint rating in the session: no joint column at all.
    assert _cells(_row(content, "Co-décision")) == [
        "non évalué",
        "non évalué",
        "Incomplet, un côté n'a pas répondu",
    ]
    decision = session_results(session).sectors[1]
    assert decision.professional == SectorMean() and decision.user == SectorMean()


@pytest.mark.django_db
def test_participant_results_page_shows_the_sector_table(group_session):
    participant = ParticipantFactory(session=group_session, side=Side.USER)
    client = Client()
    client.get(reverse("selfassess:join", args=[participant.token]))

    content = text(client.get(reverse("selfassess:participant_results", args=[group_session.pk])))

    assert _cells(_row(content, "Co-expression"))[:2] == [
        "2,7 · 3 critères notés sur 3",
        "2,3 · 3 critères notés sur 3",
    ]
    assert '<strong class="sa-tie">Égalité : à discuter aussi</strong>' in content


def test_gap_words_say_who_rates_higher_and_flag_ties():
    assert Gap(4.0, 2.0).words == "les professionnels notent plus haut de 2,0 points"
    assert Gap(1.0, 2.5).words == "les usagers notent plus haut de 1,5 point"
    assert Gap(1.0, 1.25).words == "les usagers notent plus haut de 0,3 point"  # 0,25 rounds up
    assert Gap(2.0, 2.0).words == "égalité : à discuter aussi"
    assert Gap(5 / 3, 5 / 3).is_tie is True
    assert Gap(2.0, 2.0).higher_side is None
    assert Gap(2.0, None).words == "incomplet, un côté n'a pas répondu"
    assert Gap(2.0, None).is_tie is False


@pytest.mark.django_db
def test_discussion_order_keeps_sort_and_flags_the_tie(staff_client, group_session):
    content = text(staff_client.get(reverse("selfassess:session_target", args=[group_session.pk])))
    cards = re.findall(r'<article class="sa-discuss card-soft".*?</article>', content, re.S)
    gaps = [" ".join(re.search(r'<p class="sa-gap[^"]*">(.*?)</p>', c, re.S).group(1).split()) for c in cards]

    # Order unchanged (largest gap first, then the tie, then the incomplete one).
    assert gaps == [
        "Écart entre les côtés : <strong>les professionnels notent plus haut de 3,0 points</strong>",
        "Écart entre les côtés : <strong>les usagers notent plus haut de 2,0 points</strong>",
        "Écart entre les côtés : <strong>les usagers notent plus haut de 1,7 point</strong>",
        '<strong class="sa-tie">Égalité : à discuter aussi</strong> — les deux côtés donnent la même moyenne.',
        "Écart entre les côtés : <strong>incomplet, un côté n'a pas répondu</strong>",
    ]
    # The numbers table says the same, criterion by criterion (a, b, c, d, e).
    numbers = content[content.index('id="sa-numbers"') :]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", numbers[: numbers.index("</table>")], re.S)
    assert [_cells(" ".join(row.split()))[2] for row in rows] == [
        "Les usagers notent plus haut de 2,0 points",
        "Les professionnels notent plus haut de 3,0 points",
        "Égalité : à discuter aussi",
        "Les usagers notent plus haut de 1,7 point",
        "Incomplet, un côté n'a pas répondu",
    ]


def _marks(svg: str, color: str) -> list[tuple[float, float]]:
    """Centres of the markers and line points drawn in `color`."""
    points = []
    for match in re.finditer(rf'<(?:polygon|polyline)[^>]*points="([^"]*)"[^>]*stroke="{color}"', svg):
        points += [tuple(map(float, pair.split(","))) for pair in match.group(1).split()]
    for match in re.finditer(rf'<circle cx="([^"]*)" cy="([^"]*)"[^>]*fill="{color}"', svg):
        points.append((float(match.group(1)), float(match.group(2))))
    for match in re.finditer(rf'<rect x="([^"]*)" y="([^"]*)" width="([^"]*)"[^>]*fill="{color}"', svg):
        half = float(match.group(3)) / 2
        points.append((float(match.group(1)) + half, float(match.group(2)) + half))
    return points


@pytest.mark.django_db
def test_missing_joint_rating_is_not_drawn_at_the_centre(group_session, staff_user):
    _joint(group_session, staff_user, {"a": 4, "b": 2, "c": 3})  # none for d and e

    chart = session_radar(session_results(group_session))
    svg = str(chart.svg)

    # The joint line runs a → b → c and stops: no polygon closing through the centre.
    joint_lines = re.findall(
        rf'<(polygon|polyline) class="series[^"]*" points="([^"]*)"[^>]*stroke="{charts.JOINT_COLOR}"', svg
    )
    assert joint_lines == [("polyline", "260,40 321.82,149.91 317.31,248.88")]
    joint_points = _marks(svg, charts.JOINT_COLOR)
    assert joint_points and (260.0, 170.0) not in joint_points
    # d (axis 3) and e (axis 4) get a hollow marker at the edge of the target, not at the centre.
    missing = re.findall(r'<g class="radar-missing" data-axis="(\d)">(.*?)</g>', svg)
    joint_missing = [(axis, mark) for axis, mark in missing if f'stroke="{charts.JOINT_COLOR}"' in mark]
    assert [axis for axis, _mark in joint_missing] == ["3", "4"]
    for _axis, mark in joint_missing:
        assert 'fill="#fff"' in mark
        xs_ys = [
            tuple(map(float, p.split(","))) for p in re.search(r'points="([^"]*)"', mark).group(1).split()
        ]
        cx, cy = sum(x for x, _ in xs_ys) / 3, sum(y for _, y in xs_ys) / 3
        assert 120 < ((cx - 260) ** 2 + (cy - 170) ** 2) ** 0.5 < 140
    # The users' mean for e is missing too: their line is broken there as well.
    assert [axis for axis, mark in missing if f'stroke="{charts.USER_COLOR}"' in mark] == ["4"]
    legend = [(item.label, item.hollow) for item in chart.legend]
    assert legend == [
        ("Professionnels (moyenne)", False),
        ("Usagers (moyenne)", False),
        ("Note commune", False),
        ("pas de réponse des usagers", True),
        ("pas de note commune", True),
    ]
    # The professionals answered everything: one closed polygon; their 0 for d is a real 0.
    pro = re.findall(rf'<polygon class="series" points="([^"]*)"[^>]*stroke="{charts.PRO_COLOR}"', svg)
    assert len(pro) == 1 and "260,170" in pro[0]


@pytest.mark.django_db
def test_target_page_legend_bands_and_phone_drawing(staff_client, group_session, staff_user):
    before = text(staff_client.get(reverse("selfassess:session_target", args=[group_session.pk])))
    _joint(group_session, staff_user, {"a": 4})
    after = text(staff_client.get(reverse("selfassess:session_target", args=[group_session.pk])))

    # Two series: bands shown; three series: bands hidden, a button shows them.
    assert '<g class="bands">' in before and 'visibility="hidden"' not in before
    assert 'data-sa-bands-toggle aria-pressed="true"' in before
    assert after.count('<g class="bands" visibility="hidden">') == 2  # wide and phone drawings
    assert 'data-sa-bands-toggle aria-pressed="false"' in after
    legend = after[after.index('<ul class="chart-legend"') :]
    legend = legend[: legend.index("</ul>")]
    assert "<span>pas de note commune</span>" in legend
    assert "Une forme vide au bord de la cible marque une note absente" in after
    # The phone drawing numbers its axes and lists the criteria under it.
    phone = after[after.index('<div class="sa-radar-phone">') :]
    assert 'class="chart-svg chart-svg-radar chart-svg-compact"' in phone
    assert re.findall(r'<tspan x="[^"]*" dy="0">(\d+)</tspan>', phone[: phone.index("</svg>")]) == [
        "1",
        "2",
        "3",
        "4",
        "5",
    ]
    items = re.findall(r"<li>(.*?)</li>", phone[phone.index('<ol class="sa-axis-list"') :])[:5]
    assert items == ["Court a", "Court b", "Court c", "Court d", "Court e"]
    assert '<script src="/static/js/selfassess.js" defer></script>' in after


def test_radar_view_box_takes_in_long_axis_names():
    axes = [
        "1. Un nom d'axe assez long sur quatre lignes",
        "2. Court",
        "3. Encore un nom d'axe interminable pour voir",
        "4. Court",
        "5. Un dernier nom d'axe bien trop long aussi",
    ]
    chart = charts.radar_chart(title="R", axes=axes, series=[charts.Series("P", [1, 2, 3, 4, 0])])

    x, y, width, height = map(float, re.search(r'viewBox="([^"]*)"', chart.svg).group(1).split())
    texts = re.findall(
        r'<text x="([^"]*)" y="([^"]*)" text-anchor="[^"]*" fill="[^"]*" font-size="15">', chart.svg
    )
    # The top label's first line sits above the usual frame: the viewBox starts higher.
    top_label_y = float(texts[0][1])
    assert y < top_label_y - 15
    assert y < 0
    # Every line of every label fits vertically (first baseline minus a line, last plus descent).
    for match in re.finditer(r'<text x="[^"]*" y="([^"]*)"[^>]*font-size="15">(.*?)</text>', chart.svg):
        first = float(match.group(1))
        lines = re.findall(r'dy="([^"]*)"', match.group(2))
        last = first + sum(float(dy) for dy in lines)
        assert y <= first - 15 and last + 4 <= y + height
    assert "…" not in chart.svg  # four lines are allowed: no name is cut


@pytest.mark.django_db
def test_pdf_has_the_sector_table_and_gap_directions(
    group_session, staff_user, django_capture_on_commit_callbacks
):
    _joint(group_session, staff_user, {"a": 4, "b": 1})

    with django_capture_on_commit_callbacks(execute=True):
        job = report_request(
            kind="selfassess.session", params={"session_id": str(group_session.pk)}, by=staff_user
        )

    job.refresh_from_db()
    assert job.status == ReportStatus.DONE, job.error
    pdf = subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", str(Path(job.file.path)), "-"], capture_output=True, text=True, check=True
    ).stdout
    content = " ".join(pdf.split())
    assert "Moyennes par secteur" in content
    expression = next(line for line in pdf.splitlines() if line.strip().startswith("Co-expression"))
    # The row's first line: sector, both sides' means (cells wrap after « notés »), the gap.
    assert " ".join(expression.split()) == (
        "Co-expression 2,7 · 3 critères notés 2,3 · 3 critères Les professionnels notent plus 2,5 · 2 critères"
    )
    assert (
        "Co-décision 1,2 · 2 critères notés 1,7 · 1 critère noté Les usagers notent plus haut de non évalué"
        in content
    )
    assert "non évalué" in content
    assert "Écart : les professionnels notent plus haut de 3,0 points" in content
    assert "Écart : égalité : à discuter aussi" in content
    assert "pas de note commune" in content


@pytest.mark.django_db
def test_band_of_a_side_without_answers_on_a_criterion_does_not_dip_to_the_centre(rated_session):
    svg = str(session_radar(session_results(rated_session)).svg)

    bands = dict((color, d) for d, color in re.findall(r'<path class="band" d="([^"]*)" fill="([^"]*)"', svg))

    # Users: no answer for e (axis 4), so only the wedges a–b, b–c and c–d are drawn, each
    # from the highest rating (outer) to the lowest (inner): a 4–4, b 0–2, c 1–3, d 1–2.
    # (b's lowest rating is a real 0, at the centre; nothing goes towards e.)
    assert bands[charts.USER_COLOR] == (
        "M260 40 L321.82 149.91 L260 170 L260 40 Z "
        "M321.82 149.91 L317.31 248.88 L279.1 196.29 L260 170 Z "
        "M317.31 248.88 L221.79 222.59 L240.9 196.29 L279.1 196.29 Z"
    )
    # Professionals answered every criterion: one ring (outer and inner outlines); their
    # minimum for d is a real 0, at the centre.
    assert bands[charts.PRO_COLOR].count("Z") == 2
    assert "260 170" in bands[charts.PRO_COLOR]
