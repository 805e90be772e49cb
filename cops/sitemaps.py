"""The sitemap (/sitemap.xml) and robots.txt: only pages an anonymous visitor may open.

Each app lists its public pages in a `sitemaps.py` of its own: `def sitemaps() -> dict[str,
Sitemap]` (imported by `CopsConfig.ready()`, see cops/apps.py), collected here in INSTALLED_APPS
order. A person's or a structure's page is public once its profile is published (a person's page
then shows what the person made public, at least a first name); drafts, pending, refused and
archived profiles answer 404 to visitors and are never listed. The staff area, accounts,
personal links and the admin are not pages to index: robots.txt keeps crawlers out of them.
"""

from django.contrib.sitemaps import Sitemap
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from cops.apps import contributions


class PagesSitemap(Sitemap):
    """Fixed public pages, by URL name: subclass it with the app's `names`."""

    changefreq = "weekly"
    names: tuple[str, ...] = ()

    def items(self) -> list[str]:
        return list(self.names)

    def location(self, item: str) -> str:
        return reverse(item)


class PlatformPagesSitemap(PagesSitemap):
    names = ("home", "platform:privacy", "platform:accessibility")


def sitemaps() -> dict[str, type[Sitemap]]:
    """The platform's own pages: home and legal pages."""
    return {"pages": PlatformPagesSitemap}


def all_sitemaps() -> dict[str, type[Sitemap]]:
    """Every app's sitemaps (the `sitemaps` argument of django.contrib.sitemaps' view)."""
    collected: dict[str, type[Sitemap]] = {}
    for contribute in contributions("sitemaps", "sitemaps"):
        for name, sitemap in contribute().items():
            if name in collected:
                raise ImproperlyConfigured(f"sitemap section {name!r} is contributed twice")
            collected[name] = sitemap
    return collected


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
    "/lettre/confirmer/",
    "/lettre/preferences/",
    "/lettre/desinscription/",
    "/lettre/mon-abonnement/",
    "/barometre/r/",
    "/barometre/q/",
    "/barometre/reprendre/",
    "/barometre/desinscription/",
    "/auto-evaluation/",
    "/accompagnements/",
    "/agenda/gestion/",
    "/agenda/inscription/",
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
