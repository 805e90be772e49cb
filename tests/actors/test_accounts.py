import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from actors.enums import Role
from actors.models import User
from actors.tokens import email_verification_token
from cops.models import OutgoingEmail
from tests.factories.actors import UserFactory

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "Partenariat-en-sante-2026"


def _signup(client, **overrides):
    data = {
        "first_name": "Léa",
        "last_name": "Garcia",
        "email": "Lea.Garcia@Exemple.fr",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        **overrides,
    }
    return client.post(reverse("actors:signup"), data)


def _link_in(message, pattern: str) -> str:
    match = re.search(rf"http://testserver(/compte/{pattern}/[^\s]+)", message.body)
    assert match, message.body
    return match.group(1)


def test_signup_creates_unverified_account_and_sends_verification_email(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client)

    assert response.status_code == 200
    assert "lea.garcia@exemple.fr" in response.content.decode()
    user = User.objects.get()
    assert (user.email, user.first_name, user.last_name, user.email_verified_at) == (
        "lea.garcia@exemple.fr",
        "Léa",
        "Garcia",
        None,
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["lea.garcia@exemple.fr"]
    assert mail.outbox[0].subject == "Confirmez votre adresse pour la plateforme COPS"
    assert "Bonjour Léa," in mail.outbox[0].body
    assert OutgoingEmail.objects.get().sent_at is not None


def test_signup_rejects_weak_or_mismatched_passwords_and_saves_nothing(client):
    short = _signup(client, password1="court", password2="court")
    mismatch = _signup(client, password2="Autre-mot-de-passe-2026")

    assert User.objects.count() == 0
    assert (
        "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères." in short.content.decode()
    )
    assert "Les deux mots de passe ne sont pas identiques." in mismatch.content.decode()
    assert 'value="Léa"' in mismatch.content.decode()


def test_verification_link_verifies_once_and_grants_partner_role(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client)
    link = _link_in(mail.outbox[0], "verifier")

    first = client.get(link, follow=True)
    second = client.get(link, follow=True)

    user = User.objects.get()
    assert user.email_verified_at is not None
    assert list(user.groups.values_list("name", flat=True)) == [Role.PARTNER.value]
    assert "Merci, votre adresse est confirmée." in first.content.decode()
    assert "Votre adresse est déjà confirmée" in second.content.decode()


def test_verification_with_a_forged_token_is_refused(client, unverified_user):
    response = client.get(reverse("actors:verify_email", kwargs={"uidb64": "MQ", "token": "abc-def"}))

    assert response.status_code == 400
    assert "Ce lien n'est plus valable" in response.content.decode()
    unverified_user.refresh_from_db()
    assert unverified_user.email_verified_at is None


def test_login_refuses_unverified_account_with_a_french_explanation(client, unverified_user, password):
    response = client.post(reverse("actors:login"), {"username": unverified_user.email, "password": password})

    assert "_auth_user_id" not in client.session
    assert "Votre adresse n&#x27;est pas encore confirmée" in response.content.decode()


def test_login_and_logout_of_a_verified_partner(client, partner, password):
    login = client.post(reverse("actors:login"), {"username": "PARTENAIRE@exemple.fr", "password": password})
    account = client.get(reverse("actors:account"))
    logout = client.post(reverse("actors:logout"))

    assert login.status_code == 302
    assert login.url == reverse("actors:account")
    assert "<h1>Mon espace</h1>" in account.content.decode()
    assert "Bonjour Sacha" in account.content.decode()
    assert "<li>Partenaire</li>" in account.content.decode()  # the role, by its label
    assert logout.status_code == 302
    assert "_auth_user_id" not in client.session


def test_wrong_password_gives_a_generic_message(client, partner):
    response = client.post(
        reverse("actors:login"), {"username": partner.email, "password": "mauvais-mot-de-passe"}
    )

    assert "Adresse électronique ou mot de passe incorrect." in response.content.decode()


def test_password_reset_sends_a_link_that_sets_a_new_password(
    client, partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("actors:password_reset"), {"email": partner.email})
    link = _link_in(mail.outbox[0], "mot-de-passe/nouveau")

    form_page = client.get(link, follow=True)
    new_password = "Un-nouveau-mot-de-passe-2026"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )

    assert mail.outbox[0].subject == "Choisir un nouveau mot de passe"
    assert "Votre nouveau mot de passe est enregistré" in done.content.decode()
    partner.refresh_from_db()
    assert partner.check_password(new_password)


def test_password_reset_for_unknown_address_sends_nothing_and_says_the_same(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("actors:password_reset"), {"email": "inconnu@exemple.fr"}, follow=True)

    assert mail.outbox == []
    assert "Si un compte existe pour cette adresse" in response.content.decode()


def test_password_change_requires_the_current_password(partner_client, partner, password):
    wrong = partner_client.post(
        reverse("actors:password_change"),
        {
            "old_password": "pas-le-bon",
            "new_password1": "Changement-2026-ok",
            "new_password2": "Changement-2026-ok",
        },
    )
    right = partner_client.post(
        reverse("actors:password_change"),
        {
            "old_password": password,
            "new_password1": "Changement-2026-ok",
            "new_password2": "Changement-2026-ok",
        },
    )

    assert wrong.status_code == 200
    assert right.status_code == 302
    partner.refresh_from_db()
    assert partner.check_password("Changement-2026-ok")


def test_roles_are_groups_created_by_migration():
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(role.value for role in Role)


@pytest.mark.parametrize(
    ("client_fixture", "expected_status"),
    [
        ("client", 302),
        ("partner_client", 403),
        ("copil_client", 403),
        ("staff_client", 200),
        ("admin_client", 200),
    ],
)
def test_staff_area_is_for_cops_staff_only(request, client_fixture, expected_status):
    client = request.getfixturevalue(client_fixture)

    response = client.get(reverse("platform:staff_home"))

    assert response.status_code == expected_status
    if expected_status == 200:
        assert "<h1>Espace équipe</h1>" in response.content.decode()


def test_verification_email_keeps_apostrophes_as_typed(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client, first_name="Anne-Marie d'Oc")

    assert "Bonjour Anne-Marie d'Oc," in mail.outbox[0].body


OVER_LONG = "a" * 300 + "@exemple.fr"


@pytest.mark.parametrize(
    ("client_fixture", "url_name", "data"),
    [
        ("client", "actors:signup", {"first_name": "Léa", "last_name": "Garcia", "email": "lea@exemple.fr"}),
        ("client", "actors:login", {"username": "lea@exemple.fr", "password": STRONG_PASSWORD}),
        ("client", "actors:password_reset", {"email": "lea@exemple.fr"}),
        ("client", "actors:resend_verification", {"email": "lea@exemple.fr"}),
        (
            "partner_client",
            "actors:password_change",
            {"old_password": "x", "new_password1": "y", "new_password2": "y"},
        ),
        ("client", "admin:login", {"username": "lea@exemple.fr", "password": STRONG_PASSWORD}),
    ],
)
def test_every_account_form_answers_over_long_values_with_a_form_error(
    request, client_fixture, url_name, data
):
    client = request.getfixturevalue(client_fixture)
    client.raise_request_exception = False

    statuses = {
        field: client.post(reverse(url_name), {**data, field: OVER_LONG}).status_code for field in data
    }

    assert set(statuses.values()) <= {200, 400}, statuses


def test_login_with_an_over_long_username_says_it_is_too_long(client):
    response = client.post(reverse("actors:login"), {"username": OVER_LONG, "password": STRONG_PASSWORD})

    assert response.status_code == 200
    assert "Assurez-vous que cette valeur comporte au plus 254 caractères" in response.content.decode()


def test_admin_login_still_signs_in_a_staff_member(client, admin_user, password):
    response = client.post(reverse("admin:login"), {"username": admin_user.email, "password": password})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin_user.pk)


def _link_signed_up(client, monkeypatch, django_capture_on_commit_callbacks, *, days_ago: int) -> str:
    """Sign up as if days_ago days had passed since: the link's timestamp is set back that much."""
    then = email_verification_token._now() - timedelta(days=days_ago)
    monkeypatch.setattr(email_verification_token, "_now", lambda: then)
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client)
    monkeypatch.undo()
    return _link_in(mail.outbox[-1], "verifier")


@pytest.mark.parametrize(("days_ago", "verified"), [(6, True), (8, False)])
def test_verification_link_lasts_the_setting_s_seven_days(
    client, monkeypatch, django_capture_on_commit_callbacks, days_ago, verified
):
    link = _link_signed_up(client, monkeypatch, django_capture_on_commit_callbacks, days_ago=days_ago)

    response = client.get(link)

    assert (User.objects.get().email_verified_at is not None) is verified
    assert response.status_code == (302 if verified else 400)
    if not verified:
        assert "il est valable 7 jours" in response.content.decode()


def test_verification_email_states_the_days_of_the_setting(
    client, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_VERIFICATION_TIMEOUT = 60 * 60 * 24 * 10

    with django_capture_on_commit_callbacks(execute=True):
        _signup(client)

    assert "Ce lien est valable 10 jours." in mail.outbox[0].body


def _page_text(response) -> str:
    """The page, with the CSRF token (masked afresh on each response) left out."""
    html = response.content.decode()
    return re.sub(r'("X-CSRFToken": |name="csrfmiddlewaretoken" value=)"[^"]+"', r"\1", html)


def test_signup_answers_the_same_whether_the_address_has_an_account_or_not(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="deja.inscrite@exemple.fr", first_name="Inès")

    with django_capture_on_commit_callbacks(execute=True):
        new = _signup(client, email="nouvelle@exemple.fr")
        existing = _signup(client, email="Deja.Inscrite@exemple.fr")

    assert existing.status_code == new.status_code == 200
    assert _page_text(existing).replace("deja.inscrite", "nouvelle") == _page_text(new)
    assert "nouvelle@exemple.fr" in _page_text(new)
    assert User.objects.filter(email__iexact="deja.inscrite@exemple.fr").count() == 1
    warning = mail.outbox[-1]
    assert warning.to == ["deja.inscrite@exemple.fr"]
    assert warning.subject == "Une inscription a été tentée avec votre adresse"
    assert "Quelqu'un a voulu créer un compte avec votre adresse" in warning.body
    assert "http://testserver/compte/connexion/" in warning.body
    assert "http://testserver/compte/mot-de-passe/oubli/" in warning.body


def test_signup_with_an_unconfirmed_address_sends_its_holder_a_fresh_link(
    client, unverified_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client, email=unverified_user.email)
    link = _link_in(mail.outbox[-1], "verifier")

    client.get(link)

    assert "Quelqu'un a voulu créer un compte avec votre adresse" in mail.outbox[-1].body
    assert "ouvrez d'abord ce lien (valable 7 jours)" in mail.outbox[-1].body
    unverified_user.refresh_from_db()
    assert unverified_user.email_verified_at is not None
    assert User.objects.count() == 1
