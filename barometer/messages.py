"""The invitation and reminder emails of a round: rendered once, then filled in per person.

Rendering the templates and generating a MIME message cost about half a millisecond each; a
round of 10,000 repeats the same email but for the name, the personal link, the unsubscribe
link, the address, the date and the Message-ID. `Letters` renders each kind of email once per
pass of a round, builds one real MIME message from it with markers where those values go, and
then only joins bytes.
Whatever the markers cannot carry unchanged (an address or a name that the MIME generator
would encode or fold, a template whose lines it would wrap) goes through the full generator.
"""

import re
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import DNS_NAME, sanitize_address
from django.urls import reverse
from django.utils.html import escape

from barometer.enums import LINK_TOKEN_BYTES
from barometer.models import Invitation
from cops.mail import render_email
from cops.smtp import CompiledMessage, Envelope
from cops.tokens import token_length

TOKEN_LENGTH = token_length(LINK_TOKEN_BYTES)  # characters of a personal link's token
# Placeholders in the rendered templates (never in a real value: NUL cannot be typed).
NAME, LINK, UNSUBSCRIBE = "\x00name\x00", "\x00link\x00", "\x00unsubscribe\x00"
# Markers in the generated MIME bytes: plain ASCII that the generator leaves alone. The token
# markers have a real token's length and alphabet, so that headers fold exactly as they will.
TOKEN_MARK = "zQtOkEnMaRkQz" + "x" * (TOKEN_LENGTH - 26) + "zQtOkEnMaRkQz"
UNSUBSCRIBE_MARK = "zQuNsUbMaRkQz" + "x" * (TOKEN_LENGTH - 26) + "zQuNsUbMaRkQz"
NAME_TEXT_MARK, NAME_HTML_MARK = "zQnAmEtExTqZ", "zQnAmEhTmLqZ"
ADDRESS_MARK, DATE_MARK, ID_MARK = "zq-adresse@marque.invalid", "zQdAtEqZ", "<zQiDqZ@marque.invalid>"
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
MAX_LINE = 998  # RFC 5322: longer lines make the generator switch to quoted-printable
MAX_HEADER = 78  # the generator folds longer headers


def personal_urls(raw_token: str, raw_unsubscribe: str) -> tuple[str, str]:
    """The answering link and the unsubscribe link: two tokens, because the unsubscribe one is
    handed to the mail providers (List-Unsubscribe) and must not open the answers."""
    return (
        settings.SITE_URL + reverse("barometer:personal_link", kwargs={"token": raw_token}),
        settings.SITE_URL + reverse("barometer:unsubscribe", kwargs={"token": raw_unsubscribe}),
    )


class _Template(CompiledMessage):
    """A compiled email (cops.smtp) that also knows its longest line holding a name."""

    longest_name_line = 0  # without the name

    @classmethod
    def compile(cls, message: EmailMultiAlternatives, expected: dict[str, int]) -> "_Template | None":
        template = super().compile(message, expected)
        if template is None:
            return None
        names = (NAME_TEXT_MARK.encode(), NAME_HTML_MARK.encode())
        name_lines = [line for line in template.data.split(b"\r\n") if any(mark in line for mark in names)]
        template.longest_name_line = max(
            (len(line) - 2 * len(NAME_HTML_MARK) for line in name_lines), default=0
        )
        return template


class Letters:
    """The emails of one pass of a round (renderings are kept for this pass only, so that an
    edit of the questionnaire shows in the next one)."""

    def __init__(self):
        self.sender = sanitize_address(settings.DEFAULT_FROM_EMAIL, settings.DEFAULT_CHARSET)
        self._renderings: dict[tuple, tuple[str, str, str]] = {}
        self._templates: dict[tuple, _Template | None] = {}

    def _key(self, invitation: Invitation, number: int) -> tuple:
        return (invitation.questionnaire_id, number, bool(invitation.name))

    def _rendered(self, invitation: Invitation, number: int) -> tuple[str, str, str]:
        """Subject, text and HTML with placeholders for what differs from one person to the next."""
        key = self._key(invitation, number)
        if key not in self._renderings:
            placeholder = Invitation(name=NAME if invitation.name else "", email="")
            self._renderings[key] = render_email(
                template="barometer/emails/invitation" if number == 0 else "barometer/emails/reminder",
                context={
                    "invitation": placeholder,
                    "campaign": invitation.campaign,
                    "questionnaire": invitation.questionnaire,
                    "round": number,
                    "link": LINK,
                    "unsubscribe_url": UNSUBSCRIBE,
                },
            )
        return self._renderings[key]

    def message(
        self,
        invitation: Invitation,
        number: int,
        raw_token: str,
        raw_unsubscribe: str,
        *,
        name_text=None,
        name_html=None,
        to: str | None = None,
        headers: dict | None = None,
    ) -> EmailMultiAlternatives:
        """The email as Django builds it (any backend)."""
        link, unsubscribe = personal_urls(raw_token, raw_unsubscribe)
        subject, text, html = self._rendered(invitation, number)
        name_text = invitation.name if name_text is None else name_text
        name_html = escape(invitation.name) if name_html is None else name_html

        def fill(body: str, name: str) -> str:
            return body.replace(NAME, name).replace(LINK, link).replace(UNSUBSCRIBE, unsubscribe)

        message = EmailMultiAlternatives(
            subject=fill(subject, name_text),
            body=fill(text, name_text),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to or invitation.email],
            headers={
                # RFC 8058: mail clients offer a one-click "unsubscribe" that POSTs to this URL.
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                **(headers or {}),
            },
        )
        if html:
            message.attach_alternative(fill(html, name_html), "text/html")
        return message

    def envelope(
        self, key, invitation: Invitation, number: int, raw_token: str, raw_unsubscribe: str
    ) -> Envelope:
        """The email as SMTP carries it: from the compiled template when the values fit it."""
        template = self._template(invitation, number)
        name = invitation.name.encode()
        name_html = escape(invitation.name).encode()
        address = invitation.email
        if (
            template is None
            or len(raw_token) != TOKEN_LENGTH
            or len(raw_unsubscribe) != TOKEN_LENGTH
            or not _PLAIN_ADDRESS.fullmatch(address)
            or len("To: ") + len(address) > MAX_HEADER
            or b"\r" in name
            or b"\n" in name
            or template.longest_name_line + 2 * max(len(name), len(name_html)) > MAX_LINE
        ):
            return Envelope.of(key, self.message(invitation, number, raw_token, raw_unsubscribe))
        data = template.fill(
            {
                TOKEN_MARK.encode(): raw_token.encode(),
                UNSUBSCRIBE_MARK.encode(): raw_unsubscribe.encode(),
                NAME_TEXT_MARK.encode(): name,
                NAME_HTML_MARK.encode(): name_html,
                ADDRESS_MARK.encode(): address.encode(),
                DATE_MARK.encode(): formatdate(localtime=settings.EMAIL_USE_LOCALTIME).encode(),
                ID_MARK.encode(): make_msgid(domain=DNS_NAME).encode(),
            }
        )
        return Envelope(key=key, sender=self.sender, recipients=[address], data=data)

    def _template(self, invitation: Invitation, number: int) -> _Template | None:
        key = self._key(invitation, number)
        if key not in self._templates:
            subject, text, html = self._rendered(invitation, number)
            if any(placeholder in subject for placeholder in (NAME, LINK, UNSUBSCRIBE)):
                self._templates[key] = None  # the subject is encoded: no markers there
            else:
                message = self.message(
                    invitation,
                    number,
                    TOKEN_MARK,
                    UNSUBSCRIBE_MARK,
                    name_text=NAME_TEXT_MARK,
                    name_html=NAME_HTML_MARK,
                    to=ADDRESS_MARK,
                    headers={"Date": DATE_MARK, "Message-ID": ID_MARK},
                )
                self._templates[key] = _Template.compile(
                    message,
                    {
                        TOKEN_MARK: (text + html).count(LINK),
                        UNSUBSCRIBE_MARK: (text + html).count(UNSUBSCRIBE) + 1,  # + the header
                        NAME_TEXT_MARK: text.count(NAME),
                        NAME_HTML_MARK: html.count(NAME),
                        ADDRESS_MARK: 1,
                        DATE_MARK: 1,
                        ID_MARK: 1,
                    },
                )
        return self._templates[key]
