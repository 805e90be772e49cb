"""The directory's part of the admin: editing a taxonomy label rebuilds the index.

Result cards and filters store taxonomy labels, so the actors' admin pages for them are
registered again here with a rebuild after each change (actors' admin never imports the directory).
"""

from django.contrib import admin

from actors.admin import ActorProfileAdmin, TaxonomyAdmin
from actors.models import Activity, ActorProfile, Availability, Domain, Qualification, StructureType
from directory.tasks import rebuild_index

TAXONOMIES = [Domain, StructureType, Qualification, Activity, Availability]


class ReindexOnChangeMixin:
    """Rebuild the directory index after the change is committed."""

    def _queue_reindex(self):
        rebuild_index.enqueue()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._queue_reindex()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._queue_reindex()


class IndexedActorProfileAdmin(ReindexOnChangeMixin, ActorProfileAdmin):
    pass


class IndexedTaxonomyAdmin(ReindexOnChangeMixin, TaxonomyAdmin):
    pass


# Importing actors.admin above registered the plain pages: replace them.
admin.site.unregister([ActorProfile, *TAXONOMIES])
admin.site.register(ActorProfile, IndexedActorProfileAdmin)
admin.site.register(TAXONOMIES, IndexedTaxonomyAdmin)
