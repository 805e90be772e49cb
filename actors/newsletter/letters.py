"""The email of an issue of « La lettre du COPS »: rendered once per pass, filled in per subscriber.

Every subscriber gets the same email but for the address, the date, the Message-ID and one
personal token (the unsubscribe link, shown in the List-Unsubscribe header and at the foot of the
email, and the preferences link, which accepts the same token). `IssueLetters` renders the
templates once with placeholders, compiles the MIME bytes once with markers
(cops.smtp.CompiledMessage) and then only joins bytes; whatever a marker cannot carry unchanged
(an address the generator would encode or fold) goes through Django's full generator.

The staff's preview and test email and the public archive use the same rendering (`render_issue`).
"""

import re
import textwrap
from dataclasses import dataclass
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import DNS_NAME, sanitize_address
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.models import NewsletterIssue, NewsletterIssueItem
from cops.mail import render_email
from cops.smtp import CompiledMessage, Envelope
from cops.tokens import token_length

TEMPLATE = "newsletter/emails/issue"
TOKEN_BYTES = 32  # 256 bits, 43 characters, as every other personal link of the newsletter (cops.tokens)
TOKEN_LENGTH = token_length(TOKEN_BYTES)
# Placeholders in the rendered templates (never in a real value: NUL cannot be typed).
UNSUBSCRIBE, PREFERENCES = "\x00unsubscribe\x00", "\x00preferences\x00"
# Markers in the generated MIME bytes: plain ASCII the generator leaves alone; the token's has a
# real token's length and alphabet, so that headers fold exactly as they will.
TOKEN_MARK = "zQlEtTrEmArKqZ" + "x" * (TOKEN_LENGTH - 28) + "zQlEtTrEmArKqZ"
ADDRESS_MARK, DATE_MARK, ID_MARK = "zq-abonne@marque.invalid", "zQdAtEqZ", "<zQiDqZ@marque.invalid>"
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
MAX_HEADER = 78  # the generator folds longer headers
TEXT_WIDTH = 76
HTML_LINE = 900  # below RFC 5322's 998: longer lines would switch the parts to quoted-printable
# What the staff's preview and test email show in place of a subscriber's personal links.
SAMPLE_TOKEN = "exemple-de-lien-personnel-000000"


def unsubscribe_url(raw_token: str) -> str:
    return settings.SITE_URL + reverse("news:unsubscribe", kwargs={"token": raw_token})


def preferences_url(raw_token: str) -> str:
    return settings.SITE_URL + reverse("news:preferences", kwargs={"token": raw_token})


def archive_url(issue: NewsletterIssue) -> str:
    return settings.SITE_URL + reverse("newsletter:issue", kwargs={"number": issue.number})


def subject_of(issue: NewsletterIssue) -> str:
    return _("La lettre du COPS n° %(number)s — %(title)s") % {"number": issue.number, "title": issue.title}


def issue_date(issue: NewsletterIssue):
    """The date the issue bears: the day its sending was asked for (today while it is a draft)."""
    return timezone.localtime(issue.send_requested_at or timezone.now()).date()


def _wrap_text(text: str) -> str:
    """Plain text at a readable width (a line of a long URL stays whole)."""
    lines = []
    for line in text.split("\n"):
        if len(line) <= TEXT_WIDTH:
            lines.append(line)
        else:
            lines.extend(
                textwrap.wrap(line, TEXT_WIDTH, break_long_words=False, break_on_hyphens=False) or [""]
            )
    return "\n".join(lines)


def _short_html_lines(html: str) -> str:
    """HTML lines cut at a space before HTML_LINE characters (HTML reads spaces and line ends
    alike), so that the part stays 8bit rather than quoted-printable."""
    lines = []
    for line in html.split("\n"):
        while len(line.encode()) > HTML_LINE:
            cut = line.rfind(" ", 0, HTML_LINE // 2)
            if cut <= 0:
                break
            lines.append(line[:cut])
            line = line[cut + 1 :]
        lines.append(line)
    return "\n".join(lines)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render_issue(
    issue: NewsletterIssue,
    items: list[NewsletterIssueItem],
    *,
    unsubscribe: str,
    preferences: str,
    test: bool = False,
) -> Rendered:
    """Subject, text and HTML of the issue's email with these two links. The templates are
    rendered with placeholders, laid out, then given the links: every email (the preview, the
    test, each subscriber's) has the same line breaks whatever its links' length."""
    subject, text, html = render_email(
        template=TEMPLATE,
        context={
            "issue": issue,
            "items": items,
            "subject": subject_of(issue),
            "issue_date": issue_date(issue),
            "archive_url": archive_url(issue),
            "unsubscribe_url": UNSUBSCRIBE,
            "preferences_url": PREFERENCES,
            "test": test,
        },
    )

    def fill(body: str) -> str:
        return body.replace(UNSUBSCRIBE, unsubscribe).replace(PREFERENCES, preferences)

    return Rendered(subject, fill(_wrap_text(text)), fill(_short_html_lines(html)))


def render_sample(issue: NewsletterIssue, *, test: bool = False) -> Rendered:
    """What the staff preview and test: the email with a sample personal link."""
    return render_issue(
        issue,
        list(issue.items.all()),
        unsubscribe=unsubscribe_url(SAMPLE_TOKEN),
        preferences=preferences_url(SAMPLE_TOKEN),
        test=test,
    )


def html_body(html: str) -> str:
    """The inside of <body>: what a page shows of the email's HTML part."""
    match = re.search(r"<body[^>]*>(.*)</body>", html, re.S)
    return match.group(1) if match else html


class IssueLetters:
    """The emails of one issue for one pass of the sending (an edit cannot happen meanwhile: a
    sending issue is no longer editable)."""

    def __init__(self, issue: NewsletterIssue):
        self.issue = issue
        self.sender = sanitize_address(settings.DEFAULT_FROM_EMAIL, settings.DEFAULT_CHARSET)
        self.rendered = render_issue(
            issue, list(issue.items.all()), unsubscribe=UNSUBSCRIBE, preferences=PREFERENCES
        )
        self._compiled: CompiledMessage | None = None
        self._compiled_ready = False

    def message(self, address: str, raw_token: str, *, headers: dict | None = None) -> EmailMultiAlternatives:
        """The email as Django builds it (any backend)."""
        unsubscribe = unsubscribe_url(raw_token)
        preferences = preferences_url(raw_token)

        def fill(body: str) -> str:
            return body.replace(UNSUBSCRIBE, unsubscribe).replace(PREFERENCES, preferences)

        message = EmailMultiAlternatives(
            subject=self.rendered.subject,
            body=fill(self.rendered.text),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers={
                # RFC 8058: mail clients offer a one-click "unsubscribe" that POSTs to this URL.
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                **(headers or {}),
            },
        )
        message.attach_alternative(fill(self.rendered.html), "text/html")
        return message

    def envelope(self, key, address: str, raw_token: str) -> Envelope:
        """The email as SMTP carries it: from the compiled bytes when the values fit them."""
        compiled = self._compiled_message()
        if (
            compiled is None
            or len(raw_token) != TOKEN_LENGTH
            or not _PLAIN_ADDRESS.fullmatch(address)
            or len("To: ") + len(address) > MAX_HEADER
        ):
            return Envelope.of(key, self.message(address, raw_token))
        data = compiled.fill(
            {
                TOKEN_MARK.encode(): raw_token.encode(),
                ADDRESS_MARK.encode(): address.encode(),
                DATE_MARK.encode(): formatdate(localtime=settings.EMAIL_USE_LOCALTIME).encode(),
                ID_MARK.encode(): make_msgid(domain=DNS_NAME).encode(),
            }
        )
        return Envelope(key=key, sender=self.sender, recipients=[address], data=data)

    def _compiled_message(self) -> CompiledMessage | None:
        if not self._compiled_ready:
            rendered = self.rendered
            links = sum(
                body.count(UNSUBSCRIBE) + body.count(PREFERENCES) for body in (rendered.text, rendered.html)
            )
            self._compiled = CompiledMessage.compile(
                self.message(ADDRESS_MARK, TOKEN_MARK, headers={"Date": DATE_MARK, "Message-ID": ID_MARK}),
                {TOKEN_MARK: links + 1, ADDRESS_MARK: 1, DATE_MARK: 1, ID_MARK: 1},  # + the header
            )
            self._compiled_ready = True
        return self._compiled
