"""Reads about the engagement charter: versions, who may sign what, signatories and statistics.

Public outputs (the signatories page, the statistics, the annual report) only use what the
public may see of a person: a person is listed only when their profile is published and their
last name is public; their side, domains and localisation count only when those fields are
public too. Anything else is counted as « non communiqué », never guessed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actors.charter_enums import SignatureSide
from actors.enums import ActorKind, MembershipStatus, ModerationStatus, Side, Visibility, Zone
from actors.models import CharterVersion, Domain, Membership, Person, Signature, Structure

ZONE_SHORT = {Zone.EST: _("Est"), Zone.OUEST: _("Ouest"), Zone.REGION: _("Région")}

# --- Versions -----------------------------------------------------------------------------------------


def charter_versions_published() -> QuerySet[CharterVersion]:
    return CharterVersion.objects.filter(published_at__isnull=False).order_by("-year")


def charter_current_version() -> CharterVersion | None:
    """Publishing a version makes it the current one (its signatories form the CoPart)."""
    return charter_versions_published().first()


def charter_version_for_year(year: int | None) -> CharterVersion | None:
    if year is None:
        return charter_current_version()
    return charter_versions_published().filter(year=year).first()


def charter_previous_version(version: CharterVersion) -> CharterVersion | None:
    return charter_versions_published().filter(year__lt=version.year).first()


def charter_version_is_open(version: CharterVersion, today=None) -> bool:
    """A published version can be signed until the end of its validity period."""
    today = today or timezone.localdate()
    return version.is_published and (version.valid_until is None or version.valid_until >= today)


def charter_versions_with_counts() -> list[CharterVersion]:
    """Every version (drafts too, for the staff) with its standing signatures counted by kind."""
    active = Q(signatures__withdrawn_at__isnull=True)
    return list(
        CharterVersion.objects.annotate(
            structures_count=Count("signatures", filter=active & Q(signatures__kind=ActorKind.STRUCTURE)),
            persons_count=Count("signatures", filter=active & Q(signatures__kind=ActorKind.PERSON)),
            withdrawn_count=Count("signatures", filter=Q(signatures__withdrawn_at__isnull=False)),
        ).order_by("-year")
    )


# --- Who may sign what ----------------------------------------------------------------------------------


@dataclass
class SignatoryOption:
    """One actor the user may sign for, and their standing signature of the version if any."""

    kind: str
    actor_id: int
    label: str
    signature: Signature | None = None

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.actor_id}"

    @property
    def already_signed(self) -> bool:
        return self.signature is not None


def person_of(user) -> Person | None:
    if not user.is_authenticated:
        return None
    return Person.objects.filter(user=user).exclude(status=ModerationStatus.ARCHIVED).first()


def structures_represented_by(user) -> list[Structure]:
    """Structures the user is an accepted référent of (the only ones they may sign for)."""
    if not user.is_authenticated:
        return []
    return list(
        Structure.objects.filter(
            memberships__person__user=user,
            memberships__is_referent=True,
            memberships__status=MembershipStatus.ACCEPTED,
        )
        .exclude(status=ModerationStatus.ARCHIVED)
        .distinct()
        .order_by("name")
    )


def signing_options(user, version: CharterVersion) -> list[SignatoryOption]:
    person = person_of(user)
    if person is None:
        return []
    options = [
        SignatoryOption(ActorKind.PERSON, person.pk, f"{person.first_name} {person.last_name}".strip())
    ]
    options += [
        SignatoryOption(ActorKind.STRUCTURE, structure.pk, structure.name)
        for structure in structures_represented_by(user)
    ]
    standing = Signature.objects.filter(version=version, withdrawn_at__isnull=True).filter(
        Q(person=person) | Q(structure_id__in=[o.actor_id for o in options if o.kind == ActorKind.STRUCTURE])
    )
    by_actor = {(s.kind, s.person_id or s.structure_id): s for s in standing}
    for option in options:
        option.signature = by_actor.get((option.kind, option.actor_id))
    return options


def signatures_concerning(user) -> list[Signature]:
    """Standing signatures the user made, or made for them, or for a structure they represent."""
    if not user.is_authenticated:
        return []
    structure_ids = [structure.pk for structure in structures_represented_by(user)]
    return list(
        Signature.objects.filter(withdrawn_at__isnull=True)
        .filter(Q(signed_by=user) | Q(person__user=user) | Q(structure_id__in=structure_ids))
        .select_related("version", "person", "structure")
        .order_by("-version__year", "kind", "pk")
    )


# --- Signatories as the public may see them --------------------------------------------------------------


@dataclass
class SignatoryRow:
    kind: str
    actor_id: int
    name: str
    url: str
    signed_at: datetime
    zone: str = ""
    side: str = ""
    domain_ids: list[int] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    detail: str = ""  # structure type, or the person's profiles
    place: str = ""

    @property
    def kind_label(self) -> str:
        return str(ActorKind(self.kind).label)

    @property
    def zone_label(self) -> str:
        return str(Zone(self.zone).label) if self.zone else ""

    @property
    def zone_short(self) -> str:
        return str(ZONE_SHORT.get(self.zone, ""))

    @property
    def side_label(self) -> str:
        return str(SignatureSide(self.side).label) if self.side else ""


@dataclass
class SignatoryList:
    version: CharterVersion
    rows: list[SignatoryRow]
    # Standing signatures not listed publicly (name not public, or profile not published).
    unlisted_persons: int = 0
    unlisted_structures: int = 0

    @property
    def persons(self) -> int:
        return sum(1 for row in self.rows if row.kind == ActorKind.PERSON) + self.unlisted_persons

    @property
    def structures(self) -> int:
        return sum(1 for row in self.rows if row.kind == ActorKind.STRUCTURE) + self.unlisted_structures

    @property
    def total(self) -> int:
        return self.persons + self.structures


def directory_url(kind: str, actor_id: int) -> str:
    """The actor's page in the directory, if the directory exposes one."""
    name = "directory:person_detail" if kind == ActorKind.PERSON else "directory:structure_detail"
    try:
        return reverse(name, args=[actor_id])
    except NoReverseMatch:
        return ""


def standing_signatures(version: CharterVersion) -> QuerySet[Signature]:
    """Standing signatures of a version with everything the rows read, in a constant number of queries."""
    return (
        Signature.objects.filter(version=version, withdrawn_at__isnull=True)
        .select_related(
            "person__commune__departement",
            "structure__commune__departement",
            "structure__structure_type",
            "signed_by",
        )
        .prefetch_related(
            Prefetch("person__profiles"),
            Prefetch("person__domains"),
            Prefetch("person__territories"),
            Prefetch("structure__domains"),
        )
        .order_by("signed_at", "pk")
    )


def person_side(profiles) -> str:
    sides = {profile.side for profile in profiles}
    if sides == {Side.USER}:
        return SignatureSide.USER
    if sides == {Side.PROFESSIONAL}:
        return SignatureSide.PROFESSIONAL
    if sides:
        return SignatureSide.BOTH
    return SignatureSide.UNKNOWN


def _zone_of(territories, region_wide: bool, commune) -> str:
    """Est / Ouest / Région from the territories of activity, else from the commune."""
    if region_wide:
        return Zone.REGION
    zones = {departement.zone for departement in territories}
    if len(zones) > 1:
        return Zone.REGION
    if zones:
        return zones.pop()
    return commune.departement.zone if commune is not None else ""


def person_row(signature: Signature, level: int = Visibility.PUBLIC) -> SignatoryRow | None:
    """What a viewer at `level` may know of a signatory person; None when they may not be named."""
    person = signature.person
    if person.status != ModerationStatus.PUBLISHED and level < Visibility.STAFF:
        return None
    if person.field_level("last_name") > level:
        return None
    row = SignatoryRow(
        kind=ActorKind.PERSON,
        actor_id=person.pk,
        name=f"{person.first_name} {person.last_name}".strip(),
        url=directory_url(ActorKind.PERSON, person.pk) if person.status == ModerationStatus.PUBLISHED else "",
        signed_at=signature.signed_at,
    )
    row.side = person_signature_side(person, level)
    if person.field_level("profiles") <= level:
        row.detail = ", ".join(profile.label for profile in person.profiles.all())
    if person.field_level("domains") <= level:
        domains = list(person.domains.all())
        row.domain_ids = [domain.pk for domain in domains]
        row.domains = [domain.label for domain in domains]
    row.zone = person_signature_zone(person, level)
    if person.field_level("commune") <= level and person.commune_id:
        row.place = person.commune.name
    return row


def person_signature_side(person: Person, level: int) -> str:
    if person.field_level("profiles") > level:
        return SignatureSide.UNKNOWN
    return person_side(person.profiles.all())


def person_signature_zone(person: Person, level: int) -> str:
    territories_visible = person.field_level("territories") <= level
    commune_visible = person.field_level("commune") <= level
    territories = list(person.territories.all()) if territories_visible else []
    region_wide = person.region_wide if territories_visible else False
    commune = person.commune if commune_visible and person.commune_id else None
    return _zone_of(territories, region_wide, commune)


def structure_row(signature: Signature, level: int = Visibility.PUBLIC) -> SignatoryRow | None:
    structure = signature.structure
    published = structure.status == ModerationStatus.PUBLISHED
    if not published and level < Visibility.STAFF:
        return None
    domains = list(structure.domains.all())
    return SignatoryRow(
        kind=ActorKind.STRUCTURE,
        actor_id=structure.pk,
        name=structure.name,
        url=directory_url(ActorKind.STRUCTURE, structure.pk) if published else "",
        signed_at=signature.signed_at,
        zone=structure.zone or _zone_of([], structure.region_wide, structure.commune),
        domain_ids=[domain.pk for domain in domains],
        domains=[domain.label for domain in domains],
        detail=structure.structure_type.label if structure.structure_type_id else "",
        place=structure.commune.name if structure.commune_id else structure.outside_commune,
    )


def signatory_list(version: CharterVersion, level: int = Visibility.PUBLIC) -> SignatoryList:
    result = SignatoryList(version=version, rows=[])
    for signature in standing_signatures(version):
        if signature.kind == ActorKind.PERSON:
            row = person_row(signature, level)
            if row is None:
                result.unlisted_persons += 1
                continue
        else:
            row = structure_row(signature, level)
            if row is None:
                result.unlisted_structures += 1
                continue
        result.rows.append(row)
    result.rows.sort(key=lambda row: (row.kind != ActorKind.STRUCTURE, row.name.lower()))
    return result


@dataclass(frozen=True)
class SignatoryFilters:
    kind: str = ""
    side: str = ""
    zone: str = ""
    domain: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.kind or self.side or self.zone or self.domain)


def filter_signatories(rows: list[SignatoryRow], filters: SignatoryFilters) -> list[SignatoryRow]:
    """Filters work on what is listed publicly. The side is a person's; a structure has none."""
    kept = []
    for row in rows:
        if filters.kind and row.kind != filters.kind:
            continue
        if filters.side and (
            row.kind != ActorKind.PERSON or row.side not in (filters.side, SignatureSide.BOTH)
        ):
            continue
        if filters.zone and row.zone != filters.zone:
            continue
        if filters.domain and filters.domain not in row.domain_ids:
            continue
        kept.append(row)
    return kept


# --- Statistics (the committee's own charts) ----------------------------------------------------------


@dataclass
class SignatoryStatistics:
    version: CharterVersion
    structures: int
    persons: int
    # Persons by side: {SignatureSide value: count}
    sides: dict[str, int]
    # {zone value or "": {ActorKind value: count}}
    zones: dict[str, Counter]
    # [(domain, {ActorKind value: count})], in the taxonomy's order
    domains: list[tuple[Domain, Counter]]
    # Signatories whose domains are not communicated, by kind
    domains_unknown: Counter

    @property
    def total(self) -> int:
        return self.structures + self.persons


def signatory_statistics(version: CharterVersion, level: int = Visibility.PUBLIC) -> SignatoryStatistics:
    """Counts of a version's standing signatories, each breakdown from what `level` may see."""
    sides: Counter = Counter()
    zones: dict[str, Counter] = {
        Zone.EST: Counter(),
        Zone.OUEST: Counter(),
        Zone.REGION: Counter(),
        "": Counter(),
    }
    domain_counts: dict[int, Counter] = {}
    domains_unknown: Counter = Counter()
    structures = persons = 0
    for signature in standing_signatures(version):
        if signature.kind == ActorKind.PERSON:
            persons += 1
            person = signature.person
            visible = person.status == ModerationStatus.PUBLISHED or level >= Visibility.STAFF
            sides[person_signature_side(person, level) if visible else SignatureSide.UNKNOWN] += 1
            zone = person_signature_zone(person, level) if visible else ""
            domain_ids = (
                [domain.pk for domain in person.domains.all()]
                if visible and person.field_level("domains") <= level
                else []
            )
        else:
            structures += 1
            row = structure_row(signature, level)
            zone = row.zone if row else ""
            domain_ids = row.domain_ids if row else []
        zones[zone][signature.kind] += 1
        if not domain_ids:
            domains_unknown[signature.kind] += 1
        for domain_id in domain_ids:
            domain_counts.setdefault(domain_id, Counter())[signature.kind] += 1
    domains = [
        (domain, domain_counts.get(domain.pk, Counter()))
        for domain in Domain.objects.filter(Q(is_active=True) | Q(pk__in=list(domain_counts))).order_by(
            "position", "label"
        )
    ]
    return SignatoryStatistics(
        version=version,
        structures=structures,
        persons=persons,
        sides={side.value: sides.get(side.value, 0) for side in SignatureSide},
        zones=zones,
        domains=domains,
        domains_unknown=domains_unknown,
    )


@dataclass(frozen=True)
class VersionCount:
    year: int
    structures: int
    persons: int
    withdrawn: int

    @property
    def total(self) -> int:
        return self.structures + self.persons


def signature_evolution() -> list[VersionCount]:
    """Standing signatures per published version, oldest first (one query)."""
    active = Q(signatures__withdrawn_at__isnull=True)
    versions = (
        charter_versions_published()
        .annotate(
            structures_count=Count("signatures", filter=active & Q(signatures__kind=ActorKind.STRUCTURE)),
            persons_count=Count("signatures", filter=active & Q(signatures__kind=ActorKind.PERSON)),
            withdrawn_count=Count("signatures", filter=Q(signatures__withdrawn_at__isnull=False)),
        )
        .order_by("year")
    )
    return [VersionCount(v.year, v.structures_count, v.persons_count, v.withdrawn_count) for v in versions]


def signatory_count(version: CharterVersion | None = None) -> int:
    version = version or charter_current_version()
    if version is None:
        return 0
    return Signature.objects.filter(version=version, withdrawn_at__isnull=True).count()


# --- Directory integration ------------------------------------------------------------------------------

# The directory's filter and badge "engagé(e) dans la charte COPS": a tag on the index entry of every
# standing signatory of the current version (a public fact), refreshed when someone signs, withdraws,
# or when a version is published (see actors.services.charter.reindex_signatory).
ENGAGED_TAG = "charte:engage"
ENGAGED_LABEL = _("Engagé(e) dans la charte COPS")


def charter_directory_tags(kind: str, ids: list[int]) -> dict[int, list[str]]:
    return {actor_id: [ENGAGED_TAG] for actor_id in engaged_actor_ids(kind, ids)}


def register_directory_hooks() -> None:
    from directory.indexing import register_tag_provider

    register_tag_provider(charter_directory_tags, badges={ENGAGED_TAG: ENGAGED_LABEL})


def engaged_actor_ids(kind: str, ids: list[int]) -> set[int]:
    """Which of these actors stand as signatories of the current version of the charter."""
    version = charter_current_version()
    if version is None or not ids:
        return set()
    column = "person_id" if kind == ActorKind.PERSON else "structure_id"
    return set(
        Signature.objects.filter(
            version=version, withdrawn_at__isnull=True, **{f"{column}__in": ids}
        ).values_list(column, flat=True)
    )


# --- Staff export ------------------------------------------------------------------------------------------


def signatures_for_export(version: CharterVersion) -> QuerySet[Signature]:
    """Every signature of a version, standing or withdrawn, for the staff's CSV / XLSX export."""
    return (
        Signature.objects.filter(version=version)
        .select_related(
            "person__commune__departement",
            "structure__commune__departement",
            "structure__structure_type",
            "signed_by",
        )
        .prefetch_related("person__profiles", "person__domains", "person__territories", "structure__domains")
        .order_by("kind", "signed_at", "pk")
    )


def referent_memberships(user) -> QuerySet[Membership]:
    return Membership.objects.filter(
        person__user=user, is_referent=True, status=MembershipStatus.ACCEPTED
    ).select_related("structure")
