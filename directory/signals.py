"""The directory's receivers of other apps' signals, connected in DirectoryConfig.ready()."""

from actors.enums import ActorKind
from directory.indexing import index_persons, index_structures


def reindex_charter_signatories(sender, *, kind: str, actor_ids: list[int], **kwargs) -> None:
    """actors.signals.charter_signatures_changed: refresh the "engagé(e) dans la charte COPS" tag
    and badge of these actors' entries (sent after commit; from a task after a version is published)."""
    index = index_persons if kind == ActorKind.PERSON else index_structures
    index(actor_ids)
