"""Version tokens of sets of tables, written by PostgreSQL in the commit that changes the tables.

What a web process keeps (cops/memo.py) must never be served once its data changed, whatever
changed them: a model's save, a queryset's `.update()` or `bulk_create`, the admin, a migration,
raw SQL. Django's signals miss half of these; PostgreSQL misses none. A *watched set* is a name
and the tables its readers read:

- a statement-level trigger on each of the tables notes, once per transaction, that the set
  changed (a row in cops_datachange, and a transaction-local setting);
- at commit, a deferred trigger gives each set the transaction changed a new random token in
  cops_dataversion, in one statement and in the order of the sets' names (commits never lock two
  tokens in crossing orders). The tokens and the rows change in the same commit: a reader never
  sees a new token with the old rows. A token's row is locked from that point of the commit to
  its end only;
- `tokens(names)` reads the tokens in one query (`joined(names)`: as one key). A set that has no token yet, or that the
  reader's own transaction changed (its new token is not written before it commits; a test's
  transaction never commits), reads as None: nothing may be kept or read for it.

The sets are declared by the features that keep things: `watch(name, models)` from an app's
ready() (an event's page: actors/apps.py), and Mon espace's own (the `SPACE_MODELS` of each app's
space.py, see cops/space.py). `kept()` keeps a result per token of one set.

Tokens the application writes itself, in the transaction of a change it knows of (the directory's
index, the charter's and the committees' data, the home figures), live in the same table:
`renew(name)` writes one (one statement), `tokens()` reads them with the others. `install_triggers()` runs after every
`migrate` (post_migrate, like Django's permissions) and makes the triggers match the declarations:
a table added to a set is watched from the next deployment on, one removed is not any more.
"""

import re
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.apps import apps
from django.db import connections
from django.utils.translation import get_language

from cops.memo import ProcessMemo

T = TypeVar("T")

TRIGGER_PREFIX = "cops_watch_"
NOTE_FUNCTION = "cops_note_data_change"
SET_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")


_declared: dict[str, set[str]] = {}


def watch(name: str, labels: Iterable[str]) -> None:
    """Declare that the set `name` covers the tables of these models (from an AppConfig.ready():
    the declarations must be complete before `migrate` ends). Several apps may add to one set."""
    if not SET_NAME.fullmatch(name):
        raise ValueError(f"Watched set name {name!r}: lowercase letters, digits and underscores only.")
    _declared.setdefault(name, set()).update(labels)


_versioned: set[str] = set()


def versioned(name: str) -> None:
    """Declare a set the application renews itself (`renew`), so that it has a token from the first
    `migrate` on (a page read before any change and one read after the first must not find two
    different "no token" states). Called at import, before `migrate` ends."""
    if not SET_NAME.fullmatch(name):
        raise ValueError(f"Set name {name!r}: lowercase letters, digits and underscores only.")
    _versioned.add(name)


def versioned_names() -> tuple[str, ...]:
    return tuple(sorted(_versioned))


def watched_sets() -> dict[str, tuple[str, ...]]:
    """{set name: its tables}, from every feature that keeps things per version of its data."""
    from cops.space import space_watched_sets

    return {**{name: tables_of(labels) for name, labels in _declared.items()}, **space_watched_sets()}


def kept(name: str, key: tuple, compute: Callable[[], T], *, memo: ProcessMemo) -> T:
    """`compute()` kept in `memo` per token of the set `name` (and language); computed afresh when
    the set has no token or when this transaction changed it."""
    token = tokens([name])[name]
    if token is None:
        return compute()
    return memo.get_or_compute((name, token, get_language(), *key), compute)


def tables_of(labels: Iterable[str]) -> tuple[str, ...]:
    """The database tables of models named "app_label.ModelName" (an automatic many-to-many
    table by its model's name, e.g. "actors.User_groups")."""
    return tuple(sorted({apps.get_model(label)._meta.db_table for label in labels}))


def tokens(
    names: Iterable[str], using: str = "default", *, start: Iterable[str] = ()
) -> dict[str, str | None]:
    """{name: the set's current token}, None when nothing may be kept for it (see above). The sets
    named in `start` get a token first if they have none (so that "no token" never stands for two
    states of their data)."""
    names = sorted(set(names))
    if not names:
        return {}
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT n, v.token::text, coalesce(current_setting('cops_changed.' || n, true), '') = 'on' "
            "FROM unnest(%s::text[]) AS n LEFT JOIN cops_dataversion v ON v.name = n",
            [names],
        )
        rows = cursor.fetchall()
        start = set(start)
        missing = [name for name, token, _changed in rows if token is None and name in start]
        if missing:
            cursor.execute(
                "INSERT INTO cops_dataversion (name, token) SELECT n, gen_random_uuid() "
                "FROM unnest(%s::text[]) n ON CONFLICT (name) DO NOTHING",
                [missing],
            )
            return tokens(names, using)
        return {name: None if changed_here else token for name, token, changed_here in rows}


def renew(name: str, using: str = "default") -> None:
    """A new token for a set the application versions itself (the directory's index, the charter's
    data…): written in the current transaction, so it is read with the change it marks and never
    before it commits; a rolled-back change leaves the old token. Random, never a counter: a
    rolled-back token can never be taken for another."""
    if not SET_NAME.fullmatch(name):
        raise ValueError(f"Set name {name!r}: lowercase letters, digits and underscores only.")
    with connections[using].cursor() as cursor:
        cursor.execute(
            "INSERT INTO cops_dataversion (name, token) VALUES (%s, gen_random_uuid()) "
            "ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token",
            [name],
        )


def joined(names: Iterable[str], using: str = "default", *, start: Iterable[str] = ()) -> str:
    """The tokens of several sets as one key ("" for a set without a token), in one query."""
    names = list(names)
    found = tokens(names, using, start=start)
    return ":".join(found[name] or "" for name in names)


def install_triggers(using: str = "default", **_kwargs) -> None:
    """Make the watching triggers match `watched_sets()` (tables not created yet are skipped)."""
    connection = connections[using]
    wanted: dict[tuple[str, str], str] = {}
    for name, tables in watched_sets().items():
        for table in tables:
            wanted[(table, f"{TRIGGER_PREFIX}{name}")] = name
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regproc(%s) IS NOT NULL", [NOTE_FUNCTION])
        if not cursor.fetchone()[0]:
            return  # cops' migration that creates the function is not applied yet
        present = {
            (table, f"{TRIGGER_PREFIX}{name}")
            for name, tables in installed_triggers(using).items()
            for table in tables
        }
        quote = connection.ops.quote_name
        for table, trigger in present - set(wanted):
            cursor.execute(f"DROP TRIGGER {quote(trigger)} ON {quote(table)}")
        for (table, trigger), name in wanted.items():
            if (table, trigger) in present:
                continue
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
            if not cursor.fetchone()[0]:
                continue
            # Identifiers from the models' own table names and the sets' names ([a-z0-9_]).
            cursor.execute(
                f"CREATE TRIGGER {quote(trigger)} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {quote(table)} FOR EACH STATEMENT EXECUTE FUNCTION {NOTE_FUNCTION}('{name}')"
            )
        # A first token for a new set (watched or versioned): what is kept may be kept from now on.
        cursor.execute(
            "INSERT INTO cops_dataversion (name, token) SELECT n, gen_random_uuid() FROM unnest(%s::text[]) n "
            "ON CONFLICT (name) DO NOTHING",
            [sorted(set(wanted.values()) | _versioned)],
        )


def installed_triggers(using: str = "default") -> dict[str, set[str]]:
    """{set name: the tables PostgreSQL watches for it} (what the tests compare with the sets)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE %s AND NOT t.tgisinternal",
            [TRIGGER_PREFIX.replace("_", r"\_") + "%"],
        )
        found: dict[str, set[str]] = {}
        for table, trigger in cursor.fetchall():
            found.setdefault(trigger.removeprefix(TRIGGER_PREFIX), set()).add(table)
        return found
