"""News items and subscriptions to the newsletter, for tests."""

from datetime import timedelta
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from actors.models import NewsItem, NewsletterSubscription, NewsletterTopic
from actors.models.newsletter import SubscriptionSource, SubscriptionStatus
from cops.tokens import new_token


def topic(slug: str) -> NewsletterTopic:
    """One of the five topics the migration seeds."""
    return NewsletterTopic.objects.get(slug=slug)


def make_news(
    title: str = "La JRPS 2023 en images", *, days_ago: float | None = 1, topics=(), **fields
) -> NewsItem:
    """A news item published `days_ago` days ago (None: a draft)."""
    count = NewsItem.objects.count() + 1
    item = NewsItem.objects.create(
        title=title,
        slug=fields.pop("slug", None) or f"actualite-{count}",
        summary=fields.pop("summary", f"En bref : {title}."),
        body=fields.pop("body", "Premier paragraphe.\n\nSecond paragraphe."),
        published_at=None if days_ago is None else timezone.now() - timedelta(days=days_ago),
        **fields,
    )
    if topics:
        item.topics.set([topic(slug) for slug in topics])
    return item


def make_subscription(
    email: str = "lectrice@exemple.org",
    *,
    status: str = SubscriptionStatus.CONFIRMED,
    topics=("evenements",),
    source: str = SubscriptionSource.FORM,
    **fields,
) -> tuple[NewsletterSubscription, str]:
    """A subscription and the raw token of its preferences link."""
    raw, digest = new_token()
    now = timezone.now()
    defaults = {
        "consented_at": now if status == SubscriptionStatus.CONFIRMED else None,
        "unsubscribed_at": now if status == SubscriptionStatus.UNSUBSCRIBED else None,
    }
    subscription = NewsletterSubscription.objects.create(
        email=email, status=status, source=source, manage_token_hash=digest, **{**defaults, **fields}
    )
    subscription.topics.set([topic(slug) for slug in topics])
    return subscription, raw


def image_upload(name: str = "photo.jpg", *, fmt: str = "JPEG", size=(640, 360), exif: bool = False):
    buffer = BytesIO()
    image = Image.new("RGB", size, (11, 92, 99))
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "Appareil de test"  # Make
        data[0x9286] = "Rue des Lilas, Albi"  # UserComment
        kwargs["exif"] = data.tobytes()
    image.save(buffer, format=fmt, **kwargs)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")
