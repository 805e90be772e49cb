"""What the directory offers to news and to the newsletter (hook `newsletter_sources()`, read by
actors/newsletter/sources.py): its published projects and resources, and their links to news."""

from datetime import datetime

from django.conf import settings
from django.db.models import F
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from actors.enums import ModerationStatus
from actors.newsletter.sources import Item, Source
from directory.models import Project, Resource

TEXT_CHARS = 500  # a resource's summary may run to 2,000 characters: an issue shows the start


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


# --- Projects ------------------------------------------------------------------------------------------


def _published_projects():
    return Project.objects.filter(status=ModerationStatus.PUBLISHED).select_related("main_structure")


def _project_item(project: Project) -> Item:
    return Item(
        kind="projet",
        source_id=project.pk,
        title=project.title,
        text=Truncator(project.summary).chars(TEXT_CHARS),
        url=_absolute(project.get_absolute_url()),
        meta=project.main_structure.name,
        published_at=project.published_at,
    )


def recent_projects(*, since: datetime | None = None, limit: int = 20) -> list[Item]:
    projects = _published_projects()
    if since is not None:
        projects = projects.filter(published_at__gt=since)
    projects = projects.order_by(F("published_at").desc(nulls_last=True), "-pk")[:limit]
    return [_project_item(project) for project in projects]


def project_items(ids: list[int]) -> list[Item]:
    found = {project.pk: project for project in _published_projects().filter(pk__in=ids)}
    return [_project_item(found[pk]) for pk in ids if pk in found]


def projects_linked_to_news(news_item) -> list[Item]:
    return [_project_item(project) for project in _published_projects().filter(news_items=news_item)]


def set_project_news_links(news_item, ids: list[int]) -> None:
    news_item.projects.set(Project.objects.filter(pk__in=ids))


# --- Resources -----------------------------------------------------------------------------------------


def _published_resources():
    return Resource.objects.filter(status=ModerationStatus.PUBLISHED).select_related("author_structure")


def _resource_item(resource: Resource) -> Item:
    meta = resource.get_kind_display()
    if resource.author_structure is not None:
        meta = f"{meta} · {resource.author_structure.name}"
    return Item(
        kind="ressource",
        source_id=resource.pk,
        title=resource.title,
        text=Truncator(resource.summary).chars(TEXT_CHARS),
        url=_absolute(resource.get_absolute_url()),
        meta=meta,
        published_at=resource.decided_at,
    )


def recent_resources(*, since: datetime | None = None, limit: int = 20) -> list[Item]:
    """Newest on the platform first (the day it was published here, not the document's own date)."""
    resources = _published_resources()
    if since is not None:
        resources = resources.filter(decided_at__gt=since)
    resources = resources.order_by(F("decided_at").desc(nulls_last=True), "-pk")[:limit]
    return [_resource_item(resource) for resource in resources]


def resource_items(ids: list[int]) -> list[Item]:
    found = {resource.pk: resource for resource in _published_resources().filter(pk__in=ids)}
    return [_resource_item(found[pk]) for pk in ids if pk in found]


def resources_linked_to_news(news_item) -> list[Item]:
    return [_resource_item(resource) for resource in _published_resources().filter(news_items=news_item)]


def set_resource_news_links(news_item, ids: list[int]) -> None:
    news_item.resources.set(Resource.objects.filter(pk__in=ids))


def newsletter_sources() -> list[Source]:
    return [
        Source(
            kind="projet",
            label=_("Nouveaux projets"),
            recent=recent_projects,
            items=project_items,
            linked_to_news=projects_linked_to_news,
            set_news_links=set_project_news_links,
        ),
        Source(
            kind="ressource",
            label=_("Nouvelles ressources"),
            recent=recent_resources,
            items=resource_items,
            linked_to_news=resources_linked_to_news,
            set_news_links=set_resource_news_links,
        ),
    ]
