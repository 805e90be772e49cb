"""The test database: kept between runs, and put back to its migrated state cheaply.

- **Kept between runs** (`--reuse-db`), and recreated when it cannot be trusted: its PostgreSQL
  comment records the fingerprint of the migrations it was built from and whether the last run
  ended cleanly. Another fingerprint (a migration added, edited or removed, another Django) or a
  run that stopped half-way means a new database.
- **Cheap to restore.** Migrations fill some tables (roles, taxonomies, the 4,446 communes,
  committees, questionnaires, frameworks, content types…). Django's flush after a transactional
  test empties all ~150 tables and the reference data had to be loaded again (0.8 s a test). Here
  the migrated rows are copied once per run into memory (COPY, binary); after a transactional test
  only the tables that hold rows are emptied, and only the migrated tables whose rows changed are
  copied back: tens of milliseconds.
- **Big fixtures built once.** A module whose transactional tests all need the same large data set
  (the demo site, for the browser checks) builds it once, then `keep()` makes it the state that
  each of its tests ends by going back to.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

ROOT = Path(__file__).resolve().parents[1]


def migrations_fingerprint() -> str:
    """What the schema and the migrated rows are made of: every migration file, Django's version,
    the watched tables."""
    from cops.dataversions import versioned_names, watched_sets

    digest = hashlib.sha256(django.get_version().encode())
    for config in sorted(apps.get_app_configs(), key=lambda config: config.label):
        folder = Path(config.path) / "migrations"
        for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
            digest.update(f"{config.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    # The watching triggers and the first tokens follow the declarations after migrate
    # (cops/dataversions.py).
    digest.update(repr((sorted(watched_sets().items()), versioned_names())).encode())
    return digest.hexdigest()[:32]


def _test_database_name() -> str:
    db = settings.DATABASES["default"]
    return db.get("TEST", {}).get("NAME") or f"test_{db['NAME']}"


def _maintenance_connection():
    import psycopg

    db = settings.DATABASES["default"]
    params = {"dbname": "postgres", "user": db["USER"], "password": db["PASSWORD"], "host": db["HOST"]}
    params["port"] = db["PORT"]
    return psycopg.connect(**{key: value for key, value in params.items() if value}, autocommit=True)


def is_reusable(fingerprint: str) -> bool:
    """The test database exists, was built from these migrations, and its last run ended cleanly."""
    with _maintenance_connection() as maintenance:
        row = maintenance.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [_test_database_name()],
        ).fetchone()
    return row is not None and row[0] == f"clean {fingerprint}"


def mark(state: str, fingerprint: str) -> None:
    """Record on the database whether a run is going on ("running") or ended cleanly ("clean")."""
    assert state in {"running", "clean"}
    name = connection.ops.quote_name(connection.settings_dict["NAME"])
    with connection.cursor() as cursor:
        # A utility statement takes no parameters: both parts are our own [a-z0-9 ] text.
        cursor.execute(f"COMMENT ON DATABASE {name} IS '{state} {fingerprint}'")


@dataclass
class Snapshot:
    """The rows of every table that holds some right after the migrations, as binary COPY data."""

    rows: dict[str, bytes] = field(default_factory=dict)
    signatures: dict[str, tuple] = field(default_factory=dict)
    tables: list[str] = field(default_factory=list)

    @classmethod
    def take(cls) -> Snapshot:
        snapshot = cls(tables=connection.introspection.django_table_names(only_existing=True))
        with connection.cursor() as cursor:
            for table in snapshot._non_empty(cursor):
                with cursor.cursor.copy(
                    f"COPY {connection.ops.quote_name(table)} TO STDOUT (FORMAT binary)"
                ) as copy:
                    snapshot.rows[table] = b"".join(bytes(chunk) for chunk in copy)
            snapshot.signatures = snapshot._signatures(cursor)
        return snapshot

    def _non_empty(self, cursor) -> list[str]:
        quote = connection.ops.quote_name
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quote(table)})" for table in self.tables
            ),
            self.tables,
        )
        return [row[0] for row in cursor.fetchall()]

    def _signatures(self, cursor) -> dict[str, tuple]:
        """Per migrated table, its row count and newest row version: any insert, update or delete
        changes one of them (xmin only grows within a run)."""
        quote = connection.ops.quote_name
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT %s, count(*), max(xmin::text::bigint) FROM {quote(table)}" for table in self.rows
            ),
            list(self.rows),
        )
        return {table: (count, newest) for table, count, newest in cursor.fetchall()}

    def restore(self) -> None:
        """Empty what a test wrote and copy back the migrated rows it changed, in one transaction
        (foreign keys are deferred, so the order of the tables does not matter)."""
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            changed = [
                table
                for table, signature in self._signatures(cursor).items()
                if self.signatures[table] != signature
            ]
            written = [table for table in self._non_empty(cursor) if table not in self.rows]
            if not changed and not written:
                return
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in [*written, *changed]:
                cursor.execute(f"DELETE FROM {quote(table)}")
            for table in changed:
                with cursor.cursor.copy(f"COPY {quote(table)} FROM STDIN (FORMAT binary)") as copy:
                    copy.write(self.rows[table])
            self.signatures.update(self._signatures(cursor))


# The state transactional tests go back to: the migrated rows, or a data set a module keeps.
_states: list[Snapshot] = []


def current() -> Snapshot:
    return _states[-1]


def keep(snapshot: Snapshot) -> None:
    """Put the database in `snapshot`'s state; transactional tests end by going back to it."""
    snapshot.restore()
    _states.append(snapshot)


def release(snapshot: Snapshot) -> None:
    """Stop keeping `snapshot`: back to the state kept before it."""
    assert _states.pop() is snapshot
    if _states:
        current().restore()
