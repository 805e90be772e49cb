"""cops.ratelimit: exact counts per window, per address or person, shared by every process."""

import threading
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from actors.models import User
from cops.models import OutgoingEmail
from cops.ratelimit import Rate, hit, hit_request, rate_limit
from tests.factories.actors import UserFactory

PASSWORD = "Partenariat-en-sante-2026"


@pytest.mark.parametrize(
    ("text", "limit", "period"),
    [("10/m", 10, 60), ("5/15m", 5, 900), ("100/h", 100, 3600), ("1000/d", 1000, 86400), ("3/s", 3, 1)],
)
def test_rate_parse_reads_count_and_period(text, limit, period):
    assert Rate.parse(text) == Rate(limit=limit, period=period)


@pytest.mark.parametrize("text", ["10", "10/x", "dix/m", "0/m", "10/0m", "-1/h", ""])
def test_rate_parse_refuses_nonsense(text):
    with pytest.raises(ValueError, match="Invalid rate"):
        Rate.parse(text)


def test_rate_limit_refuses_an_unknown_key():
    with pytest.raises(ValueError, match="Unknown rate limit key 'session'"):
        rate_limit(key="session", rate="1/m")


@pytest.mark.django_db
def test_hit_counts_exactly_within_a_window_and_starts_again_in_the_next():
    rate = Rate.parse("10/m")
    start = 1_800_000_000.0  # a multiple of 60: the start of a window

    inside = [hit(group="g", who="ip:192.0.2.1", rate=rate, now=start + 15) for _ in range(11)]
    next_window = hit(group="g", who="ip:192.0.2.1", rate=rate, now=start + 60)

    assert [over for over, _ in inside] == [False] * 10 + [True]
    assert {retry for _, retry in inside} == {45}
    assert next_window == (False, 60)


@pytest.mark.django_db
def test_hit_keeps_groups_and_clients_apart():
    rate = Rate.parse("1/m")

    first = hit(group="a", who="ip:192.0.2.1", rate=rate)[0]
    other_group = hit(group="b", who="ip:192.0.2.1", rate=rate)[0]
    other_client = hit(group="a", who="ip:192.0.2.2", rate=rate)[0]
    again = hit(group="a", who="ip:192.0.2.1", rate=rate)[0]

    assert (first, other_group, other_client, again) == (False, False, False, True)


@pytest.mark.django_db
def test_hit_deletes_finished_windows_from_time_to_time(monkeypatch):
    from cops import ratelimit
    from cops.models import RateCounter

    rate = Rate.parse("10/m")
    start = 1_800_000_000.0
    hit(group="g", who="ip:192.0.2.1", rate=rate, now=start)
    monkeypatch.setattr(ratelimit, "_hits_since_purge", ratelimit.PURGE_EVERY - 2)

    hit(group="g", who="ip:192.0.2.2", rate=rate, now=start + 30)  # the old window is still open
    kept = sorted(RateCounter.objects.values_list("key", flat=True))
    hit(group="g", who="ip:192.0.2.3", rate=rate, now=start + 3600)

    assert kept == [f"rl:g:ip:192.0.2.1:60:{int(start // 60)}", f"rl:g:ip:192.0.2.2:60:{int(start // 60)}"]
    assert list(RateCounter.objects.values_list("key", flat=True)) == [
        f"rl:g:ip:192.0.2.3:60:{int((start + 3600) // 60)}"
    ]


@pytest.mark.django_db(transaction=True)
def test_hit_is_exact_under_twenty_concurrent_requests():
    group = f"concurrent-{uuid.uuid4().hex}"  # the cache table outlives transactional tests
    rate = Rate.parse("10/m")
    results, barrier = [], threading.Barrier(20)

    def request():
        try:
            barrier.wait()
            results.append(hit(group=group, who="ip:192.0.2.1", rate=rate, now=1_800_000_000.0)[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 20
    assert results.count(False) == 10
    assert results.count(True) == 10


@rate_limit(key="user", rate="2/m")
def _per_person_view(request):
    return HttpResponse("ok")


@pytest.mark.django_db
def test_rate_limit_by_user_gives_each_person_a_budget_and_anonymous_visitors_their_address(
    partner, other_partner
):
    factory = RequestFactory()

    def call(user, ip="192.0.2.50"):
        request = factory.post("/", REMOTE_ADDR=ip)
        request.user = user
        return _per_person_view(request).status_code

    partner_calls = [call(partner) for _ in range(3)]
    other_calls = [call(other_partner) for _ in range(2)]
    anonymous_calls = [call(AnonymousUser()) for _ in range(3)]
    anonymous_elsewhere = call(AnonymousUser(), ip="192.0.2.51")

    assert partner_calls == [200, 200, 429]
    assert other_calls == [200, 200]
    assert anonymous_calls == [200, 200, 429]
    assert anonymous_elsewhere == 200


@rate_limit(group="tests.searches", key="ip", rate="3/m", methods=("GET",), when=lambda r: "q" in r.GET)
def _search_view(request):
    return HttpResponse("ok")


def _search(query: dict, ip: str = "192.0.2.70") -> int:
    request = RequestFactory().get("/", query, REMOTE_ADDR=ip)
    request.user = AnonymousUser()
    return _search_view(request).status_code


@pytest.mark.django_db
def test_rate_limit_counts_only_the_requests_its_predicate_picks():
    browsing = [_search({}) for _ in range(5)]
    searches = [_search({"q": "hôpital"}) for _ in range(4)]
    browsing_after = _search({})

    assert browsing == [200] * 5
    assert searches == [200, 200, 200, 429]
    assert browsing_after == 200


@pytest.mark.django_db
@pytest.mark.parametrize("override", [(1, 60), "1/m"])
def test_rate_limits_setting_changes_a_named_groups_rate(settings, override):
    settings.RATE_LIMITS = {"tests.searches": override}

    statuses = [_search({"q": "hôpital"}) for _ in range(2)]

    assert statuses == [200, 429]


@pytest.mark.django_db
def test_hit_request_counts_in_the_same_budget_as_the_views_of_its_group():
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.71")
    request.user = AnonymousUser()

    manual = [hit_request(request, group="tests.searches", rate="3/m")[0] for _ in range(2)]
    pages = [_search({"q": "hôpital"}, ip="192.0.2.71") for _ in range(2)]

    assert manual == [False, False]
    assert pages == [200, 429]


def _signup_data(index: int) -> dict:
    return {
        "first_name": "Léa",
        "last_name": "Garcia",
        "email": f"lea{index}@exemple.fr",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }


@pytest.mark.django_db
def test_signup_allows_twenty_posts_an_hour_per_address_then_answers_429_in_french(client):
    url = reverse("actors:signup")
    for _ in range(30):
        assert client.get(url, REMOTE_ADDR="192.0.2.20").status_code == 200  # reading the form is free

    allowed = [client.post(url, _signup_data(i), REMOTE_ADDR="192.0.2.20").status_code for i in range(20)]
    refused = client.post(url, _signup_data(20), REMOTE_ADDR="192.0.2.20")
    elsewhere = client.post(url, _signup_data(21), REMOTE_ADDR="192.0.2.21")

    assert allowed == [200] * 20
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 3600
    page = refused.content.decode()
    assert "Un instant, s'il vous plaît" in page
    assert "Réessayez dans" in page
    assert elsewhere.status_code == 200
    assert User.objects.count() == 21
    assert not User.objects.filter(email="lea20@exemple.fr").exists()


@pytest.mark.django_db
def test_password_reset_allows_ten_requests_an_hour_per_address(client, partner):
    url = reverse("actors:password_reset")

    statuses = [
        client.post(url, {"email": partner.email}, REMOTE_ADDR="192.0.2.30").status_code for _ in range(11)
    ]

    assert statuses == [302] * 10 + [429]
    assert OutgoingEmail.objects.filter(template="actors/emails/password_reset").count() == 10


@pytest.mark.django_db
def test_resend_verification_allows_ten_requests_an_hour_per_address(client):
    user = UserFactory(email="nouveau@exemple.fr", email_verified_at=None)
    url = reverse("actors:resend_verification")

    statuses = [
        client.post(url, {"email": user.email}, REMOTE_ADDR="192.0.2.40").status_code for _ in range(11)
    ]

    assert statuses == [302] * 10 + [429]
    assert OutgoingEmail.objects.filter(to=[user.email]).count() == 10


@pytest.mark.django_db
def test_login_allows_sixty_posts_an_hour_per_address_whatever_the_account(client):
    url = reverse("actors:login")

    statuses = [
        client.post(
            url, {"username": f"inconnu{i}@exemple.fr", "password": "x" * 12}, REMOTE_ADDR="192.0.2.60"
        ).status_code
        for i in range(61)
    ]

    assert statuses == [200] * 60 + [429]
