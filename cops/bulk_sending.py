"""The one engine for bulk emails that must reach each person at most once (the barometer's
invitations and reminders, the newsletter's issues).

A *client* (`BulkClient`) stands for one sending — a barometer round, a newsletter issue — and
supplies what differs: its delivery model (a `cops.models.BulkDelivery`), who is eligible, the
re-check at the commit point, the letter, the columns that keep the tokens' hashes. The engine
does the rest, the same way for every client:

* One worker at a time holds a sending (a PostgreSQL advisory lock per client namespace and key,
  released if the worker dies).
* For each person it inserts the claim row — unique per person and sending — before any SMTP
  call, then talks to the server and records "committing" just before the final dot that makes
  the server accept the message (cops/smtp.py). A few emails go side by side over several
  connections, marked together in one commit.
* A later pass, after a crash: claimed rows (the server never accepted them) are sent again;
  committing rows (the server may have accepted them) become "uncertain": never resent, shown
  apart to the staff.
* Whoever stopped wanting the email after the claim (answered, unsubscribed) is checked again at
  the commit point: the statement that marks a group "committing" marks them "skipped" instead.
* The sends are paced (the client's emails per minute); a server that cannot be reached stops
  the pass, and what is claimed goes at the next one (MAX_ATTEMPTS passes at most).
"""

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, connection, models, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from cops.enums import DeliveryStatus
from cops.smtp import Envelope, SMTPPool, TemporarySMTPError, uses_smtp
from cops.tokens import new_token

logger = logging.getLogger(__name__)

BATCH = 100  # rows claimed (inserted) per statement
MAX_ATTEMPTS = 5  # passes that found the server unreachable before a claimed row is given up
GAVE_UP_NOTE = "Serveur de messagerie injoignable après plusieurs essais."


@dataclass
class BulkResult:
    sent: int = 0
    failed: int = 0
    recovered: int = 0
    busy: bool = False
    interrupted: str = ""


class BulkClient(ABC):
    """One sending, as the engine sees it. A client sets the attributes and implements the abstract
    methods (Python refuses to build a client that misses one); the others have defaults."""

    model: type[models.Model]  # a cops.models.BulkDelivery
    recipient_field: str  # the delivery's foreign key to the recipient ("invitation", "subscription")
    lock_namespace: int  # first key of pg_try_advisory_lock(int, int), one per kind of client
    token_columns: tuple[str, ...] = ()  # hash columns, one fresh token each, set at the commit point
    token_bytes: int = 24
    uncertain_note: str = ""
    label: str = "Bulk sending"  # for the logs

    @abstractmethod
    def lock_key(self) -> int:
        """Second key of the advisory lock: this sending's id (one worker at a time holds it)."""

    def start(self) -> bool:
        """Read what the pass needs (under the lock); False: nothing to send now."""
        return True

    @abstractmethod
    def emails_per_minute(self) -> int:
        """The pace of this kind of sending (0: no pacing)."""

    @abstractmethod
    def connections(self) -> int:
        """SMTP connections driven side by side (the size of a group)."""

    @abstractmethod
    def rows(self) -> QuerySet:
        """Every delivery row of this sending."""

    @abstractmethod
    def eligible(self) -> QuerySet:
        """The recipients who should get it and have no row yet, in a stable order."""

    @abstractmethod
    def new_row(self, recipient_id: int) -> models.Model:
        """The claim row of one recipient (unsaved)."""

    def load(self, rows: QuerySet) -> list:
        """The rows with what the letters need (select_related, shared objects)."""
        return list(rows.select_related(self.recipient_field))

    def gone(self, row) -> bool:
        """The recipient no longer wants it, as read with the row: the claim is dropped."""
        return False

    @abstractmethod
    def recheck(self) -> tuple[str, list]:
        """SQL giving `(id, note)` for the delivery rows listed in the CTE `v(id, …)`: `note` is
        NULL when the email may go, the reason it may not otherwise. It locks (FOR SHARE) the
        recipients' rows, so that a change being committed at this very moment is seen."""

    def mark_committing(self, hashes: dict[int, tuple[str, ...]], accepted: "Accepted") -> set[int]:
        return mark_committing(
            model=self.model,
            token_columns=self.token_columns,
            recheck=self.recheck(),
            hashes=hashes,
            accepted=accepted,
        )

    @abstractmethod
    def message(self, row, tokens: tuple[str, ...]) -> EmailMessage:
        """The email as Django builds it (any backend)."""

    def envelope(self, row, tokens: tuple[str, ...]) -> Envelope:
        """The email as SMTP carries it (key: row.pk); by default from `message`."""
        return Envelope.of(row.pk, self.message(row, tokens))


# --- Locks, pacing, transports ---------------------------------------------------------------------


def _try_lock(namespace: int, key: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [namespace, key])
        return cursor.fetchone()[0]


def _unlock(namespace: int, key: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [namespace, key])


def _relaxed_commit() -> None:
    # A lost "claimed" or "sent" write (database crash) is harmless: see the module docstring.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


class Pacer:
    """Spreads the sends to honour a number of emails per minute (0: no limit)."""

    def __init__(self, per_minute: int):
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.next_at = time.monotonic()

    def wait(self, count: int = 1) -> None:
        """Wait for the slot of the first of `count` emails about to leave together."""
        slot = max(self.next_at, time.monotonic())
        self.next_at = slot + count * self.interval
        delay = slot - time.monotonic()
        if delay > 0:
            time.sleep(delay)


@dataclass
class _Handed:
    key: int
    message: EmailMessage
    accepted: bool = False
    error: str = ""


class _DjangoBackend:
    """Any other email backend (console, file, memory in tests): no commit point of its own,
    so the messages are marked "committing" before they are handed over."""

    def __init__(self, size: int, client: BulkClient):
        self.size = size
        self.client = client

    def prepare(self, row, tokens: tuple[str, ...]) -> _Handed:
        return _Handed(row.pk, self.client.message(row, tokens))

    def send(self, items: list[_Handed], before_commit: Callable) -> None:
        allowed = before_commit(items)
        going = [item for item in items if item.key in allowed]
        if going:
            get_connection().send_messages([item.message for item in going])
        for item in going:
            item.accepted = True

    def close(self) -> None:
        pass


class _SMTP:
    """SMTP connections side by side, with the commit point just before the final dots."""

    def __init__(self, size: int, client: BulkClient):
        self.pool = SMTPPool(size)
        self.size = size
        self.client = client

    def prepare(self, row, tokens: tuple[str, ...]) -> Envelope:
        return self.client.envelope(row, tokens)

    def send(self, items: list[Envelope], before_commit: Callable) -> None:
        self.pool.send(items, before_commit)

    def close(self) -> None:
        self.pool.close()


# --- The pass -------------------------------------------------------------------------------------------


def bulk_send(client: BulkClient, *, limit: int | None = None) -> BulkResult:
    """Send to everyone eligible. Safe to call any number of times, at once or after a crash: a
    second caller finds the sending busy; a later pass only finishes what is left."""
    result = BulkResult()
    key = client.lock_key()
    if not _try_lock(client.lock_namespace, key):
        result.busy = True
        return result
    accepted = Accepted(client.model)
    try:
        if not client.start():
            return result
        result.recovered = recover_committing(client)
        pacer = Pacer(client.emails_per_minute())
        transport = (_SMTP if uses_smtp() else _DjangoBackend)(max(1, client.connections()), client)
        try:
            while not result.interrupted and (limit is None or result.sent + result.failed < limit):
                rows = _claimed_rows(client) or _claim_batch(client)
                if not rows:
                    break
                if limit is not None:
                    rows = rows[: limit - result.sent - result.failed]
                for start in range(0, len(rows), transport.size):
                    group = rows[start : start + transport.size]
                    pacer.wait(len(group))
                    _send_group(client, group, transport, accepted, result)
                    if result.interrupted:
                        break
        finally:
            transport.close()
            try:
                accepted.flush()
            except DatabaseError:  # left "committing": the next pass counts them as sent
                logger.exception("%s: could not mark the last emails sent", client.label)
    finally:
        _unlock(client.lock_namespace, key)
    if result.interrupted:
        # The server is unreachable: what is claimed stays claimed and goes at the next pass.
        logger.warning("%s interrupted: %s", client.label, result.interrupted)
    logger.info(
        "%s: %s sent, %s failed, %s recovered", client.label, result.sent, result.failed, result.recovered
    )
    return result


class Accepted:
    """Messages the server accepted, still "committing" in the database. They become "sent" in
    the transaction that marks the next group (or at the end of the pass): should the worker
    die first, "committing" already means "never send again" and a later pass counts them sent."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.ids: list[int] = []
        self.at = None

    def add(self, ids: list[int]) -> None:
        self.ids.extend(ids)
        self.at = timezone.now()

    def write(self) -> None:
        if self.ids:
            self.model.objects.filter(pk__in=self.ids, status=DeliveryStatus.COMMITTING).update(
                status=DeliveryStatus.SENT, sent_at=self.at
            )
            self.ids = []

    def flush(self) -> None:
        if self.ids:
            with transaction.atomic():
                _relaxed_commit()
                self.write()


def mark_committing(
    *,
    model: type[models.Model],
    token_columns: tuple[str, ...],
    recheck: tuple[str, list],
    hashes: dict[int, tuple[str, ...]],
    accepted: Accepted,
) -> set[int]:
    """One durable transaction before the dots: the last group's "sent", this group's
    "committing" with each email's token hashes. Returns the rows that may go (still claimed).

    The recipients were read at the claim, maybe minutes ago: the same statement reads them again
    (the client's `recheck`) and marks "skipped", with the reason, whoever should not get it now."""
    table = model._meta.db_table
    columns = token_columns
    hash_names = [f"h{n}" for n in range(len(columns))]
    recheck_sql, recheck_params = recheck
    unnest = ", ".join(["%s::bigint[]"] + ["%s::text[]"] * len(columns))
    set_hashes = "".join(
        f"{column} = CASE WHEN r.note IS NULL THEN v.{name} END, "
        for column, name in zip(columns, hash_names, strict=True)
    )
    with transaction.atomic():
        accepted.write()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""WITH v AS (SELECT * FROM unnest({unnest}) AS v(id{"".join(", " + n for n in hash_names)})),
                    r AS ({recheck_sql})
                    UPDATE {table} AS d SET
                        status = CASE WHEN r.note IS NULL THEN %s ELSE %s END,
                        {set_hashes}
                        error = COALESCE(r.note, d.error),
                        attempts = d.attempts + 1
                    FROM v JOIN r ON r.id = v.id
                    WHERE d.id = v.id AND d.status = %s
                    RETURNING d.id, d.status""",  # noqa: S608 (names from the models, values as parameters)
                [
                    list(hashes),
                    *([values[n] for values in hashes.values()] for n in range(len(columns))),
                    *recheck_params,
                    DeliveryStatus.COMMITTING,
                    DeliveryStatus.SKIPPED,
                    DeliveryStatus.CLAIMED,
                ],
            )
            return {pk for pk, status in cursor.fetchall() if status == DeliveryStatus.COMMITTING}


def _send_group(client: BulkClient, rows: list, transport, accepted: Accepted, result: BulkResult) -> None:
    model = client.model
    items, hashes, still_claimed = [], {}, []
    for row in rows:
        if client.gone(row):
            # No longer wanted since the claim: nothing was sent, the claim goes away.
            model.objects.filter(pk=row.pk, status=DeliveryStatus.CLAIMED).delete()
            continue
        pairs = [new_token(client.token_bytes) for _column in client.token_columns]
        hashes[row.pk] = tuple(digest for _raw, digest in pairs)
        items.append(transport.prepare(row, tuple(raw for raw, _digest in pairs)))
        still_claimed.append(row.pk)
    if not items:
        return
    try:
        transport.send(
            items, lambda ready: client.mark_committing({i.key: hashes[i.key] for i in ready}, accepted)
        )
    except TemporarySMTPError as exc:
        # Nothing of this group reached the server: its claims wait for the next pass.
        model.objects.filter(pk__in=still_claimed, status=DeliveryStatus.CLAIMED).update(
            attempts=F("attempts") + 1
        )
        result.interrupted = str(exc)
        return
    except Exception as exc:  # e.g. the database went away: stop, the next pass resumes
        logger.exception("%s, deliveries %s: unexpected error", client.label, still_claimed)
        result.interrupted = f"{type(exc).__name__}: {exc}"
        return
    accepted.add([item.key for item in items if item.accepted])
    result.sent += sum(1 for item in items if item.accepted)
    for item in items:
        if item.error:
            model.objects.filter(pk=item.key).update(status=DeliveryStatus.FAILED, error=item.error[:2000])
            result.failed += 1


def recover_committing(client: BulkClient) -> int:
    """Rows left 'committing' by a dead worker: the server may have the message; never resend,
    and say so: they are "uncertain", not "sent"."""
    return (
        client.rows()
        .filter(status=DeliveryStatus.COMMITTING)
        .update(status=DeliveryStatus.UNCERTAIN, sent_at=timezone.now(), error=str(client.uncertain_note))
    )


def _claimed_rows(client: BulkClient) -> list:
    """Rows claimed by a worker that died before the server accepted them: send them now."""
    rows = client.load(client.rows().filter(status=DeliveryStatus.CLAIMED).order_by("pk")[:BATCH])
    too_many = [row.pk for row in rows if row.attempts >= MAX_ATTEMPTS]
    if too_many:
        client.model.objects.filter(pk__in=too_many).update(status=DeliveryStatus.FAILED, error=GAVE_UP_NOTE)
    return [row for row in rows if row.attempts < MAX_ATTEMPTS]


def _claim_batch(client: BulkClient) -> list:
    with transaction.atomic():
        _relaxed_commit()
        ids = list(client.eligible().values_list("pk", flat=True)[:BATCH])
        if not ids:
            return []
        client.model.objects.bulk_create([client.new_row(pk) for pk in ids], ignore_conflicts=True)
    return client.load(
        client.rows()
        .filter(**{f"{client.recipient_field}_id__in": ids}, status=DeliveryStatus.CLAIMED)
        .order_by("pk")
    )
