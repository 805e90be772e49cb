import html

import pytest

from selfassess.enums import Side
from selfassess.services import rating_save
from tests.factories.selfassess import AssessmentSessionFactory, FrameworkFactory, ParticipantFactory


@pytest.fixture
def framework(db):
    """Five criteria a–e in two sectors."""
    return FrameworkFactory(criteria=[("Co-expression", ["a", "b", "c"]), ("Co-décision", ["d", "e"])])


@pytest.fixture
def session(framework, staff_user):
    return AssessmentSessionFactory(framework=framework, facilitator=staff_user, title="Groupe qualité")


def rate(participant, scores: dict[str, int], comments: dict[str, str] | None = None) -> None:
    criteria = {c.code: c for c in participant.session.framework.criteria.all()}
    for code, score in scores.items():
        rating_save(
            participant=participant,
            criterion=criteria[code],
            score=score,
            comment=(comments or {}).get(code, ""),
        )


@pytest.fixture
def rated_session(session):
    """Two professionals and three users with known scores (see test_results for the maths)."""
    pro1 = ParticipantFactory(session=session, side=Side.PROFESSIONAL, name="Pro Un")
    pro2 = ParticipantFactory(session=session, side=Side.PROFESSIONAL, name="Pro Deux")
    user1 = ParticipantFactory(session=session, side=Side.USER, name="Usager Un")
    user2 = ParticipantFactory(session=session, side=Side.USER, name="Usager Deux")
    user3 = ParticipantFactory(session=session, side=Side.USER, name="Usager Trois")
    ParticipantFactory(session=session, side=Side.USER, name="Usager Absent")
    rate(pro1, {"a": 1, "b": 4, "c": 2, "d": 0, "e": 2})
    rate(pro2, {"a": 3, "b": 4, "c": 2, "e": 3})
    rate(user1, {"a": 4, "b": 0, "c": 3, "d": 1})
    rate(user2, {"a": 4, "b": 1, "c": 2, "d": 2})
    rate(user3, {"a": 4, "b": 2, "c": 1, "d": 2})
    return session


def text(response) -> str:
    """The page as a reader sees it: entities such as &#x27; decoded."""
    return html.unescape(response.content.decode())
