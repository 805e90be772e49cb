"""The self-assessment's presentation page in the sitemap (collected by cops/sitemaps.py)."""

from django.contrib.sitemaps import Sitemap

from cops.sitemaps import PagesSitemap


class SelfassessPagesSitemap(PagesSitemap):
    names = ("selfassess:index",)


def sitemaps() -> dict[str, type[Sitemap]]:
    return {"auto-evaluation": SelfassessPagesSitemap}
