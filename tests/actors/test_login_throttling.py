"""Login throttling (django-axes): 5 failures for one (email, address) pair lock that pair for 15 min."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("actors:login")
WRONG = "pas-le-bon-mot-de-passe"


def _login(client, email: str, password: str, ip: str = "192.0.2.10", **extra):
    return client.post(LOGIN_URL, {"username": email, "password": password}, REMOTE_ADDR=ip, **extra)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_login_four_failures_then_the_right_password_signs_in_and_clears_the_count(client, partner, password):
    for _ in range(4):
        response = _login(client, partner.email, WRONG)
        assert response.status_code == 200
        assert "Adresse électronique ou mot de passe incorrect." in response.content.decode()

    response = _login(client, partner.email, password)

    assert response.status_code == 302
    assert response["Location"] == reverse("actors:account")
    assert _signed_in(client)
    assert AccessAttempt.objects.count() == 0  # AXES_RESET_ON_SUCCESS


def test_login_fifth_failure_locks_the_pair_with_a_french_page(client, partner, password):
    for _ in range(4):
        _login(client, partner.email, WRONG)

    fifth = _login(client, partner.email, WRONG)
    right_password = _login(client, partner.email, password)

    assert fifth.status_code == 429
    assert fifth["Retry-After"] == "900"
    page = fifth.content.decode()
    assert "Connexion suspendue pour quelques minutes" in page
    assert "après 5 essais infructueux" in page
    assert "suspendue pendant 15 minutes." in page
    assert reverse("actors:password_reset") in page
    assert right_password.status_code == 429
    assert not _signed_in(client)
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == (
        partner.email,
        "192.0.2.10",
        6,  # the refused right password counts too, and restarts the cool-off
    )


def test_login_lockout_counts_the_email_whatever_its_case(client, partner, password):
    for variant in ["PARTENAIRE@exemple.fr", "Partenaire@Exemple.fr", " partenaire@exemple.fr", "x", "y"]:
        _login(client, partner.email if variant in {"x", "y"} else variant, WRONG)

    response = _login(client, partner.email, password)

    assert response.status_code == 429
    assert AccessAttempt.objects.get().username == "partenaire@exemple.fr"


def test_login_lockout_leaves_other_addresses_and_other_accounts_free(
    client, partner, other_partner, password
):
    for _ in range(5):
        _login(client, partner.email, WRONG, ip="192.0.2.10")

    other_account = _login(client, other_partner.email, password, ip="192.0.2.10")
    client.logout()
    other_address = _login(client, partner.email, password, ip="198.51.100.7")

    assert other_account.status_code == 302
    assert other_address.status_code == 302
    assert _signed_in(client)


def test_login_lockout_ends_after_fifteen_minutes(client, partner, password):
    for _ in range(5):
        _login(client, partner.email, WRONG)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14, seconds=50))
    still_locked = _login(client, partner.email, password)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=5))

    response = _login(client, partner.email, password)

    assert still_locked.status_code == 429
    assert response.status_code == 302
    assert _signed_in(client)


def test_login_lockout_applies_to_the_admin_login_too(client, admin_user, password):
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": admin_user.email, "password": WRONG}, REMOTE_ADDR="192.0.2.10")

    response = client.post(
        url, {"username": admin_user.email, "password": password}, REMOTE_ADDR="192.0.2.10"
    )

    assert response.status_code == 429
    assert "Connexion suspendue" in response.content.decode()
    assert not _signed_in(client)


def test_login_forged_forwarded_for_header_is_ignored_without_a_trusted_proxy(client, partner, password):
    for index in range(5):
        _login(client, partner.email, WRONG, HTTP_X_FORWARDED_FOR=f"203.0.113.{index}")

    response = _login(client, partner.email, password, HTTP_X_FORWARDED_FOR="203.0.113.99")

    assert response.status_code == 429
    assert AccessAttempt.objects.get().ip_address == "192.0.2.10"


def test_login_behind_one_trusted_proxy_counts_the_forwarded_client(client, partner, password, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        _login(client, partner.email, WRONG, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")

    same_client = _login(client, partner.email, password, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    other_client = _login(client, partner.email, password, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6")

    assert same_client.status_code == 429
    assert other_client.status_code == 302
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"


def test_force_login_of_the_test_cast_is_not_throttled(partner_client):
    response = partner_client.get(reverse("actors:account"))

    assert response.status_code == 200
