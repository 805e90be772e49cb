"""The barometer's public pages in the sitemap (collected by cops/sitemaps.py)."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from barometer.selectors import published_campaigns
from cops.sitemaps import PagesSitemap


class BarometerPagesSitemap(PagesSitemap):
    names = ("barometer:landing",)


class BarometerResultsSitemap(Sitemap):
    """Results pages of the campaigns whose results are published."""

    changefreq = "yearly"

    def items(self):
        return published_campaigns().only("year")

    def location(self, item) -> str:
        return reverse("barometer:public_results", args=[item.year])


def sitemaps() -> dict[str, type[Sitemap]]:
    return {"barometre-pages": BarometerPagesSitemap, "barometre": BarometerResultsSitemap}
