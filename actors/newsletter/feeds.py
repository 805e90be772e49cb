"""The news as RSS 2.0 (/actualites/rss/) and Atom (/actualites/atom/) feeds: the 20 latest
published items, with absolute links (settings.SITE_URL, the address the emails use too)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext_lazy as _

from actors.newsletter.news import published_news

FEED_SIZE = 20


class NewsRssFeed(Feed):
    feed_type = Rss201rev2Feed
    title = _("Actualités du COPS Occitanie")
    description = _(
        "Les nouvelles du partenariat en santé en Occitanie : événements, projets, ressources, "
        "baromètre régional et vie du COPS."
    )
    language = "fr"

    def link(self):
        return settings.SITE_URL + reverse("news:list")

    def feed_url(self):
        return settings.SITE_URL + reverse("news:rss")

    def items(self):
        return published_news()[:FEED_SIZE]

    def item_title(self, item) -> str:
        return item.title

    def item_description(self, item) -> str:
        return item.summary

    def item_link(self, item) -> str:
        return settings.SITE_URL + item.get_absolute_url()

    def item_guid(self, item) -> str:
        return settings.SITE_URL + item.get_absolute_url()

    item_guid_is_permalink = True

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return max(item.updated_at, item.published_at)

    def item_categories(self, item) -> list[str]:
        return [topic.name for topic in item.topics.all()]

    def item_enclosure_url(self, item) -> str | None:
        return settings.SITE_URL + item.image.url if item.image else None

    def item_enclosure_length(self, item) -> int:
        return 0  # the size is not read from the disk for every item; 0 is what RSS allows then

    item_enclosure_mime_type = "image/jpeg"


class NewsAtomFeed(NewsRssFeed):
    feed_type = Atom1Feed
    subtitle = NewsRssFeed.description

    def feed_url(self):
        return settings.SITE_URL + reverse("news:atom")
