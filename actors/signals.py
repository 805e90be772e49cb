"""Signals the actors app sends, and the version token of the charter's public aggregates.

Apps that stand on actors subscribe in their AppConfig.ready(); actors never imports them
(e.g. directory/apps.py reindexes the charter's signatories)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

from cops import dataversions

# The standing charter signatures of these actors changed: one signed or withdrew, or a newer
# version was published. Sent after commit, with `kind` (actors.enums.ActorKind) and `actor_ids`
# (sorted, distinct primary keys of persons or structures).
charter_signatures_changed = Signal()


# --- Version token of the charter's public aggregates ----------------------------------------------------
# The signatories list, the statistics and the home figure are computed once per version of their
# data and kept (actors.selectors.charter.remembered). The token is a random value in
# cops_dataversion (cops.dataversions.renew): written in the same transaction as the change, so a
# rolled-back change never stands, and read once per request by every web process.

CHARTER_VERSION_NAME = "charter_data"
# What the lists show of a person or structure (name, visibility, moderation, profiles, domains,
# territories, commune) is changed by the directory, which reindexes the actor's entry and writes
# a new index token under this name (directory.facets.VERSION_NAME; a test keeps the two names
# equal). Actors must not import the directory, so the name is written here.
DIRECTORY_VERSION_NAME = "directory_index"
dataversions.versioned(CHARTER_VERSION_NAME)


def charter_data_changed(**kwargs) -> None:
    """Signatures, versions or signatories changed: every cached charter aggregate is stale."""
    dataversions.renew(CHARTER_VERSION_NAME)


def charter_data_version() -> str:
    """The current token of the charter's data and of the directory's index (one query; the
    charter's is started if there is none yet)."""
    found = dataversions.tokens([CHARTER_VERSION_NAME, DIRECTORY_VERSION_NAME], start=[CHARTER_VERSION_NAME])
    return f"{found[CHARTER_VERSION_NAME]}:{found[DIRECTORY_VERSION_NAME] or ''}"


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
