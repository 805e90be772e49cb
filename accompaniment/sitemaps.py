"""The accompaniments' presentation page in the sitemap (collected by cops/sitemaps.py)."""

from django.contrib.sitemaps import Sitemap

from cops.sitemaps import PagesSitemap


class AccompanimentPagesSitemap(PagesSitemap):
    names = ("accompaniment:landing",)


def sitemaps() -> dict[str, type[Sitemap]]:
    return {"accompagnements": AccompanimentPagesSitemap}
