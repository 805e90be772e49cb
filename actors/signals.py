"""Signals the actors app sends, and the version token of the charter's public aggregates.

Apps that stand on actors subscribe in their AppConfig.ready(); actors never imports them
(e.g. directory/apps.py reindexes the charter's signatories)."""

import uuid

from django.core.cache import caches
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

# The standing charter signatures of these actors changed: one signed or withdrew, or a newer
# version was published. Sent after commit, with `kind` (actors.enums.ActorKind) and `actor_ids`
# (sorted, distinct primary keys of persons or structures).
charter_signatures_changed = Signal()


# --- Version token of the charter's public aggregates ----------------------------------------------------
# The signatories list, the statistics and the home figure are computed once per version of their
# data and kept (actors.selectors.charter.remembered). The token is a random value in the shared
# cache (a PostgreSQL table): written in the same transaction as the change, so a rolled-back
# change never stands, and read once per request by every web process.

CHARTER_VERSION_KEY = "actors:charter-version"
# What the lists show of a person or structure (name, visibility, moderation, profiles, domains,
# territories, commune) is changed by the directory, which reindexes the actor's entry and writes
# a new index token under this key (directory.facets.VERSION_KEY; a test keeps the two names
# equal). Actors must not import the directory, so the key is named here.
DIRECTORY_VERSION_KEY = "directory:index-version"


def charter_data_changed(**kwargs) -> None:
    """Signatures, versions or signatories changed: every cached charter aggregate is stale.
    A random token (not a counter) so that a rolled-back change is never mistaken for another."""
    caches["shared"].set(CHARTER_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def charter_data_version() -> str:
    """The current token of the charter's data (one query)."""
    values = caches["shared"].get_many([CHARTER_VERSION_KEY, DIRECTORY_VERSION_KEY])
    charter = values.get(CHARTER_VERSION_KEY)
    if charter is None:
        # No token yet (new database, cache table emptied): start one, so that "no token" never
        # stands for two different states of the data.
        charter = uuid.uuid4().hex
        if not caches["shared"].add(CHARTER_VERSION_KEY, charter, timeout=None):
            charter = caches["shared"].get(CHARTER_VERSION_KEY, charter)
    return f"{charter}:{values.get(DIRECTORY_VERSION_KEY, '')}"


# Every save of what the lists and statistics show bumps the token, in the saving transaction: the
# services' writes and those that bypass them (the Django admin, a taxonomy label renamed). Queryset
# updates and bulk writes send nothing: the services that use them call charter_data_changed().
# Lazy senders ("app.Model"): this module is imported before the models are ready (directory/apps.py).
CHARTER_DATA_MODELS = (
    "actors.CharterVersion",
    "actors.Signature",
    "actors.Person",
    "actors.Structure",
    "actors.ActorProfile",
    "actors.Domain",
    "actors.StructureType",
    "actors.Commune",
)
for _model in CHARTER_DATA_MODELS:
    post_save.connect(charter_data_changed, sender=_model, dispatch_uid=f"charter_data_changed.save.{_model}")
    post_delete.connect(
        charter_data_changed, sender=_model, dispatch_uid=f"charter_data_changed.delete.{_model}"
    )
