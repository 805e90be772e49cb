"""Bulk creation of directory profiles (imports and the demo data set).

The same rules as the step-by-step services — zone summary, structure position from the
commune, référent membership, index of published profiles — applied with a few queries per
thousand rows instead of a few per row.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from actors.enums import MembershipStatus, ModerationStatus
from actors.models import Commune, Membership, Person, Structure
from directory.indexing import departement_zones, index_persons, index_structures, zone_summary
from directory.services.profiles import CONSENT_VERSION, PERSON_SPEC, STRUCTURE_SPEC

BATCH_SIZE = 2000


@dataclass
class ProfileRow:
    """One profile to create: model fields, many-to-many ids, and its moderation state."""

    fields: dict
    many_to_many: dict[str, list] = field(default_factory=dict)
    status: str = ModerationStatus.PUBLISHED
    at: datetime | None = None


def _zone(territories: list[str], region_wide: bool, commune_dept: str | None, zones: dict[str, str]) -> str:
    return zone_summary(territories, region_wide, zones) or zones.get(commune_dept or "", "")


def _prepare(model, rows: list[ProfileRow], zones: dict[str, str], communes: dict[str, Commune]) -> list:
    objects = []
    for row in rows:
        obj = model(**row.fields)
        obj.status = row.status
        if row.at is not None:
            obj.submitted_at = row.at
            obj.consent_at = row.at
            obj.consent_version = CONSENT_VERSION
            if row.status == ModerationStatus.PUBLISHED:
                obj.published_at = obj.moderated_at = obj.accuracy_confirmed_at = row.at
        commune = communes.get(obj.commune_id) if obj.commune_id else None
        if model is Structure and obj.latitude is None and commune is not None:
            obj.latitude, obj.longitude = commune.latitude, commune.longitude
        obj.zone = _zone(
            row.many_to_many.get("territories", []),
            obj.region_wide,
            commune.departement_id if commune else None,
            zones,
        )
        objects.append(obj)
    return objects


def _bulk_m2m(model, objects: list, rows: list[ProfileRow], names: tuple[str, ...]) -> None:
    for name in names:
        through = getattr(model, name).through
        source = f"{model._meta.model_name}_id"
        target = f"{getattr(model, name).field.related_model._meta.model_name}_id"
        links = [
            through(**{source: obj.pk, target: value})
            for obj, row in zip(objects, rows, strict=True)
            for value in row.many_to_many.get(name, [])
        ]
        through.objects.bulk_create(links, batch_size=5000)


def _communes(rows: list[ProfileRow]) -> dict[str, Commune]:
    codes = {row.fields.get("commune_id") for row in rows} - {None}
    return Commune.objects.in_bulk(list(codes))


def persons_bulk_create(*, rows: list[ProfileRow], index: bool = True) -> list[Person]:
    """Create persons with their taxonomies; published ones enter the directory index."""
    zones = departement_zones()
    created: list[Person] = []
    with transaction.atomic():
        for start in range(0, len(rows), BATCH_SIZE):
            chunk = rows[start : start + BATCH_SIZE]
            objects = Person.objects.bulk_create(_prepare(Person, chunk, zones, _communes(chunk)))
            _bulk_m2m(Person, objects, chunk, PERSON_SPEC.many_to_many)
            created += objects
        if index:
            index_persons([p.pk for p in created if p.status == ModerationStatus.PUBLISHED])
    return created


def structures_bulk_create(*, rows: list[ProfileRow], index: bool = True) -> list[Structure]:
    zones = departement_zones()
    created: list[Structure] = []
    with transaction.atomic():
        for start in range(0, len(rows), BATCH_SIZE):
            chunk = rows[start : start + BATCH_SIZE]
            objects = Structure.objects.bulk_create(_prepare(Structure, chunk, zones, _communes(chunk)))
            _bulk_m2m(Structure, objects, chunk, STRUCTURE_SPEC.many_to_many)
            created += objects
        if index:
            index_structures([s.pk for s in created if s.status == ModerationStatus.PUBLISHED])
    return created


def memberships_bulk_create(*, links: list[tuple[int, int, str, bool]], at: datetime | None = None) -> int:
    """Accepted memberships (person id, structure id, function, is_referent); reindex afterwards."""
    objects = [
        Membership(
            person_id=person_id,
            structure_id=structure_id,
            function=function,
            is_referent=is_referent,
            status=MembershipStatus.ACCEPTED,
            decided_at=at,
        )
        for person_id, structure_id, function, is_referent in links
    ]
    Membership.objects.bulk_create(objects, batch_size=5000, ignore_conflicts=True)
    return len(objects)
