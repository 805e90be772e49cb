"""The charter's and the committees' public pages in the sitemap (collected by cops/sitemaps.py)."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from actors.charter_enums import CommitteeKind
from actors.selectors.charter import charter_versions_published
from actors.selectors.committees import committees_active
from cops.sitemaps import PagesSitemap


class CharterPagesSitemap(PagesSitemap):
    names = (
        "charter:charter",
        "charter:signatories",
        "charter:statistics",
        "charter:committees",
        "charter:copil",
        "charter:decisions",
    )


class CommitteeSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        # The CoPil's public page is charter:copil (its slug's address), listed above.
        return committees_active().exclude(kind=CommitteeKind.COPIL).only("slug")

    def location(self, item) -> str:
        return reverse("charter:committee_detail", args=[item.slug])


class CharterVersionSitemap(Sitemap):
    changefreq = "yearly"

    def items(self):
        return charter_versions_published().only("year", "published_at")

    def location(self, item) -> str:
        return reverse("charter:version", args=[item.year])

    def lastmod(self, item):
        return item.published_at


# --- Events of the community (public agenda) ---------------------------------------------------------


class AgendaPagesSitemap(PagesSitemap):
    names = ("events:agenda", "events:past")


class EventSitemap(Sitemap):
    """Every public event of the community (committee meetings never: they are not public)."""

    changefreq = "weekly"

    def items(self):
        from actors.events.selectors import public_events

        return public_events().only("slug", "updated_at").order_by("-starts_at", "pk")

    def location(self, item) -> str:
        return reverse("events:detail", args=[item.slug])

    def lastmod(self, item):
        return item.updated_at


# --- End of events ---------------------------------------------------------------------------------------


# --- News (« Actualités ») and the newsletter's subscription form -----------------------------------


class NewsPagesSitemap(PagesSitemap):
    names = ("news:list", "news:subscribe")


class NewsSitemap(Sitemap):
    """Every published news item (drafts and scheduled ones never)."""

    changefreq = "monthly"

    def items(self):
        from actors.newsletter.news import published_news

        return published_news().only("slug", "updated_at", "published_at").prefetch_related(None)

    def location(self, item) -> str:
        return reverse("news:detail", args=[item.slug])

    def lastmod(self, item):
        return item.updated_at


# --- The newsletter's public archive ---------------------------------------------------------------------


class NewsletterPagesSitemap(PagesSitemap):
    names = ("newsletter:archive",)


class NewsletterIssueSitemap(Sitemap):
    """Every issue sent (drafts and issues being sent never)."""

    changefreq = "yearly"

    def items(self):
        from actors.newsletter.issues import sent_issues

        return sent_issues().only("number", "sent_at")

    def location(self, item) -> str:
        return reverse("newsletter:issue", kwargs={"number": item.number})

    def lastmod(self, item):
        return item.sent_at


def sitemaps() -> dict[str, type[Sitemap]]:
    return {
        "charte-pages": CharterPagesSitemap,
        "charte": CharterVersionSitemap,
        "instances": CommitteeSitemap,
        "agenda-pages": AgendaPagesSitemap,
        "agenda": EventSitemap,
        "actualites-pages": NewsPagesSitemap,
        "actualites": NewsSitemap,
        "lettre-pages": NewsletterPagesSitemap,
        "lettre": NewsletterIssueSitemap,
    }
