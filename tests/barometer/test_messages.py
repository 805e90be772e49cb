"""The invitation and reminder emails filled in from a compiled template are the emails Django
builds, byte for byte in substance: same headers, same parts, same text."""

import email
import re
from email import policy

import pytest

from barometer.enums import LINK_TOKEN_BYTES
from barometer.messages import Letters
from barometer.models import Invitation
from cops.smtp import Envelope
from cops.tokens import new_token

BOUNDARY = re.compile(rb'boundary="([^"]+)"')
HEADERS = ("Subject", "From", "To", "List-Unsubscribe", "List-Unsubscribe-Post", "MIME-Version")


def parsed(envelope: Envelope) -> email.message.EmailMessage:
    assert envelope.data.endswith(b"\r\n")
    assert b"\n" not in envelope.data.replace(b"\r\n", b"")  # CRLF line ends only
    return email.message_from_bytes(envelope.data, policy=policy.default)


def assert_same_email(ours: Envelope, djangos: Envelope) -> None:
    mine, theirs = parsed(ours), parsed(djangos)
    assert (ours.sender, ours.recipients) == (djangos.sender, djangos.recipients)
    assert [mine[h] for h in HEADERS] == [theirs[h] for h in HEADERS]
    assert parts(mine) == parts(theirs)


def parts(message) -> list[tuple]:
    return [
        (part.get_content_type(), part["Content-Transfer-Encoding"], part.get_content())
        for part in message.walk()
        if not part.is_multipart()
    ]


def boundary(envelope: Envelope) -> bytes:
    return BOUNDARY.search(envelope.data).group(1)


@pytest.mark.parametrize("number", [0, 1])
@pytest.mark.parametrize("name", ["Zoé <b>Ünïcode</b> & fils", "", "O'Brien-Durand"])
def test_email_from_the_compiled_template_is_the_one_django_builds(questionnaire, number, name):
    invitation = Invitation(
        campaign=questionnaire.campaign, questionnaire=questionnaire, email="zoe.d+cops@exemple.fr", name=name
    )
    letters = Letters()
    raw, _digest = new_token(LINK_TOKEN_BYTES)
    unsubscribe, _digest = new_token(LINK_TOKEN_BYTES)

    ours = letters.envelope(7, invitation, number, raw, unsubscribe)
    djangos = Envelope.of(7, letters.message(invitation, number, raw, unsubscribe))

    assert_same_email(ours, djangos)
    text = parsed(ours).get_body(("plain",)).get_content()
    assert f"http://testserver/barometre/r/{raw}/" in text
    assert f"http://testserver/barometre/desinscription/{unsubscribe}/" in text
    assert raw not in parsed(ours)["List-Unsubscribe"]
    assert (
        parsed(ours)["List-Unsubscribe"].strip()
        == f"<http://testserver/barometre/desinscription/{unsubscribe}/>"
    )
    if name:
        html = parsed(ours).get_body(("html",)).get_content()
        assert f"Bonjour {name}," in text
        assert "Bonjour Zoé &lt;b&gt;Ünïcode&lt;/b&gt; &amp; fils," in html or "<b>" not in name


def test_each_email_has_its_own_link_date_and_message_id_from_one_template(questionnaire):
    letters = Letters()
    people = [
        Invitation(
            campaign=questionnaire.campaign, questionnaire=questionnaire, email=f"p{i}@exemple.fr", name="P"
        )
        for i in range(2)
    ]
    first, second = (
        letters.envelope(i, person, 1, new_token(LINK_TOKEN_BYTES)[0], new_token(LINK_TOKEN_BYTES)[0])
        for i, person in enumerate(people)
    )

    assert boundary(first) == boundary(second)  # filled in from the same compiled message
    assert parsed(first)["Message-ID"] != parsed(second)["Message-ID"]
    assert parsed(first)["Date"]
    assert parsed(first)["To"] == "p0@exemple.fr" and parsed(second)["To"] == "p1@exemple.fr"
    assert (
        parsed(first).get_body(("plain",)).get_content() != parsed(second).get_body(("plain",)).get_content()
    )


@pytest.mark.parametrize(
    ("address", "name"),
    [
        ("zoe@exemplé.fr", "Zoé"),  # the generator encodes an internationalised domain
        ("a-very-long-local-part-for-a-mailbox-that-never-ends@sous-domaine.exemple.fr", "Zoé"),  # folded
        ("zoe@exemple.fr", "Zoé\nBonjour"),  # a line break in a name
        ("zoe@exemple.fr", "&" * 200),  # 1,000 bytes once escaped: the HTML part turns quoted-printable
    ],
)
def test_what_the_template_cannot_carry_goes_through_django(questionnaire, address, name):
    invitation = Invitation(
        campaign=questionnaire.campaign, questionnaire=questionnaire, email=address, name=name
    )
    letters = Letters()
    raw, unsubscribe = new_token(LINK_TOKEN_BYTES)[0], new_token(LINK_TOKEN_BYTES)[0]

    ours = letters.envelope(1, invitation, 1, raw, unsubscribe)
    again = letters.envelope(2, invitation, 1, raw, unsubscribe)

    assert boundary(ours) != boundary(again)  # each built by the MIME generator
    assert_same_email(ours, Envelope.of(1, letters.message(invitation, 1, raw, unsubscribe)))
