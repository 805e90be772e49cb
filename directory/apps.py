from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _

from actors.signals import charter_signatures_changed

# Word similarity from which a misspelt name still matches ("Garsia" finds "Garcia"); the
# pg_trgm default (0.6) misses one-letter typos in short names. Set per connection so that the
# `%>` operator keeps using the trigram indexes.
WORD_SIMILARITY_THRESHOLD = 0.4


def _set_trigram_threshold(sender, connection, **kwargs):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET pg_trgm.word_similarity_threshold = %s", [WORD_SIMILARITY_THRESHOLD])


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Annuaire")

    def ready(self):
        # Not at the top: directory.signals imports models, which only load once the registry is ready.
        from directory.signals import reindex_charter_signatories

        connection_created.connect(_set_trigram_threshold, dispatch_uid="directory.trigram_threshold")
        charter_signatures_changed.connect(
            reindex_charter_signatories, dispatch_uid="directory.reindex_charter_signatories"
        )
