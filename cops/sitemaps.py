"""The sitemap (/sitemap.xml) and robots.txt: only pages an anonymous visitor may open.

A person's or a structure's page is public once its profile is published (a person's page then
shows what the person made public, at least a first name); drafts, pending, refused and
archived profiles answer 404 to visitors and are never listed. The staff area, accounts,
personal links and the admin are not pages to index: robots.txt keeps crawlers out of them.
"""

from django.contrib.sitemaps import Sitemap
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from actors.enums import ModerationStatus
from actors.models import Person, Structure
from actors.selectors.charter import charter_versions_published
from barometer.selectors import published_campaigns


class StaticPagesSitemap(Sitemap):
    """The fixed public pages: home, directory, map, charter, committees, barometer, legal pages."""

    changefreq = "weekly"

    def items(self) -> list[str]:
        return [
            "home",
            "directory:list",
            "directory:map",
            "directory:patient_partners",
            "charter:charter",
            "charter:signatories",
            "charter:statistics",
            "charter:committees",
            "charter:copil",
            "barometer:landing",
            "accompaniment:landing",
            "selfassess:index",
            "platform:privacy",
            "platform:accessibility",
        ]

    def location(self, item: str) -> str:
        return reverse(item)


class CharterVersionSitemap(Sitemap):
    changefreq = "yearly"

    def items(self):
        return charter_versions_published().only("year", "published_at")

    def location(self, item) -> str:
        return reverse("charter:version", args=[item.year])

    def lastmod(self, item):
        return item.published_at


class BarometerResultsSitemap(Sitemap):
    """Results pages of the campaigns whose results are published."""

    changefreq = "yearly"

    def items(self):
        return published_campaigns().only("year")

    def location(self, item) -> str:
        return reverse("barometer:public_results", args=[item.year])


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


SITEMAPS = {
    "pages": StaticPagesSitemap,
    "charte": CharterVersionSitemap,
    "barometre": BarometerResultsSitemap,
    "structures": StructureSitemap,
    "personnes": PersonSitemap,
}

# Crawlers stay out of the staff area, accounts, registration and personal links, the admin and
# the API (its documentation included), and the downloads that are not pages.
ROBOTS_DISALLOW = [
    "/equipe/",
    "/admin/",
    "/api/",
    "/compte/",
    "/rapports/",
    "/annuaire/inscription/",
    "/annuaire/mes-fiches/",
    "/annuaire/demandes/",
    "/annuaire/moderation/",
    "/annuaire/confirmer/",
    "/annuaire/export",
    "/annuaire/communes/",
    "/charte/gestion/",
    "/charte/signer/",
    "/charte/signataires/export/",
    "/comites/gestion/",
    "/comites/reunions/",
    "/comites/mes-reunions/",
    "/barometre/equipe/",
    "/barometre/r/",
    "/barometre/q/",
    "/barometre/reprendre/",
    "/barometre/desinscription/",
    "/auto-evaluation/",
    "/accompagnements/",
]


@require_GET
@cache_control(public=True, max_age=86400)
def robots_txt(request) -> HttpResponse:
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in ROBOTS_DISALLOW]
    # The presentation pages of the accompaniments and the self-assessment stay reachable.
    lines += [f"Allow: {reverse(name)}$" for name in ("accompaniment:landing", "selfassess:index")]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
