"""What can be linked from a news item or picked into an issue of the newsletter.

Each app offers its kinds of items through a `newsletter.py` module with a hook
`newsletter_sources()` returning `Source` objects (cops/apps.py): actors offers news and events,
directory offers projects and resources. The newsletter reads them here and never imports the
apps that contribute.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cops.apps import contributions


@dataclass(frozen=True)
class Item:
    """One published thing, as an issue of the newsletter or a news page shows it."""

    kind: str  # an IssueItemKind value
    source_id: int
    title: str
    text: str
    url: str  # absolute (settings.SITE_URL), since it goes into emails
    meta: str = ""  # a date and place for an event, a structure for a project…
    published_at: datetime | None = None


@dataclass(frozen=True)
class Source:
    kind: str  # an IssueItemKind value
    label: str
    # The newest published items, most recent first (published since `since` when given).
    recent: Callable[..., list[Item]]  # recent(*, since: datetime | None, limit: int)
    # Published items among these ids, in the order of the ids.
    items: Callable[[list[int]], list[Item]]
    # Published items linked to a news item, and setting those links (staff editing the news).
    linked_to_news: Callable | None = None  # linked_to_news(news_item) -> list[Item]
    set_news_links: Callable | None = None  # set_news_links(news_item, ids: list[int]) -> None


def all_sources() -> dict[str, Source]:
    found = {}
    for hook in contributions("newsletter", "newsletter_sources"):
        for source in hook():
            found[source.kind] = source
    return found
