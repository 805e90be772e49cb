"""Signals the actors app sends. Apps that stand on actors subscribe in their AppConfig.ready();
actors never imports them (e.g. directory/apps.py reindexes the charter's signatories)."""

from django.dispatch import Signal

# The standing charter signatures of these actors changed: one signed or withdrew, or a newer
# version was published. Sent after commit, with `kind` (actors.enums.ActorKind) and `actor_ids`
# (sorted, distinct primary keys of persons or structures).
charter_signatures_changed = Signal()
