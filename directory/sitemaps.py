"""The directory's public pages in the sitemap (collected by cops/sitemaps.py): its lists and map,
and the page of every published person and structure."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from actors.enums import ModerationStatus
from actors.models import Person, Structure
from cops.sitemaps import PagesSitemap


class DirectoryPagesSitemap(PagesSitemap):
    names = ("directory:list", "directory:map", "directory:patient_partners")


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


def sitemaps() -> dict[str, type[Sitemap]]:
    return {"annuaire": DirectoryPagesSitemap, "structures": StructureSitemap, "personnes": PersonSitemap}
