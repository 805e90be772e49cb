"""Reads about project sheets, and what a given viewer may see of the persons on them.

A person appears on a project only once they accepted, and only for viewers allowed to see
that person's memberships (`Person.visibility["memberships"]`): taking part in a project is
treated like belonging to a structure. Names go through `person_title(person, level)`.
"""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from actors.enums import MembershipStatus, ModerationStatus, Visibility
from actors.models import Membership, Person
from directory.indexing import fold, project_location, project_persons
from directory.models import Project, ProjectDocument, ProjectPerson, ProjectPersonStatus
from directory.selectors.profiles import person_title

QUESTIONNAIRE = Path(settings.BASE_DIR) / "barometer" / "data" / "questionnaire-2023-4-directions.json"


@lru_cache(maxsize=1)
def lessons_choices() -> dict[str, list[tuple[str, str]]]:
    """The barometer's « freins » and « leviers » choices (code, label), in its own words."""
    data = json.loads(QUESTIONNAIRE.read_text(encoding="utf-8"))
    found = {"freins": [], "leviers": []}
    for section in data["sections"]:
        for question in section.get("questions", []):
            if question.get("code") in found:
                found[question["code"]] = [tuple(choice) for choice in question["choices"]]
    return found


def lessons_labels(codes: list[str], kind: str) -> list[str]:
    labels = dict(lessons_choices()[kind])
    return [labels[code] for code in codes if code in labels]


@dataclass
class ProjectPersonView:
    person_id: int
    title: str
    role: str

    @property
    def url(self) -> str:
        return reverse("directory:person_detail", args=[self.person_id])


def projects_for_display() -> QuerySet[Project]:
    """Projects with everything the project page reads, in a constant number of queries."""
    return Project.objects.select_related(
        "main_structure__commune", "main_structure__structure_type", "created_by"
    ).prefetch_related(
        "domains",
        "practices",
        "territories",
        "communes",
        Prefetch("structures", queryset=_published_structures_qs()),
        Prefetch(
            "people",
            # The same rows the index reads (directory.indexing.projects_for_index).
            queryset=ProjectPerson.objects.filter(
                status=ProjectPersonStatus.ACCEPTED, person__status=ModerationStatus.PUBLISHED
            )
            .select_related("person")
            .order_by("person__first_name", "person__last_name"),
            to_attr="accepted_people",
        ),
        Prefetch("documents", queryset=ProjectDocument.objects.order_by("kind", "title")),
    )


def _published_structures_qs():
    from actors.models import Structure

    return Structure.objects.filter(status=ModerationStatus.PUBLISHED).order_by("name")


def project_people(project: Project, level: int) -> list[ProjectPersonView]:
    """The persons a viewer at `level` may see on the project: accepted, published, and whose
    memberships are visible at that level (needs `projects_for_display()`); the index's rule."""
    return [ProjectPersonView(*row) for row in project_persons(project, level)]


def visible_documents(project: Project, *, all_documents: bool) -> list[ProjectDocument]:
    """The project's documents (read now, not from a prefetch); only the approved ones unless
    `all_documents` (its editors)."""
    documents = ProjectDocument.objects.filter(project=project).order_by("kind", "title")
    return list(documents if all_documents else documents.filter(approved=True))


def project_position(project: Project) -> tuple[float, float] | None:
    """Where the map shows it: the index's rule (the carrying structure's place, else a commune)."""
    _commune, latitude, longitude = project_location(project)
    return (latitude, longitude) if latitude is not None else None


def published_projects() -> QuerySet[Project]:
    return Project.objects.filter(status=ModerationStatus.PUBLISHED).select_related("main_structure")


def projects_of_structure(structure) -> list[Project]:
    """Published projects carried by the structure or involving it (a UNION of two index lookups
    rather than an OR across the join, which reads every project)."""
    ids = (
        Project.objects.filter(main_structure=structure)
        .values("pk")
        .union(Project.structures.through.objects.filter(structure=structure).values("project_id"))
    )
    return list(published_projects().filter(pk__in=ids).order_by("title"))


def projects_of_person(person: Person, level: int) -> list[tuple[Project, str]]:
    """(project, role) for the published projects the person accepted, when the viewer may see
    the person's memberships."""
    if person.field_level("memberships") > level:
        return []
    rows = (
        ProjectPerson.objects.filter(
            person=person, status=ProjectPersonStatus.ACCEPTED, project__status=ModerationStatus.PUBLISHED
        )
        .select_related("project__main_structure")
        .order_by("project__title")
    )
    return [(row.project, row.role) for row in rows]


def projects_of_user(user) -> QuerySet[Project]:
    """« Mes projets »: proposed by the user or carried by a structure they are référent of."""
    if not user.is_authenticated:
        return Project.objects.none()
    # A UNION of two index lookups: the OR across the memberships' join read every project and
    # membership (20–40 ms at full scale); the union reads the user's few rows (2 ms).
    referent_of = Membership.objects.filter(
        person__user=user, is_referent=True, status=MembershipStatus.ACCEPTED
    ).values("structure_id")
    ids = (
        Project.objects.filter(created_by=user)
        .values("pk")
        .union(Project.objects.filter(main_structure_id__in=referent_of).values("pk"))
    )
    return Project.objects.filter(pk__in=ids).select_related("main_structure").order_by("-updated_at")


def invitations_for_user(user) -> QuerySet[ProjectPerson]:
    """Invitations waiting for the user's answer (on projects not archived)."""
    if not user.is_authenticated:
        return ProjectPerson.objects.none()
    return (
        ProjectPerson.objects.filter(person__user=user, status=ProjectPersonStatus.INVITED)
        .exclude(project__status=ModerationStatus.ARCHIVED)
        .select_related("project", "invited_by")
        .order_by("invited_at")
    )


def invitable_persons(query: str, level: int, *, exclude_ids=(), limit: int = 15) -> list[tuple[Person, str]]:
    """Published persons with an account whose name, as the inviter may see it, matches `query`:
    (person, shown name). A hidden last name is never matched nor shown."""
    folded = fold(query)
    if len(folded) < 2:
        return []
    candidates = (
        Person.objects.filter(status=ModerationStatus.PUBLISHED, user__isnull=False, user__is_active=True)
        .filter(Q(first_name__unaccent__icontains=query) | Q(last_name__unaccent__icontains=query))
        .exclude(pk__in=list(exclude_ids))
        .order_by("first_name", "last_name")[:200]
    )
    found = []
    for person in candidates:
        title = person_title(person, level)
        if folded in fold(title):
            found.append((person, title))
        if len(found) >= limit:
            break
    return found


@dataclass
class RadarRow:
    criterion: str
    values: list  # before / after per side, in the order of `radar_rows(...)["columns"]`


def radar_rows(radar: dict | None) -> dict | None:
    """The before/after self-assessment as a table: one row per criterion, a before and an
    after column per side (or a single pair when the means are not split by side)."""
    if not radar or not isinstance(radar, dict):
        return None
    before, after = radar.get("before") or {}, radar.get("after") or {}
    # The criteria in the framework's order (a JSON object's keys come back sorted by PostgreSQL).
    criteria = list(dict.fromkeys([*(radar.get("criteria") or []), *before, *after]))
    if not criteria:
        return None
    sides = []
    for values in (*before.values(), *after.values()):
        if isinstance(values, dict):
            sides += [side for side in values if side not in sides]
    rows = []
    for criterion in criteria:
        b, a = before.get(criterion), after.get(criterion)
        if sides:
            values = []
            for side in sides:
                values += [_number((b or {}).get(side)), _number((a or {}).get(side))]
        else:
            values = [_number(b), _number(a)]
        rows.append(RadarRow(str(criterion), values))
    return {"sides": sides, "rows": rows}


def _number(value):
    return round(value, 1) if isinstance(value, int | float) else None


def inviter_names(users) -> dict[int, str]:
    """How invitations name their senders (by user id), in one query: their directory name as a
    partner sees it (their own visibility choices hold), else their account's first name."""
    users = {user.pk: user for user in users if user is not None}
    persons = {person.user_id: person for person in Person.objects.filter(user_id__in=users)}
    return {
        pk: person_title(persons[pk], Visibility.PARTNERS)
        if pk in persons
        else (user.first_name or _("Un partenaire"))
        for pk, user in users.items()
    }


def inviter_name(user) -> str:
    return inviter_names([user]).get(getattr(user, "pk", None), _("Un partenaire"))
