"""Factories for accompaniments, and the small directory fixtures they need (structures, référents)."""

from datetime import timedelta

import factory
from django.utils import timezone

from accompaniment.enums import RequestStatus, Side, SupportType
from accompaniment.models import Accompaniment, Participant, PhaseTemplate, SupportRequest
from accompaniment.services.accompaniments import accompaniment_open
from actors.enums import MembershipStatus, ModerationStatus
from actors.models import Membership, Person, Structure
from tests.factories.actors import UserFactory


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure

    name = factory.Sequence(lambda n: f"Centre hospitalier n° {n}")
    status = ModerationStatus.PUBLISHED


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    status = ModerationStatus.PUBLISHED


def make_referent(user, structure: Structure, *, status: str = MembershipStatus.ACCEPTED) -> Membership:
    """Give the user a person profile (if needed) that is a référent of the structure."""
    person = Person.objects.filter(user=user).first() or PersonFactory(
        user=user, first_name=user.first_name, last_name=user.last_name
    )
    return Membership.objects.create(person=person, structure=structure, is_referent=True, status=status)


class SupportRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportRequest

    structure = factory.SubFactory(StructureFactory)
    requested_by = factory.SubFactory(UserFactory)
    support_type = SupportType.PROJECT
    title = "Projet des usagers du centre d'hémodialyse"
    context = "Le centre veut associer les patients au projet d'établissement."
    expected_outcome = "Un projet des usagers écrit avec les représentants des usagers."
    contact_name = "Marie Durand"
    contact_email = factory.LazyAttribute(lambda o: o.requested_by.email)
    status = RequestStatus.SUBMITTED
    submitted_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))


def default_template() -> PhaseTemplate:
    return PhaseTemplate.objects.get(is_default=True)


def make_accompaniment(
    *,
    structure: Structure | None = None,
    template: PhaseTemplate | None = None,
    professional_lead=None,
    patient_partner_lead=None,
    started_on=None,
    title: str = "Intégrer les usagers au projet d'établissement",
    by=None,
    **kwargs,
) -> Accompaniment:
    """An accompaniment opened through the service (its phases exist, the first one has started)."""
    from actors.enums import Role

    professional_lead = professional_lead or UserFactory(roles=[Role.STAFF])
    patient_partner_lead = patient_partner_lead or UserFactory(roles=[Role.STAFF])
    return accompaniment_open(
        structure=structure or StructureFactory(),
        title=title,
        support_type=kwargs.pop("support_type", SupportType.PROJECT),
        template=template or default_template(),
        professional_lead=professional_lead,
        patient_partner_lead=patient_partner_lead,
        started_on=started_on or (timezone.localdate() - timedelta(days=120)),
        by=by or professional_lead,
        **kwargs,
    )


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.Sequence(lambda n: f"participant{n}@structure.fr")
    side = Side.PROFESSIONAL
