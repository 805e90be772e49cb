"""The directory's public pages in the sitemap (collected by cops/sitemaps.py): its lists and map,
the resource library and the lexicon, and the page of every published person, structure, project
and resource."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from actors.enums import ModerationStatus
from actors.models import Person, Structure
from cops.sitemaps import PagesSitemap
from directory.indexing import project_url
from directory.models import Project, Resource


class DirectoryPagesSitemap(PagesSitemap):
    names = (
        "directory:list",
        "directory:map",
        "directory:patient_partners",
        "directory:resources",
        "directory:glossary",
    )


class PersonSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return (
            Person.objects.filter(status=ModerationStatus.PUBLISHED).only("pk", "published_at").order_by("pk")
        )

    def location(self, item) -> str:
        return reverse("directory:person_detail", args=[item.pk])

    def lastmod(self, item):
        # The published version's date: a pending edit does not change the public page.
        return item.published_at


class StructureSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return (
            Structure.objects.filter(status=ModerationStatus.PUBLISHED)
            .only("pk", "published_at")
            .order_by("pk")
        )

    def location(self, item) -> str:
        return reverse("directory:structure_detail", args=[item.pk])

    def lastmod(self, item):
        return item.published_at


class ProjectSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        # Published only: a draft's address must not leak through the sitemap.
        return (
            Project.objects.filter(status=ModerationStatus.PUBLISHED)
            .only("pk", "slug", "published_at")
            .order_by("pk")
        )

    def location(self, item) -> str:
        return project_url(item.slug)

    def lastmod(self, item):
        return item.published_at


class ResourceSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        # Published only: a proposal's address must not leak through the sitemap.
        return (
            Resource.objects.filter(status=ModerationStatus.PUBLISHED)
            .only("pk", "slug", "updated_at")
            .order_by("pk")
        )

    def location(self, item) -> str:
        return reverse("directory:resource_detail", args=[item.slug])

    def lastmod(self, item):
        return item.updated_at


def sitemaps() -> dict[str, type[Sitemap]]:
    return {
        "annuaire": DirectoryPagesSitemap,
        "structures": StructureSitemap,
        "personnes": PersonSitemap,
        "projets": ProjectSitemap,
        "ressources": ResourceSitemap,
    }
