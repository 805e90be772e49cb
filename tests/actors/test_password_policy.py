"""The password policy: at least 12 characters, not a common password, not only digits, not like the
person's own details — on sign-up, password change and password reset alike."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from actors.models import User

pytestmark = pytest.mark.django_db

TOO_SHORT = "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."
TOO_COMMON = "Ce mot de passe est trop courant."
ALL_DIGITS = "Ce mot de passe est entièrement numérique."
TOO_SIMILAR = "Le mot de passe est trop semblable au champ «\xa0adresse électronique\xa0»."


def _signup(client, password: str):
    return client.post(
        reverse("actors:signup"),
        {
            "first_name": "Léa",
            "last_name": "Garcia",
            "email": "lea.garcia@exemple.fr",
            "password1": password,
            "password2": password,
        },
    )


def _errors(response) -> list[str]:
    """The messages next to the password field (the summary at the top repeats them)."""
    html = response.content.decode()
    return re.findall(r'<p id="error_\d+_id_password1"><strong>([^<]*)</strong></p>', html)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1-Xy9-Qz7", TOO_SHORT),  # 11 characters
        ("telechargement", TOO_COMMON),  # 14 characters, in Django's list of 20,000 common passwords
        ("402918375610294", ALL_DIGITS),
        ("garcia.lea.exemple", TOO_SIMILAR),
    ],
)
def test_signup_refuses_each_weak_password_with_its_own_message(client, password, message):
    response = _signup(client, password)

    assert response.status_code == 200
    assert User.objects.count() == 0
    assert _errors(response) == [message]
    assert "Le formulaire contient une erreur" in response.content.decode()


def test_signup_accepts_a_password_passing_every_rule(client):
    response = _signup(client, "Ab1-Xy9-Qz7!")  # 12 characters, uncommon, not digits, unlike the email

    assert response.status_code == 200
    assert User.objects.get().email == "lea.garcia@exemple.fr"


def test_password_change_applies_the_same_policy(partner_client, password):
    url = reverse("actors:password_change")

    response = partner_client.post(
        url, {"old_password": password, "new_password1": "telechargement", "new_password2": "telechargement"}
    )

    assert response.status_code == 200
    assert TOO_COMMON in response.content.decode()


def test_password_reset_applies_the_same_policy(client, partner):
    uid = urlsafe_base64_encode(force_bytes(partner.pk))
    token = default_token_generator.make_token(partner)
    # Django swaps the token for a session marker on the first visit, then shows the form.
    form_url = client.get(reverse("actors:password_reset_confirm", args=[uid, token]))["Location"]

    response = client.post(form_url, {"new_password1": "402918375610294", "new_password2": "402918375610294"})

    partner.refresh_from_db()
    assert response.status_code == 200
    assert ALL_DIGITS in response.content.decode()
    assert not partner.check_password("402918375610294")


FRENCH_COMMON = "Ce mot de passe est trop courant : évitez les mots et suites de touches habituels."
REPEATED = "Ce mot de passe répète trop un même caractère."


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("aaaaaaaaaaaa", REPEATED),
        ("azertyuiop12", FRENCH_COMMON),
        ("motdepasse12", FRENCH_COMMON),
        ("MotDePasse2026!", FRENCH_COMMON),
        ("Soleil123456", FRENCH_COMMON),
        ("Bébé-Chéri-2024", FRENCH_COMMON),  # accents and separators removed: "bebecheri"
        ("qwerty123456", FRENCH_COMMON),
        ("Xk9!aaaa-Trz7", REPEATED),  # a run of four
    ],
)
def test_signup_refuses_french_common_and_repetitive_passwords(client, password, message):
    response = _signup(client, password)

    assert User.objects.count() == 0
    assert message in _errors(response)


@pytest.mark.parametrize(
    "password",
    ["Ab1-Xy9-Qz7!", "Partenariat-en-sante-2026", "velo rouge sous la pluie", "Tulipe&Ocre&Marteau"],
)
def test_signup_still_accepts_strong_passwords(client, password):
    response = _signup(client, password)

    assert _errors(response) == []
    assert User.objects.get().email == "lea.garcia@exemple.fr"


@pytest.mark.parametrize(
    ("new_password", "message"),
    [("aaaaaaaaaaaa", REPEATED), ("azertyuiop12", FRENCH_COMMON), ("motdepasse12", FRENCH_COMMON)],
)
def test_password_change_refuses_french_common_and_repetitive_passwords(
    partner_client, partner, password, new_password, message
):
    response = partner_client.post(
        reverse("actors:password_change"),
        {"old_password": password, "new_password1": new_password, "new_password2": new_password},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    partner.refresh_from_db()
    assert partner.check_password(password)


def test_password_change_still_accepts_a_strong_password(partner_client, partner, password):
    response = partner_client.post(
        reverse("actors:password_change"),
        {
            "old_password": password,
            "new_password1": "Tulipe&Ocre&Marteau",
            "new_password2": "Tulipe&Ocre&Marteau",
        },
    )

    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.check_password("Tulipe&Ocre&Marteau")


def test_password_help_texts_are_in_french():
    from django.contrib.auth.password_validation import password_validators_help_texts

    texts = password_validators_help_texts()

    assert "Votre mot de passe ne peut pas être un mot ou une suite de touches courants." in texts
    assert "Votre mot de passe ne peut pas répéter sans cesse un même caractère." in texts
