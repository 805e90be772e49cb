"""Reads about the engagement charter: versions, who may sign what, signatories and statistics.

Public outputs (the signatories page, the statistics, the annual report) only use what the
public may see of a person: a person is listed only when their profile is published and their
last name is public; their side, domains and localisation count only when those fields are
public too. Anything else is counted as « non communiqué », never guessed.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from django.core.cache import caches
from django.db.models import Count, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from actors.charter_enums import SignatureSide
from actors.enums import ActorKind, MembershipStatus, ModerationStatus, Side, Visibility, Zone
from actors.models import CharterVersion, Domain, Membership, Person, Signature, Structure
from actors.signals import charter_data_version

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
    # A subquery on the memberships rather than a join: the join made PostgreSQL read every
    # structure (110 ms at 6,000 structures); the subquery reads the user's few memberships.
    referent_of = Membership.objects.filter(
        person__user=user, is_referent=True, status=MembershipStatus.ACCEPTED
    ).values("structure_id")
    return list(
        Structure.objects.filter(pk__in=referent_of)
        .exclude(status=ModerationStatus.ARCHIVED)
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
        .filter(
            Q(signed_by=user)
            | Q(person_id__in=Person.objects.filter(user=user).values("pk"))
            | Q(structure_id__in=structure_ids)
        )
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


_URL_PREFIXES: dict[str, str] = {}


def directory_url(kind: str, actor_id: int) -> str:
    """The actor's page in the directory, if the directory exposes one.

    reverse() is slow when called for thousands of rows: the pattern's prefix is resolved once.
    """
    if kind not in _URL_PREFIXES:
        name = "directory:person_detail" if kind == ActorKind.PERSON else "directory:structure_detail"
        try:
            _URL_PREFIXES[kind] = reverse(name, args=[0])[:-2]
        except NoReverseMatch:
            _URL_PREFIXES[kind] = ""
    prefix = _URL_PREFIXES[kind]
    return f"{prefix}{actor_id}/" if prefix else ""


# Signatories are read as plain values (one query per table, no model instances): the public pages
# and the statistics stay fast with thousands of signatories.


@dataclass
class PersonFacts:
    id: int
    first_name: str
    last_name: str
    status: str
    visibility: dict
    region_wide: bool
    commune_name: str
    commune_zone: str
    profiles: list[tuple[str, str]] = field(default_factory=list)  # (label, side)
    domains: list[tuple[int, str]] = field(default_factory=list)  # (id, label)
    territory_zones: list[str] = field(default_factory=list)

    def level(self, name: str) -> int:
        """Same rule as Person.field_level: the person's choice, else the field's default level."""
        if name not in Person.RESTRICTABLE_FIELDS:
            return Visibility.PUBLIC
        return int((self.visibility or {}).get(name, Person.RESTRICTABLE_FIELDS[name]))

    @property
    def is_published(self) -> bool:
        return self.status == ModerationStatus.PUBLISHED


@dataclass
class StructureFacts:
    id: int
    name: str
    status: str
    zone: str
    region_wide: bool
    commune_name: str
    commune_zone: str
    outside_commune: str
    type_label: str
    domains: list[tuple[int, str]] = field(default_factory=list)

    @property
    def is_published(self) -> bool:
        return self.status == ModerationStatus.PUBLISHED


@dataclass
class SignatureFacts:
    id: int
    kind: str
    signed_at: datetime
    signer_name: str
    withdrawn_at: datetime | None
    withdrawal_reason: str
    person: PersonFacts | None = None
    structure: StructureFacts | None = None


def signature_facts(version: CharterVersion, *, standing_only: bool = True) -> list[SignatureFacts]:
    """A version's signatures with what the rows and the statistics read, in seven queries."""
    signatures = Signature.objects.filter(version=version)
    if standing_only:
        signatures = signatures.filter(withdrawn_at__isnull=True)
    facts = [
        SignatureFacts(
            id=pk,
            kind=kind,
            signed_at=signed_at,
            signer_name=signer,
            withdrawn_at=withdrawn,
            withdrawal_reason=reason,
            person=person_id,
            structure=structure_id,
        )  # fmt: skip
        for pk, kind, signed_at, signer, withdrawn, reason, person_id, structure_id in signatures.order_by(
            "signed_at", "pk"
        ).values_list(
            "pk",
            "kind",
            "signed_at",
            "signer_name",
            "withdrawn_at",
            "withdrawal_reason",
            "person_id",
            "structure_id",
        )
    ]
    # Subqueries rather than long lists of ids: PostgreSQL joins them in one pass.
    person_ids = signatures.filter(person__isnull=False).values("person_id")
    structure_ids = signatures.filter(structure__isnull=False).values("structure_id")
    persons = {
        row[0]: PersonFacts(*row[:6], commune_name=row[6] or "", commune_zone=row[7] or "")
        for row in Person.objects.filter(pk__in=person_ids)
        .order_by()
        .values_list(
            "pk",
            "first_name",
            "last_name",
            "status",
            "visibility",
            "region_wide",
            "commune__name",
            "commune__departement__zone",
        )  # fmt: skip
    }
    for person_id, label, side in (
        Person.profiles.through.objects.filter(person_id__in=person_ids)
        .order_by("actorprofile__position", "actorprofile__label")
        .values_list("person_id", "actorprofile__label", "actorprofile__side")
    ):
        persons[person_id].profiles.append((label, side))
    for person_id, domain_id, label in (
        Person.domains.through.objects.filter(person_id__in=person_ids)
        .order_by("domain__position", "domain__label")
        .values_list("person_id", "domain_id", "domain__label")
    ):
        persons[person_id].domains.append((domain_id, label))
    for person_id, zone in Person.territories.through.objects.filter(person_id__in=person_ids).values_list(
        "person_id", "departement__zone"
    ):
        persons[person_id].territory_zones.append(zone)
    structures = {
        row[0]: StructureFacts(
            row[0],
            row[1],
            row[2],
            row[3] or "",
            row[4],
            row[5] or "",
            row[6] or "",
            row[7] or "",
            row[8] or "",
        )
        for row in Structure.objects.filter(pk__in=structure_ids)
        .order_by()
        .values_list(
            "pk",
            "name",
            "status",
            "zone",
            "region_wide",
            "commune__name",
            "commune__departement__zone",
            "outside_commune",
            "structure_type__label",
        )  # fmt: skip
    }
    for structure_id, domain_id, label in (
        Structure.domains.through.objects.filter(structure_id__in=structure_ids)
        .order_by("domain__position", "domain__label")
        .values_list("structure_id", "domain_id", "domain__label")
    ):
        structures[structure_id].domains.append((domain_id, label))
    for fact in facts:
        fact.person = persons.get(fact.person) if fact.person else None
        fact.structure = structures.get(fact.structure) if fact.structure else None
    return facts


def side_of(sides: set[str]) -> str:
    if sides == {Side.USER}:
        return SignatureSide.USER
    if sides == {Side.PROFESSIONAL}:
        return SignatureSide.PROFESSIONAL
    if sides:
        return SignatureSide.BOTH
    return SignatureSide.UNKNOWN


def _zone_of(territory_zones, region_wide: bool, commune_zone: str) -> str:
    """Est / Ouest / Région from the territories of activity, else from the commune."""
    if region_wide:
        return Zone.REGION
    zones = set(territory_zones)
    if len(zones) > 1:
        return Zone.REGION
    if zones:
        return zones.pop()
    return commune_zone or ""


def person_signature_side(person: PersonFacts, level: int) -> str:
    """The person's side as `level` may know it: from public profiles of a published profile only."""
    if (not person.is_published and level < Visibility.STAFF) or person.level("profiles") > level:
        return SignatureSide.UNKNOWN
    return side_of({side for _label, side in person.profiles})


def person_signature_zone(person: PersonFacts, level: int) -> str:
    if not person.is_published and level < Visibility.STAFF:
        return ""
    territories_visible = person.level("territories") <= level
    commune_visible = person.level("commune") <= level
    return _zone_of(
        person.territory_zones if territories_visible else [],
        person.region_wide if territories_visible else False,
        person.commune_zone if commune_visible else "",
    )


def person_signature_domains(person: PersonFacts, level: int) -> list[tuple[int, str]]:
    if (not person.is_published and level < Visibility.STAFF) or person.level("domains") > level:
        return []
    return person.domains


def person_row(fact: SignatureFacts, level: int = Visibility.PUBLIC) -> SignatoryRow | None:
    """What a viewer at `level` may know of a signatory person; None when they may not be named."""
    person = fact.person
    if person is None:  # an anonymised signature: counted, never named
        return None
    if not person.is_published and level < Visibility.STAFF:
        return None
    if person.level("last_name") > level:
        return None
    domains = person_signature_domains(person, level)
    return SignatoryRow(
        kind=ActorKind.PERSON,
        actor_id=person.id,
        name=f"{person.first_name} {person.last_name}".strip(),
        url=directory_url(ActorKind.PERSON, person.id) if person.is_published else "",
        signed_at=fact.signed_at,
        side=person_signature_side(person, level),
        detail=", ".join(label for label, _side in person.profiles)
        if person.level("profiles") <= level
        else "",
        domain_ids=[domain_id for domain_id, _label in domains],
        domains=[label for _id, label in domains],
        zone=person_signature_zone(person, level),
        place=person.commune_name if person.level("commune") <= level else "",
    )


def structure_row(fact: SignatureFacts, level: int = Visibility.PUBLIC) -> SignatoryRow | None:
    """Everything a published structure shows is public; an unpublished one only to the staff."""
    structure = fact.structure
    if not structure.is_published and level < Visibility.STAFF:
        return None
    return SignatoryRow(
        kind=ActorKind.STRUCTURE,
        actor_id=structure.id,
        name=structure.name,
        url=directory_url(ActorKind.STRUCTURE, structure.id) if structure.is_published else "",
        signed_at=fact.signed_at,
        zone=structure.zone or _zone_of([], structure.region_wide, structure.commune_zone),
        domain_ids=[domain_id for domain_id, _label in structure.domains],
        domains=[label for _id, label in structure.domains],
        detail=structure.type_label,
        place=structure.commune_name or structure.outside_commune,
    )


def signatory_row(fact: SignatureFacts, level: int = Visibility.PUBLIC) -> SignatoryRow | None:
    return person_row(fact, level) if fact.kind == ActorKind.PERSON else structure_row(fact, level)


def signatory_list(
    version: CharterVersion, level: int = Visibility.PUBLIC, *, facts: list[SignatureFacts] | None = None
) -> SignatoryList:
    result = SignatoryList(version=version, rows=[])
    for fact in signature_facts(version) if facts is None else facts:
        row = signatory_row(fact, level)
        if row is not None:
            result.rows.append(row)
        elif fact.kind == ActorKind.PERSON:
            result.unlisted_persons += 1
        else:
            result.unlisted_structures += 1
    structure = str(ActorKind.STRUCTURE)  # a plain str: comparing enum members costs more (25,000 rows)
    result.rows.sort(key=lambda row: (row.kind != structure, row.name.lower()))
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


def signatory_statistics(
    version: CharterVersion, level: int = Visibility.PUBLIC, *, facts: list[SignatureFacts] | None = None
) -> SignatoryStatistics:
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
    for fact in signature_facts(version) if facts is None else facts:
        if fact.kind == ActorKind.PERSON:
            persons += 1
            person = fact.person
            if person is None:  # an anonymised signature: counted, nothing else known
                sides[SignatureSide.UNKNOWN] += 1
                zone, domain_ids = "", []
            else:
                sides[person_signature_side(person, level)] += 1
                zone = person_signature_zone(person, level)
                domain_ids = [domain_id for domain_id, _label in person_signature_domains(person, level)]
        else:
            structures += 1
            row = structure_row(fact, level)
            zone = row.zone if row else ""
            domain_ids = row.domain_ids if row else []
        zones[zone][fact.kind] += 1
        if not domain_ids:
            domains_unknown[fact.kind] += 1
        for domain_id in domain_ids:
            domain_counts.setdefault(domain_id, Counter())[fact.kind] += 1
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


# --- Public aggregates, computed once per version of their data -------------------------------------------
# Reading every standing signature with its signatory takes about half a second at 25,000
# signatures; the lists and statistics change only when a signature, a version or a signatory
# changes. Each web process keeps what it computed, keyed by the data's version token
# (actors.signals.charter_data_version, bumped in the transaction of every such change) and by what
# the result depends on (version, viewer level, filters, language): a result is never served once
# its data changed. MEMO_MAX_AGE also bounds what a write that bypasses every path could leave.

MEMO_MAX_AGE = 300.0
# Kept per process, least recently used first out. Separate stores, so that many small results
# (one per filter combination or rendered page) never push out the one costly full list.
MEMO_SIZES = {"lists": 8, "small": 64, "filtered": 64, "rendered": 256}
_memo_lock = threading.Lock()
_memo: dict[str, OrderedDict[tuple, tuple[float, object]]] = {name: OrderedDict() for name in MEMO_SIZES}
T = TypeVar("T")


def remembered(
    key: tuple,
    compute: Callable[[], T],
    *,
    token: str | None = None,
    store: str = "lists",
    shared: bool = False,
) -> T:
    """`compute()` for this version of the charter's data, computed once per process.

    `key` must hold everything the result depends on besides the data, the viewer's level first
    of all when the result shows what only some may see. `shared`: a small result (a rendered
    page, the statistics) is also written to the shared cache, so that after a change only the
    first web process computes it and the others read it (the full lists stay per process)."""
    token = charter_data_version() if token is None else token
    full_key = (token, get_language(), *key)
    memo = _memo[store]
    with _memo_lock:
        found = memo.get(full_key)
        if found is not None and time.monotonic() - found[0] < MEMO_MAX_AGE:
            memo.move_to_end(full_key)
            return found[1]
    shared_key = "actors:charter:" + hashlib.blake2b(repr(full_key).encode(), digest_size=16).hexdigest()
    value = caches["shared"].get(shared_key) if shared else None
    if value is None:
        value = compute()
        if shared:
            caches["shared"].set(shared_key, value, timeout=MEMO_MAX_AGE)
    with _memo_lock:
        memo[full_key] = (time.monotonic(), value)
        memo.move_to_end(full_key)
        while len(memo) > MEMO_SIZES[store]:
            memo.popitem(last=False)
    return value


def forget_remembered() -> None:
    with _memo_lock:
        for memo in _memo.values():
            memo.clear()


@dataclass(frozen=True)
class SignatoryCounts:
    """A version's standing signatures by kind (listed publicly or not)."""

    structures: int
    persons: int

    @property
    def total(self) -> int:
        return self.structures + self.persons


def signatory_counts(version: CharterVersion, *, token: str | None = None) -> SignatoryCounts:
    def compute() -> SignatoryCounts:
        counts = dict(
            Signature.objects.filter(version=version, withdrawn_at__isnull=True)
            .order_by()
            .values_list("kind")
            .annotate(count=Count("pk"))
        )
        return SignatoryCounts(
            structures=counts.get(ActorKind.STRUCTURE, 0), persons=counts.get(ActorKind.PERSON, 0)
        )

    return remembered(("counts", version.pk), compute, token=token, store="small")


def charter_versions_published_cached(*, token: str | None = None) -> list[CharterVersion]:
    """The published versions, newest first (a version's save moves the token). Shared: read only."""
    return remembered(("versions",), lambda: list(charter_versions_published()), token=token, store="small")


def signature_facts_cached(version: CharterVersion, *, token: str | None = None) -> list[SignatureFacts]:
    """A version's standing signatures with their signatories, read once per data version: the
    list (at each level) and the statistics are derived from the same read. Shared: never change."""
    return remembered(("facts", version.pk), lambda: signature_facts(version), token=token)


def signatory_list_cached(
    version: CharterVersion, level: int = Visibility.PUBLIC, *, token: str | None = None
) -> SignatoryList:
    """signatory_list(), once per data version, viewer level and process (the rows are shared:
    read them, never change them)."""
    token = charter_data_version() if token is None else token
    return remembered(
        ("list", version.pk, int(level)),
        lambda: signatory_list(version, level, facts=signature_facts_cached(version, token=token)),
        token=token,
    )


def filtered_signatories_cached(
    version: CharterVersion,
    filters: SignatoryFilters,
    level: int = Visibility.PUBLIC,
    *,
    token: str | None = None,
) -> tuple[SignatoryList, list[SignatoryRow]]:
    """The list and its rows kept by these filters (a fresh filter costs a pass over the rows)."""
    token = charter_data_version() if token is None else token
    listing = signatory_list_cached(version, level, token=token)
    if not filters.active:
        return listing, listing.rows
    rows = remembered(
        ("filtered", version.pk, int(level), filters),
        lambda: filter_signatories(listing.rows, filters),
        token=token,
        store="filtered",
    )
    return listing, rows


# --- Standing signatories --------------------------------------------------------------------------------
# Who stands engaged is a public fact for those the signatories page names; changes are announced by
# actors.signals.charter_signatures_changed (and a person's visibility change reindexes their entry).


def engaged_actor_ids(kind: str, ids: list[int]) -> set[int]:
    """Which of these actors stand as signatories of the current version of the charter, as the
    public signatories page shows them: a person it does not name (profile unpublished, last name
    not public, see `person_row`) is not revealed as engaged by a badge or a filter either."""
    version = charter_current_version()
    if version is None or not ids:
        return set()
    signatures = Signature.objects.filter(version=version, withdrawn_at__isnull=True)
    if kind != ActorKind.PERSON:
        return set(signatures.filter(structure_id__in=ids).values_list("structure_id", flat=True))
    default = Person.RESTRICTABLE_FIELDS["last_name"]
    return {
        person_id
        for person_id, status, visibility in signatures.filter(person_id__in=ids).values_list(
            "person_id", "person__status", "person__visibility"
        )
        if status == ModerationStatus.PUBLISHED
        and int((visibility or {}).get("last_name", default)) <= Visibility.PUBLIC
    }


# --- Staff export ------------------------------------------------------------------------------------------


def signatures_for_export(version: CharterVersion) -> list[SignatureFacts]:
    """Every signature of a version, standing or withdrawn, for the staff's CSV / XLSX export."""
    facts = signature_facts(version, standing_only=False)
    facts.sort(key=lambda fact: (fact.kind, fact.signed_at, fact.id))
    return facts
