"""What the directory offers to news and to the newsletter (directory/newsletter.py): published
projects and resources, newest first, and their links to news items."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.text import slugify

from actors.enums import ModerationStatus
from actors.newsletter.sources import Item, all_sources
from directory.models import Project, Resource
from tests.factories.directory import make_project, make_structure
from tests.factories.news import make_news

pytestmark = pytest.mark.django_db


def _resource(title: str, *, days_ago: int, status=ModerationStatus.PUBLISHED, structure=None) -> Resource:
    return Resource.objects.create(
        title=title,
        slug=slugify(title),
        kind="guide",
        summary=f"Résumé de {title}.",
        link="https://exemple.fr/guide.pdf",
        audience="tous",
        licence="autre",
        status=status,
        author_structure=structure,
        decided_at=timezone.now() - timedelta(days=days_ago),
    )


def test_projects_newest_first_published_only_with_their_carrying_structure():
    structure = make_structure(name="Maison de santé des Pyrénées")
    older = make_project(structure=structure, title="Projet ancien", slug="projet-ancien")
    newer = make_project(structure=structure, title="Projet récent", slug="projet-recent")
    make_project(
        structure=structure, title="Projet en attente", slug="projet-attente", status=ModerationStatus.PENDING
    )
    Project.objects.filter(pk=older.pk).update(published_at=timezone.now() - timedelta(days=30))
    Project.objects.filter(pk=newer.pk).update(published_at=timezone.now() - timedelta(days=1))
    source = all_sources()["projet"]

    recent = source.recent(since=None, limit=10)
    since = source.recent(since=timezone.now() - timedelta(days=7), limit=10)

    assert recent == [
        Item(
            kind="projet",
            source_id=newer.pk,
            title="Projet récent",
            text="Des patients partenaires co-animent les ateliers d'ETP avec les soignants.",
            url=f"http://testserver/projets/{newer.slug}/",
            meta="Maison de santé des Pyrénées",
            published_at=Project.objects.get(pk=newer.pk).published_at,
        ),
        Item(
            kind="projet",
            source_id=older.pk,
            title="Projet ancien",
            text="Des patients partenaires co-animent les ateliers d'ETP avec les soignants.",
            url=f"http://testserver/projets/{older.slug}/",
            meta="Maison de santé des Pyrénées",
            published_at=Project.objects.get(pk=older.pk).published_at,
        ),
    ]
    assert [item.title for item in since] == ["Projet récent"]
    assert [item.title for item in source.items([older.pk, newer.pk, 999_999])] == [
        "Projet ancien",
        "Projet récent",
    ]


def test_resources_newest_on_the_platform_first_published_only():
    structure = make_structure(name="Association Après J20")
    _resource("Guide ancien", days_ago=40)
    _resource("Guide récent", days_ago=2, structure=structure)
    _resource("Guide refusé", days_ago=1, status=ModerationStatus.DRAFT)
    source = all_sources()["ressource"]

    recent = source.recent(since=None, limit=10)

    assert [(item.title, item.meta, item.url) for item in recent] == [
        ("Guide récent", "Guide · Association Après J20", "http://testserver/ressources/guide-recent/"),
        ("Guide ancien", "Guide", "http://testserver/ressources/guide-ancien/"),
    ]
    assert [item.title for item in source.recent(since=timezone.now() - timedelta(days=7), limit=10)] == [
        "Guide récent"
    ]


def test_news_links_to_projects_and_resources_are_set_and_read_through_the_sources():
    news = make_news("Appel à projets 2027")
    project = make_project(title="Projet lié", slug="projet-lie")
    resource = _resource("Guide lié", days_ago=3)
    sources = all_sources()

    sources["projet"].set_news_links(news, [project.pk])
    sources["ressource"].set_news_links(news, [resource.pk])

    assert [item.title for item in sources["projet"].linked_to_news(news)] == ["Projet lié"]
    assert [item.title for item in sources["ressource"].linked_to_news(news)] == ["Guide lié"]
    assert list(project.news_items.all()) == [news]
    sources["projet"].set_news_links(news, [])
    assert sources["projet"].linked_to_news(news) == []
