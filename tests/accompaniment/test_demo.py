"""The demo data: accompaniments in every phase and requests in every state, built through the services."""

import random

import pytest

from accompaniment import demo
from accompaniment.enums import AccompanimentStatus, RequestStatus
from accompaniment.models import Accompaniment, Measurement, SupportRequest
from actors.enums import Role
from cops.demo import DemoContext
from tests.factories.accompaniment import StructureFactory, make_referent
from tests.factories.actors import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_seeds_every_phase_and_every_request_state(partner):
    accounts = {
        "equipe@cops.demo": UserFactory(email="equipe@cops.demo", roles=[Role.STAFF]),
        "admin@cops.demo": UserFactory(email="admin@cops.demo", roles=[Role.STAFF, Role.ADMIN]),
        "copil@cops.demo": UserFactory(email="copil@cops.demo", roles=[Role.COPIL]),
    }
    structures = [StructureFactory() for _ in range(8)]
    make_referent(partner, structures[0])
    ctx = DemoContext(scale=300, seed=7, rng=random.Random(7), log=lambda line: None)
    ctx.shared.update(accounts=accounts, structures=structures, demo_structure=structures[0])

    demo.seed(ctx)
    demo.seed(ctx)  # a second run adds nothing

    five = Accompaniment.objects.filter(template__code="cinq-phases")
    positions = {a.current_phase.position for a in five if a.current_phase}
    assert positions == {1, 2, 3, 4, 5}
    assert five.filter(status=AccompanimentStatus.COMPLETED).exists()
    assert Accompaniment.objects.exclude(template__code="cinq-phases").count() >= 2
    assert set(SupportRequest.objects.values_list("status", flat=True)) == set(RequestStatus.values)
    assert Accompaniment.objects.filter(structure=structures[0], current_phase__position=3).exists()
    assert SupportRequest.objects.filter(structure=structures[0], requested_by=partner).exists()
    assert Measurement.objects.exists()
    assert Accompaniment.objects.count() == 6 + 2 + 300 // 60
