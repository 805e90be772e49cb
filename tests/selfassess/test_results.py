import re
from datetime import date

import pytest

from selfassess.charts import history_radar
from selfassess.enums import HistorySeries, Side
from selfassess.results import SideStats, session_results
from selfassess.services import joint_rating_save, session_close_individual
from tests.factories.selfassess import AssessmentSessionFactory, FrameworkFactory, ParticipantFactory
from tests.selfassess.conftest import rate


def test_side_stats_from_scores_exact():
    assert SideStats.from_scores([1, 3, 4, 4]) == SideStats(count=4, mean=3.0, minimum=1, maximum=4)
    assert SideStats.from_scores([]) == SideStats(count=0, mean=None, minimum=None, maximum=None)
    assert SideStats.from_scores([2]).has_spread is False


@pytest.mark.django_db
def test_session_results_means_ranges_and_counts(rated_session):
    results = session_results(rated_session)

    by_code = {r.criterion.code: r for r in results.criteria}
    assert [r.criterion.code for r in results.criteria] == ["a", "b", "c", "d", "e"]
    assert by_code["a"].professional == SideStats(count=2, mean=2.0, minimum=1, maximum=3)
    assert by_code["a"].user == SideStats(count=3, mean=4.0, minimum=4, maximum=4)
    assert by_code["b"].professional == SideStats(count=2, mean=4.0, minimum=4, maximum=4)
    assert by_code["b"].user == SideStats(count=3, mean=1.0, minimum=0, maximum=2)
    assert by_code["c"].professional == SideStats(count=2, mean=2.0, minimum=2, maximum=2)
    assert by_code["c"].user == SideStats(count=3, mean=2.0, minimum=1, maximum=3)
    assert by_code["d"].professional == SideStats(count=1, mean=0.0, minimum=0, maximum=0)
    assert by_code["d"].user.count == 3
    assert round(by_code["d"].user.mean, 4) == 1.6667
    assert by_code["e"].professional == SideStats(count=2, mean=2.5, minimum=2, maximum=3)
    assert by_code["e"].user == SideStats()
    # The participant who never answered counts for nobody.
    assert results.respondents == {Side.PROFESSIONAL: 2, Side.USER: 3}
    assert results.single_respondent_sides == []


@pytest.mark.django_db
def test_session_results_divergence_orders_criteria(rated_session):
    results = session_results(rated_session)

    divergences = {r.criterion.code: r.divergence for r in results.criteria}
    assert divergences["a"] == 2.0
    assert divergences["b"] == 3.0
    assert divergences["c"] == 0.0
    assert round(divergences["d"], 4) == 1.6667
    assert divergences["e"] is None
    # Largest gap first; a criterion one side left blank goes last.
    assert [r.criterion.code for r in results.by_divergence] == ["b", "a", "d", "c", "e"]


@pytest.mark.django_db
def test_session_results_single_respondent_side_is_reported(session):
    pro = ParticipantFactory(session=session, side=Side.PROFESSIONAL)
    user1 = ParticipantFactory(session=session, side=Side.USER)
    user2 = ParticipantFactory(session=session, side=Side.USER)
    rate(pro, {"a": 3})
    rate(user1, {"a": 1})
    rate(user2, {"a": 2})

    results = session_results(session)

    assert results.respondents == {Side.PROFESSIONAL: 1, Side.USER: 2}
    assert results.single_respondent_sides == [Side.PROFESSIONAL]
    assert results.criteria[0].professional.has_spread is False
    assert results.criteria[0].user.has_spread is True
    assert results.criteria[0].divergence == 1.5


@pytest.mark.django_db
def test_session_results_include_joint_ratings(rated_session, staff_user):
    session_close_individual(session=rated_session, by=staff_user)
    criterion_b = rated_session.framework.criteria.get(code="b")
    joint_rating_save(
        session=rated_session, criterion=criterion_b, score=2, note="Écart à discuter", by=staff_user
    )

    results = session_results(rated_session)

    joint = {r.criterion.code: r.joint for r in results.criteria}
    assert joint["b"].score == 2
    assert joint["b"].note == "Écart à discuter"
    assert joint["a"] is None
    assert results.has_joint is True
    assert results.missing_joint_count == 4


@pytest.mark.django_db
def test_session_results_query_count_constant(rated_session, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        results = session_results(rated_session)
        [r.criterion.sector.name for r in results.criteria]


@pytest.mark.django_db
def test_history_radar_lines_versions_up_by_criterion_code(staff_user):
    v1 = FrameworkFactory(slug="cible", version=1, criteria=[("S", ["a", "b", "c"])])
    v2 = FrameworkFactory(slug="cible", version=2, criteria=[("S", ["c", "a", "b", "z"])])
    history = []
    for framework, scores in ((v1, {"a": 1, "b": 2, "c": 3}), (v2, {"a": 4, "b": 4, "c": 4, "z": 0})):
        session = AssessmentSessionFactory(
            framework=framework, facilitator=staff_user, title=f"v{framework.version}"
        )
        rate(ParticipantFactory(session=session, side=Side.PROFESSIONAL), scores)
        session_close_individual(session=session, by=staff_user)
        history.append(session_results(session))

    chart = history_radar(history, HistorySeries.PROFESSIONAL)

    # Axes follow the latest version; v1 had no « z ».
    assert [row[0] for row in chart.rows] == ["1. Court c", "2. Court a", "3. Court b", "4. Court z"]
    assert [row[1:] for row in chart.rows] == [["3", "4"], ["1", "4"], ["2", "4"], ["non renseigné", "0"]]


@pytest.mark.django_db
def test_history_radar_marks_a_missing_criterion_at_the_edge_not_the_centre(staff_user):
    v1 = FrameworkFactory(slug="cible", version=1, criteria=[("S", ["a", "b", "c"])])
    v2 = FrameworkFactory(slug="cible", version=2, criteria=[("S", ["a", "b", "c", "z"])])
    history = []
    for framework, held_on in ((v1, date(2026, 1, 15)), (v2, date(2026, 6, 15))):
        session = AssessmentSessionFactory(framework=framework, facilitator=staff_user, held_on=held_on)
        codes = [criterion.code for criterion in framework.criteria.all()]
        rate(ParticipantFactory(session=session, side=Side.PROFESSIONAL), dict.fromkeys(codes, 4))
        session_close_individual(session=session, by=staff_user)
        history.append(session_results(session))

    chart = history_radar(history, HistorySeries.PROFESSIONAL)
    phone = history_radar(history, HistorySeries.PROFESSIONAL, compact=True)

    # 4 axes, radius 130 round (260, 170): a up, b right, c down, z left. v1 has no « z »:
    # its line a → b → c stops there, and z gets a hollow mark at the edge (shifted sideways).
    assert '<polyline class="series series-broken" points="260,40 390,170 260,300"' in chart.svg
    assert re.findall(
        r'<g class="radar-missing" data-axis="(\d)"><circle cx="([^"]*)" cy="([^"]*)"', chart.svg
    ) == [("3", "130", "176.5")]
    assert [(item.label, item.hollow) for item in chart.legend][-1] == (
        "15 janvier 2026 : pas de valeur",
        True,
    )
    assert "chart-svg-compact" in phone.svg and "chart-svg-compact" not in chart.svg
