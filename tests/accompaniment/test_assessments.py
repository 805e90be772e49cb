"""Self-assessment sessions attached at the start and at the end show the change on a radar."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from selfassess.enums import Step
from selfassess.models import Criterion, JointRating
from tests.factories.accompaniment import StructureFactory
from tests.factories.selfassess import AssessmentSessionFactory, FrameworkFactory

pytestmark = pytest.mark.django_db


def closed_session(framework, structure, held_on, scores):
    session = AssessmentSessionFactory(
        framework=framework, structure=structure, held_on=held_on, step=Step.CLOSED
    )
    for criterion, score in zip(
        Criterion.objects.filter(framework=framework).order_by("position"), scores, strict=True
    ):
        JointRating.objects.create(session=session, criterion=criterion, score=score)
    return session


def test_start_and_end_sessions_are_compared_on_a_radar(staff_client, accompaniment):
    framework = FrameworkFactory()
    today = timezone.localdate()
    start = closed_session(framework, accompaniment.structure, today - timedelta(days=200), [1, 1, 2, 0])
    end = closed_session(framework, accompaniment.structure, today, [3, 2, 4, 2])

    response = staff_client.post(
        reverse("accompaniment:assessments_edit", args=[accompaniment.pk]),
        {"start_assessment": start.pk, "end_assessment": end.pk},
    )
    page = staff_client.get(accompaniment.get_absolute_url()).content.decode()

    assert response.status_code == 302
    accompaniment.refresh_from_db()
    assert (accompaniment.start_assessment, accompaniment.end_assessment) == (start, end)
    assert "Professionnels : au départ et à la fin" in page
    assert "Usagers : au départ et à la fin" in page
    assert "Note commune : au départ et à la fin" in page
    assert "Court a" in page and "Court d" in page


def test_sessions_out_of_order_or_of_another_structure_are_refused(staff_client, accompaniment):
    framework = FrameworkFactory()
    today = timezone.localdate()
    early = closed_session(framework, accompaniment.structure, today - timedelta(days=200), [1, 1, 1, 1])
    late = closed_session(framework, accompaniment.structure, today, [2, 2, 2, 2])
    foreign = closed_session(framework, StructureFactory(), today, [2, 2, 2, 2])
    url = reverse("accompaniment:assessments_edit", args=[accompaniment.pk])

    reversed_ = staff_client.post(url, {"start_assessment": late.pk, "end_assessment": early.pk})
    other = staff_client.post(url, {"start_assessment": early.pk, "end_assessment": foreign.pk})

    assert "précède la séance de départ" in reversed_.content.decode()
    assert "Sélectionnez un choix valide" in other.content.decode()
    accompaniment.refresh_from_db()
    assert (accompaniment.start_assessment, accompaniment.end_assessment) == (None, None)


def test_sessions_must_share_their_framework(staff_user, accompaniment):
    from django.core.exceptions import ValidationError

    from accompaniment.services.accompaniments import accompaniment_attach_assessments

    today = timezone.localdate()
    start = closed_session(
        FrameworkFactory(), accompaniment.structure, today - timedelta(days=10), [1, 1, 1, 1]
    )
    end = closed_session(FrameworkFactory(), accompaniment.structure, today, [2, 2, 2, 2])

    with pytest.raises(ValidationError) as error:
        accompaniment_attach_assessments(accompaniment=accompaniment, start=start, end=end, by=staff_user)

    assert error.value.message_dict == {
        "end_assessment": ["Les deux séances doivent utiliser le même référentiel pour être comparées."]
    }
