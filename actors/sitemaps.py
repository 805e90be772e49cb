"""The charter's and the committees' public pages in the sitemap (collected by cops/sitemaps.py)."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from actors.selectors.charter import charter_versions_published
from cops.sitemaps import PagesSitemap


class CharterPagesSitemap(PagesSitemap):
    names = (
        "charter:charter",
        "charter:signatories",
        "charter:statistics",
        "charter:committees",
        "charter:copil",
    )


class CharterVersionSitemap(Sitemap):
    changefreq = "yearly"

    def items(self):
        return charter_versions_published().only("year", "published_at")

    def location(self, item) -> str:
        return reverse("charter:version", args=[item.year])

    def lastmod(self, item):
        return item.published_at


def sitemaps() -> dict[str, type[Sitemap]]:
    return {"charte-pages": CharterPagesSitemap, "charte": CharterVersionSitemap}
