"""Real concurrent registrations and cancellations: 50 threads, each with its own database
connection and transaction, racing for the last seats of an event."""

import threading
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from actors.charter_enums import RegistrationStatus
from actors.events import selectors, services
from actors.models import MeetingParticipant
from cops.models import OutgoingEmail
from tests.actors.test_event_registration import make_event
from tests.factories.actors import UserFactory

THREADS = 50


def race(calls) -> list:
    """Run each call in its own thread, all released at once; returns their results (or errors)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 — reported by the test's assertions
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_registrations_for_the_last_five_seats():
    event = make_event(capacity=10)
    for n in range(5):
        early = UserFactory(email=f"tot{n}@exemple.fr")
        services.register(event=event, name=f"Tôt {n}", email=early.email, user=early)
    users = [UserFactory(email=f"course{n:02d}@exemple.fr") for n in range(THREADS)]

    results = race(
        [
            lambda user=user: services.register(event=event, name=user.email, email=user.email, user=user)
            for user in users
        ]
    )

    assert [r for r in results if not isinstance(r, MeetingParticipant)] == []
    racers = list(event.participants.filter(email__startswith="course").order_by("pk"))
    assert Counter(p.status for p in racers) == {
        RegistrationStatus.CONFIRMED: 5,
        RegistrationStatus.WAITING: 45,
    }
    assert (
        event.participants.filter(status=RegistrationStatus.CONFIRMED).count() == 10
    )  # never more than seats
    # Arrival order: the event row's lock serialises the transactions, so the row ids (drawn under
    # the lock) follow the commits, and registered_at is strictly increasing in that same order.
    arrivals = [p.registered_at for p in racers]
    assert all(earlier < later for earlier, later in zip(arrivals, arrivals[1:], strict=False))
    assert [p.status for p in racers] == ["inscrit"] * 5 + ["attente"] * 45
    waiting = [p for p in racers if p.status == RegistrationStatus.WAITING]
    assert [selectors.waiting_position(p) for p in waiting] == list(range(1, 46))
    availability = selectors.event_availability(event)
    assert (availability.seats_left, availability.waiting) == (0, 45)
    subjects = Counter(
        OutgoingEmail.objects.filter(to__0__startswith="course").values_list("template", flat=True)
    )
    assert subjects == {
        "actors/events/emails/registration_confirmed": 5,
        "actors/events/emails/registration_waiting": 45,
    }


@pytest.mark.django_db(transaction=True)
def test_simultaneous_cancellations_promote_each_waiting_person_once():
    event = make_event(capacity=5)
    users = [UserFactory(email=f"p{n:02d}@exemple.fr") for n in range(15)]
    participants = [services.register(event=event, name=u.email, email=u.email, user=u) for u in users]
    holders, waiting = participants[:5], participants[5:]
    assert {p.status for p in holders} == {"inscrit"} and {p.status for p in waiting} == {"attente"}

    # Each holder cancels twice at the same moment (a double click): one wins, one is refused.
    results = race([lambda p=p: services.cancel(participant=p) for p in holders for _ in range(2)])

    refusals = [r for r in results if isinstance(r, ValidationError)]
    assert len(refusals) == 5 and {r.messages[0] for r in refusals} == {"Cette inscription est déjà annulée."}
    statuses = dict(event.participants.values_list("email", "status"))
    assert [statuses[p.email] for p in waiting] == ["inscrit"] * 5 + ["attente"] * 5
    promoted = OutgoingEmail.objects.filter(template="actors/events/emails/registration_promoted")
    assert sorted(email.to[0] for email in promoted) == [p.email for p in waiting[:5]]
    assert OutgoingEmail.objects.filter(template="actors/events/emails/registration_cancelled").count() == 5


@pytest.mark.django_db(transaction=True)
def test_simultaneous_confirmations_of_addresses_share_the_seats_in_arrival_order():
    event = make_event(capacity=5)
    participants = [
        services.register(event=event, name=f"Personne {n}", email=f"lien{n:02d}@exemple.fr")
        for n in range(20)
    ]
    tokens = [services.personal_token(p) for p in participants]

    results = race([lambda token=token: services.confirm_email(token=token) for token in tokens])

    assert [r for r in results if not isinstance(r, MeetingParticipant)] == []
    rows = list(event.participants.order_by("registered_at", "pk"))
    assert [p.status for p in rows] == ["inscrit"] * 5 + ["attente"] * 15
    assert all(p.email_verified_at == p.registered_at for p in rows)
    arrivals = [p.registered_at for p in rows]
    assert len(set(arrivals)) == 20
    assert [selectors.waiting_position(p) for p in rows[5:]] == list(range(1, 16))
