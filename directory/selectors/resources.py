"""Reads of the resource library (who may see, propose and moderate: directory/permissions.py)."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, Prefetch, Q, QuerySet

from actors.enums import MembershipStatus, ModerationStatus
from actors.models import Domain, Structure
from actors.permissions import is_cops_staff
from directory.models import Resource

SEARCH_CONFIG = "fr_unaccent"  # the directory's French configuration (unaccented, stemmed)
LEXICON_FILE = Path(__file__).resolve().parent.parent / "data" / "lexique.json"


# --- Reads ------------------------------------------------------------------------------------


def _with_relations(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("author_structure").prefetch_related(
        Prefetch("themes", queryset=Domain.objects.order_by("position", "label"))
    )


def published_resources(
    *, query: str = "", kind: str = "", audience: str = "", theme: Domain | None = None
) -> QuerySet:
    """Published resources matching a French keyword search and the filters, best match first
    (newest first without keywords). A resource « pour tous » matches every audience."""
    queryset = Resource.objects.filter(status=ModerationStatus.PUBLISHED)
    if kind:
        queryset = queryset.filter(kind=kind)
    if audience:
        queryset = queryset.filter(Q(audience=audience) | Q(audience="tous"))
    if theme is not None:
        queryset = queryset.filter(themes=theme)
    if query:
        search = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
        queryset = (
            queryset.filter(search=search)
            .annotate(rank=SearchRank(F("search"), search))
            .order_by("-rank", F("published_on").desc(nulls_last=True), "-pk")
        )
    else:
        queryset = queryset.order_by(F("published_on").desc(nulls_last=True), "-pk")
    return _with_relations(queryset)


def resources_to_moderate() -> QuerySet:
    """The proposals waiting for the staff, oldest first."""
    return _with_relations(
        Resource.objects.filter(status=ModerationStatus.PENDING).select_related("proposed_by")
    ).order_by("created_at", "pk")


def recently_decided_resources(limit: int = 20) -> list[Resource]:
    return list(
        Resource.objects.filter(decided_at__isnull=False)
        .select_related("proposed_by")
        .order_by("-decided_at")[:limit]
    )


def resources_proposed_by(user) -> QuerySet:
    return Resource.objects.filter(proposed_by=user).order_by("-created_at")


def structures_for_proposer(user) -> QuerySet:
    """The structures a proposer may name as author: any published one for the staff, their own
    for a référent."""
    published = Structure.objects.filter(status=ModerationStatus.PUBLISHED).order_by("name")
    if is_cops_staff(user):
        return published
    return published.filter(
        memberships__person__user=user,
        memberships__is_referent=True,
        memberships__status=MembershipStatus.ACCEPTED,
    ).distinct()


# --- The lexicon « Des mots pour se comprendre » ----------------------------------------------


@dataclass(frozen=True)
class Lexicon:
    title: str
    source: str
    introduction: str
    terms: list[dict]
    footnote: str
    profile_anchors: dict[str, str]  # actor profile code → anchor of its definition
    label_anchors: dict[str, str]  # actor profile label (as the reference data ships it) → anchor


@cache
def lexicon() -> Lexicon:
    """The glossary, read once per process: it is the COPS's published leaflet, which changes with
    a new edition (a deployment), not through the admin."""
    data = json.loads(LEXICON_FILE.read_text(encoding="utf-8"))
    profiles = data["profiles"]
    # Cards store profile labels only (their text is built by directory/indexing.py): the shipped
    # labels of the reference data name the profile a label stands for, with no query per page.
    taxonomies = json.loads(
        (Path(settings.BASE_DIR) / "actors" / "data" / "taxonomies.json").read_text(encoding="utf-8")
    )
    label_anchors = {
        label: profiles[code] for code, label, *_side in taxonomies["actor_profiles"] if code in profiles
    }
    return Lexicon(
        title=data["title"],
        source=data["source"],
        introduction=data["introduction"],
        terms=data["terms"],
        footnote=data["footnote"],
        profile_anchors=profiles,
        label_anchors=label_anchors,
    )


def lexicon_anchors() -> set[str]:
    """Every anchor of the glossary page (terms and their sub-terms)."""
    anchors = set()
    for term in lexicon().terms:
        anchors.add(term["slug"])
        anchors.update(item["slug"] for item in term.get("subterms", []))
    return anchors
