"""Factories of the charter and committees tests (persons and structures kept minimal on purpose:
only the fields the charter reads)."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from actors.enums import ActorKind, MembershipStatus, ModerationStatus, Visibility
from actors.models import (
    ActorProfile,
    CharterVersion,
    Committee,
    Departement,
    Domain,
    Meeting,
    Membership,
    Person,
    Signature,
    Structure,
)
from tests.factories.actors import UserFactory

CHARTER_TEXT = "Les signataires reconnaissent les savoirs de chacun.\n\nIls co-construisent leurs projets."


class CharterVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CharterVersion

    year = factory.Sequence(lambda n: 2030 + n)
    title = factory.LazyAttribute(lambda o: f"Charte d'engagement {o.year}")
    text = CHARTER_TEXT
    valid_from = factory.LazyAttribute(lambda o: date(o.year, 1, 1))
    valid_until = None
    published_at = factory.LazyFunction(timezone.now)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    first_name = factory.LazyAttribute(lambda o: o.user.first_name if o.user else "Camille")
    last_name = factory.LazyAttribute(lambda o: o.user.last_name if o.user else "Martin")
    status = ModerationStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    visibility = factory.LazyFunction(dict)

    @factory.post_generation
    def profiles(self, create, extracted, **kwargs):
        if create and extracted:
            self.profiles.set(ActorProfile.objects.filter(code__in=extracted))

    @factory.post_generation
    def domains(self, create, extracted, **kwargs):
        if create and extracted:
            self.domains.set(Domain.objects.filter(code__in=extracted))

    @factory.post_generation
    def territories(self, create, extracted, **kwargs):
        if create and extracted:
            self.territories.set(Departement.objects.filter(code__in=extracted))


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Centre hospitalier n° {n}")
    status = ModerationStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    email = factory.Sequence(lambda n: f"contact{n}@structure.exemple.fr")

    @factory.post_generation
    def domains(self, create, extracted, **kwargs):
        if create and extracted:
            self.domains.set(Domain.objects.filter(code__in=extracted))


def make_referent(person: Person, structure: Structure) -> Membership:
    return Membership.objects.create(
        person=person, structure=structure, is_referent=True, status=MembershipStatus.ACCEPTED
    )


def hide_name(person: Person) -> Person:
    person.visibility = {**person.visibility, "last_name": int(Visibility.PARTNERS)}
    person.save(update_fields=["visibility"])
    return person


def sign(
    version: CharterVersion, *, person: Person | None = None, structure: Structure | None = None, by=None
):
    """A standing signature written directly (for tests about reading signatures)."""
    signer = by or (person.user if person is not None else None)
    return Signature.objects.create(
        version=version,
        kind=ActorKind.PERSON if person is not None else ActorKind.STRUCTURE,
        person=person,
        structure=structure,
        signed_by=signer,
        signer_name=signer.get_full_name() if signer else "Référent",
        signed_at=timezone.now(),
    )


def committee(kind_or_slug: str) -> Committee:
    return Committee.objects.get(slug=kind_or_slug)


def make_meeting(committee: Committee, *, days: int = 10, **fields) -> Meeting:
    starts_at = timezone.now() + timedelta(days=days)
    defaults = {
        "title": "Réunion de printemps",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=2),
        "location": "Maison des associations, Toulouse",
        "agenda": "1. Accueil\n2. Feuille de route",
    }
    return Meeting.objects.create(committee=committee, **{**defaults, **fields})
