"""Issues of the newsletter, for tests: built through the services, as the staff would."""

from actors.models import NewsletterIssue
from actors.models.newsletter import IssueItemKind
from actors.newsletter import issues
from tests.factories.news import make_news, make_subscription, topic


def make_issue(
    title: str = "Numéro de rentrée",
    *,
    editorial: str = "Bonjour à toutes et à tous,\n\nVoici les nouvelles du partenariat.",
    topics=("evenements",),
    news=(),
    by=None,
) -> NewsletterIssue:
    """A draft with the given news items (NewsItem objects) picked, in that order."""
    issue = issues.issue_create(
        title=title, editorial=editorial, topics=[topic(slug) for slug in topics], by=by
    )
    if news:
        issues.issue_add_items(issue=issue, picks=[(IssueItemKind.NEWS, item.pk) for item in news])
    return issue


def make_subscribers(count: int, *, topics=("evenements",), prefix: str = "abonne") -> list:
    return [make_subscription(f"{prefix}{n:03d}@exemple.fr", topics=topics)[0] for n in range(count)]


__all__ = ["make_issue", "make_news", "make_subscribers", "make_subscription", "topic"]
