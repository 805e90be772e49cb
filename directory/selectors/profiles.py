"""Reads about directory profiles, and *what a given viewer may see* of them.

Pages, the API, the index, exports and emails never hand a Person to a template or a
serializer: they go through `person_view(person, level)`, which copies only the fields the
viewer's level allows. A restricted field is simply absent from the view, so no template
can print it by mistake.
"""

import hashlib
from dataclasses import dataclass, field

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse

from actors.enums import ActorKind, MembershipStatus, ModerationStatus, RevisionStatus, Visibility
from actors.models import (
    Activity,
    ActorProfile,
    Availability,
    Departement,
    Domain,
    Membership,
    Person,
    Qualification,
    Structure,
)
from directory.models import Project

PERSON_M2M = ("profiles", "domains", "territories", "qualifications", "activities", "availabilities")


@dataclass
class Labelled:
    id: int | str
    label: str
    code: str = ""


@dataclass
class MembershipView:
    structure_id: int
    structure_name: str
    function: str
    is_referent: bool


@dataclass
class PersonView:
    """The fields of a person one viewer may see; a hidden field is None (or an empty list)."""

    id: int
    level: int
    first_name: str
    title: str
    kind: str = ActorKind.PERSON
    last_name: str | None = None
    has_photo: bool = False
    profiles: list[Labelled] = field(default_factory=list)
    domains: list[Labelled] = field(default_factory=list)
    territories: list[Labelled] = field(default_factory=list)
    region_wide: bool = False
    commune: str | None = None
    commune_id: str | None = None
    departement_code: str | None = None
    qualifications: list[Labelled] = field(default_factory=list)
    activities: list[Labelled] = field(default_factory=list)
    availabilities: list[Labelled] = field(default_factory=list)
    bio: str | None = None
    experience: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    memberships: list[MembershipView] = field(default_factory=list)
    visible_fields: frozenset = frozenset()

    @property
    def url(self) -> str:
        return reverse("directory:person_detail", args=[self.id])

    @property
    def photo_url(self) -> str:
        return reverse("directory:person_photo", args=[self.id]) if self.has_photo else ""

    @property
    def kind_label(self) -> str:
        return str(ActorKind.PERSON.label)

    @property
    def profile_labels(self) -> list[str]:
        return [item.label for item in self.profiles]


@dataclass
class MemberView:
    person_id: int
    title: str
    function: str
    is_referent: bool

    @property
    def url(self) -> str:
        return reverse("directory:person_detail", args=[self.person_id])


@dataclass
class StructureView:
    """Everything a structure publishes is public; the members listed depend on the viewer."""

    id: int
    name: str
    title: str
    acronym: str
    structure_type: str
    structure_type_id: int | None
    siret: str
    finess: str
    address: str
    postal_code: str
    commune: str | None
    commune_id: str | None
    departement_code: str | None
    outside_commune: str
    latitude: float | None
    longitude: float | None
    domains: list[Labelled]
    territories: list[Labelled]
    region_wide: bool
    description: str
    email: str
    phone: str
    website: str
    logo_url: str
    members: list[MemberView] = field(default_factory=list)
    kind: str = ActorKind.STRUCTURE

    @property
    def url(self) -> str:
        return reverse("directory:structure_detail", args=[self.id])

    @property
    def kind_label(self) -> str:
        return str(ActorKind.STRUCTURE.label)


def _labels(items) -> list[Labelled]:
    return [Labelled(item.pk, item.label, item.code) for item in items]


def _territories(profile) -> list[Labelled]:
    return [Labelled(item.code, item.name, item.code) for item in profile.territories.all()]


def person_lists(person: Person) -> dict[str, list]:
    """The person's taxonomies and published memberships, read once per person (a view is built
    for several levels). A bulk reader may fill `person._directory_lists` itself."""
    cached = person.__dict__.get("_directory_lists")
    if cached is None:
        cached = {name: _labels(getattr(person, name).all()) for name in PERSON_M2M if name != "territories"}
        cached["territories"] = _territories(person)
        cached["memberships"] = [
            MembershipView(m.structure_id, m.structure.name, m.function, m.is_referent)
            for m in person.memberships.all()
            if m.status == MembershipStatus.ACCEPTED and m.structure.status == ModerationStatus.PUBLISHED
        ]
        person.__dict__["_directory_lists"] = cached
    return cached


def persons_with_lists(ids) -> list[Person]:
    """Persons with their taxonomies loaded from the link tables in one query each, sharing the
    (small) taxonomy objects: the fast path for indexing and exports of thousands of rows."""
    persons = list(Person.objects.filter(pk__in=ids).select_related("commune__departement"))
    by_id = {person.pk: person for person in persons}
    for person in persons:
        person.__dict__["_directory_lists"] = {name: [] for name in (*PERSON_M2M, "memberships")}
    sources = {
        "profiles": ActorProfile,
        "domains": Domain,
        "qualifications": Qualification,
        "activities": Activity,
        "availabilities": Availability,
    }
    for name, model in sources.items():
        labels = {item.pk: Labelled(item.pk, item.label, item.code) for item in model.objects.all()}
        through = getattr(Person, name).through
        target = f"{model._meta.model_name}_id"
        rows = through.objects.filter(person_id__in=by_id).order_by(
            f"{model._meta.model_name}__position", target
        )
        for person_id, target_id in rows.values_list("person_id", target):
            by_id[person_id].__dict__["_directory_lists"][name].append(labels[target_id])
    departements = {d.code: Labelled(d.code, d.name, d.code) for d in Departement.objects.all()}
    rows = Person.territories.through.objects.filter(person_id__in=by_id).order_by("departement_id")
    for person_id, code in rows.values_list("person_id", "departement_id"):
        by_id[person_id].__dict__["_directory_lists"]["territories"].append(departements[code])
    memberships = (
        Membership.objects.filter(
            person_id__in=by_id,
            status=MembershipStatus.ACCEPTED,
            structure__status=ModerationStatus.PUBLISHED,
        )
        .order_by("structure__name")
        .values_list("person_id", "structure_id", "structure__name", "function", "is_referent")
    )
    for person_id, structure_id, name, function, is_referent in memberships:
        by_id[person_id].__dict__["_directory_lists"]["memberships"].append(
            MembershipView(structure_id, name, function, is_referent)
        )
    return persons


def person_title(person: Person, level: int) -> str:
    if person.field_level("last_name") <= level:
        return f"{person.first_name} {person.last_name}".strip()
    return person.first_name


def person_view(person: Person, level: int) -> PersonView:
    """Copy the fields of `person` visible at `level` (needs `persons_for_display()` prefetches)."""
    levels = person.field_levels
    shown = frozenset(name for name, needed in levels.items() if needed <= level)
    view = PersonView(
        id=person.pk,
        level=level,
        first_name=person.first_name,
        title=person_title(person, level),
        visible_fields=shown,
    )
    if "last_name" in shown:
        view.last_name = person.last_name
    if "photo" in shown:
        view.has_photo = bool(person.photo)
    lists = person_lists(person)
    for name in PERSON_M2M:
        if name in shown:
            setattr(view, name, list(lists[name]))
    if "territories" in shown:
        view.region_wide = person.region_wide
    if "commune" in shown:
        if person.commune_id:
            view.commune = str(person.commune)
            view.commune_id = person.commune_id
            view.departement_code = person.commune.departement_id
        elif person.outside_commune:
            view.commune = person.outside_commune
    for name in ("bio", "experience", "email", "phone", "website"):
        if name in shown:
            setattr(view, name, getattr(person, name))
    if "memberships" in shown:
        view.memberships = list(lists["memberships"])
    return view


def structure_view(structure: Structure, level: int, *, with_members: bool = True) -> StructureView:
    members = []
    if with_members:
        for membership in structure.memberships.all():
            person = membership.person
            if (
                membership.status == MembershipStatus.ACCEPTED
                and person.status == ModerationStatus.PUBLISHED
                and person.field_level("memberships") <= level
            ):
                members.append(
                    MemberView(
                        person.pk, person_title(person, level), membership.function, membership.is_referent
                    )
                )
        members.sort(key=lambda member: (not member.is_referent, member.title.lower()))
    commune = structure.commune
    return StructureView(
        id=structure.pk,
        name=structure.name,
        title=f"{structure.name} ({structure.acronym})" if structure.acronym else structure.name,
        acronym=structure.acronym,
        structure_type=structure.structure_type.label if structure.structure_type_id else "",
        structure_type_id=structure.structure_type_id,
        siret=structure.siret,
        finess=structure.finess,
        address=structure.address,
        postal_code=structure.postal_code,
        commune=commune.name if commune else (structure.outside_commune or None),
        commune_id=structure.commune_id,
        departement_code=commune.departement_id if commune else None,
        outside_commune=structure.outside_commune,
        latitude=structure.latitude,
        longitude=structure.longitude,
        domains=_labels(structure.domains.all()),
        territories=_territories(structure),
        region_wide=structure.region_wide,
        description=structure.description,
        email=structure.email,
        phone=structure.phone,
        website=structure.website,
        logo_url=structure_logo_url(structure),
        members=members,
    )


# --- Querysets ---------------------------------------------------------------------------------


def persons_for_display() -> QuerySet[Person]:
    """Persons with everything `person_view` reads, in a constant number of queries."""
    return Person.objects.select_related("commune__departement", "user").prefetch_related(
        "profiles",
        "domains",
        "territories",
        "qualifications",
        "activities",
        "availabilities",
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("structure").order_by("structure__name"),
        ),
    )


def structures_for_display() -> QuerySet[Structure]:
    return Structure.objects.select_related(
        "structure_type", "commune__departement", "created_by"
    ).prefetch_related(
        "domains",
        "territories",
        Prefetch("memberships", queryset=Membership.objects.select_related("person")),
    )


def published_persons() -> QuerySet[Person]:
    return persons_for_display().filter(status=ModerationStatus.PUBLISHED)


def published_structures() -> QuerySet[Structure]:
    return structures_for_display().filter(status=ModerationStatus.PUBLISHED)


def person_of_user(user) -> Person | None:
    if not user.is_authenticated:
        return None
    return persons_for_display().filter(user=user).first()


def structures_editable_by(user) -> QuerySet[Structure]:
    """Structures the user registered or is an accepted référent of (not merged away)."""
    if not user.is_authenticated:
        return Structure.objects.none()
    # The user's few structures by their ids first: an OR across a join (or a subquery) made
    # PostgreSQL read every structure and commune (8–110 ms at 6,000 structures); a list of ids is
    # a few index lookups.
    ids = set(
        Membership.objects.filter(person__user=user, is_referent=True, status=MembershipStatus.ACCEPTED)
        .values_list("structure_id", flat=True)
        .union(Structure.objects.filter(created_by=user).values_list("pk", flat=True))
    )
    return (
        Structure.objects.filter(pk__in=sorted(ids))
        .exclude(status=ModerationStatus.ARCHIVED)
        .select_related("structure_type", "commune")
        .order_by("name")
    )


# --- Moderation ---------------------------------------------------------------------------------


def moderation_queue_filter() -> Q:
    return Q(status=ModerationStatus.PENDING) | Q(revision_status=RevisionStatus.PENDING)


def moderation_queue_count() -> int:
    return (
        Person.objects.filter(moderation_queue_filter()).count()
        + Structure.objects.filter(moderation_queue_filter()).count()
        + Project.objects.filter(moderation_queue_filter()).count()
    )


def moderation_queue_projects(limit: int | None = None) -> list[Project]:
    """Projects waiting for moderation (new sheets and edits of published ones), oldest first."""
    projects = (
        Project.objects.filter(moderation_queue_filter())
        .select_related("main_structure", "created_by")
        .order_by("submitted_at", "revision_submitted_at", "pk")
    )
    if limit is not None:
        projects = projects[:limit]
    return list(projects)


def moderation_queue(limit: int | None = None) -> tuple[list[Person], list[Structure]]:
    """The oldest submissions first (new profiles and edits of published ones)."""
    persons = (
        Person.objects.filter(moderation_queue_filter())
        .select_related("commune", "user")
        .order_by("submitted_at", "revision_submitted_at", "pk")
    )
    structures = (
        Structure.objects.filter(moderation_queue_filter())
        .select_related("commune", "structure_type", "created_by")
        .order_by("submitted_at", "revision_submitted_at", "pk")
    )
    if limit is not None:
        persons, structures = persons[:limit], structures[:limit]
    return list(persons), list(structures)


def person_possible_duplicates(person: Person, *, limit: int = 5) -> list[Person]:
    """Same contact or account email, or a very similar name in the same commune."""
    emails = {value.lower() for value in (person.email, person.user.email if person.user_id else "") if value}
    condition = Q()
    if emails:
        for email in emails:
            condition |= Q(email__iexact=email) | Q(user__email__iexact=email)
    full_name = f"{person.first_name} {person.last_name}".strip()
    candidates = (
        Person.objects.exclude(pk=person.pk)
        .exclude(status=ModerationStatus.ARCHIVED)
        .annotate(
            name_similarity=TrigramSimilarity("first_name", person.first_name) / 2
            + TrigramSimilarity("last_name", person.last_name) / 2
        )
    )
    similar_name = Q(name_similarity__gte=0.6)
    if person.commune_id:
        similar_name &= Q(commune_id=person.commune_id)
    else:
        similar_name &= Q(name_similarity__gte=0.85)
    if not full_name:
        similar_name = Q(pk__in=[])
    return list(
        candidates.filter(condition | similar_name)
        .select_related("commune", "user")
        .order_by("-name_similarity")[:limit]
    )


def structure_possible_duplicates(structure: Structure, *, limit: int = 5) -> list[Structure]:
    """Same SIRET or FINESS, or a very similar name in the same commune."""
    condition = Q(pk__in=[])
    if structure.siret:
        condition |= Q(siret=structure.siret)
    if structure.finess:
        condition |= Q(finess=structure.finess)
    candidates = (
        Structure.objects.exclude(pk=structure.pk)
        .exclude(status=ModerationStatus.ARCHIVED)
        .annotate(name_similarity=TrigramSimilarity("name", structure.name))
    )
    if structure.commune_id:
        condition |= Q(commune_id=structure.commune_id, name_similarity__gte=0.55)
    else:
        condition |= Q(name_similarity__gte=0.85)
    return list(candidates.filter(condition).select_related("commune").order_by("-name_similarity")[:limit])


def pending_memberships_for_referent(user) -> QuerySet[Membership]:
    """Requests to join structures the user may decide on (référent or registrant)."""
    if not user.is_authenticated:
        return Membership.objects.none()
    # EXISTS rather than a join: no duplicate rows, so no DISTINCT, and the queryset can be
    # combined with others (the staff add the structures nobody answers for).
    user_is_referent = Exists(
        Membership.objects.filter(
            structure=OuterRef("structure"),
            person__user=user,
            is_referent=True,
            status=MembershipStatus.ACCEPTED,
        )
    )
    return (
        Membership.objects.filter(status=MembershipStatus.REQUESTED)
        .filter(Q(structure__created_by=user) | user_is_referent)
        .select_related("person__commune", "structure")
        .order_by("requested_at")
    )


def level_label(level: int) -> str:
    return str(Visibility(level).label)


def structure_logo_url(structure) -> str:
    """The address of a structure's logo (served by the directory), changing with each new logo."""
    if not structure.logo:
        return ""
    version = hashlib.blake2b(structure.logo.name.encode(), digest_size=6).hexdigest()
    return f"{reverse('directory:structure_logo', args=[structure.pk])}?v={version}"
