"""The directory's part of the admin: editing a taxonomy label rebuilds the index.

Result cards and filters store taxonomy labels, so the actors' admin pages for them are
registered again here with a rebuild after each change (actors' admin never imports the directory).
"""

from django.contrib import admin

from actors.admin import ActorProfileAdmin, TaxonomyAdmin
from actors.models import Activity, ActorProfile, Availability, Domain, Qualification, StructureType
from directory.models import ContactMessage, Resource
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


@admin.register(ContactMessage)
class ContactMessageAdmin(admin.ModelAdmin):
    """Read-only: messages are written by the relay's services, and the team handles abuse reports
    on its own page (directory:abuse_reports)."""

    list_display = ("created_at", "sender_name", "recipient", "purpose", "replied_at", "abuse_reported_at")
    list_filter = (
        "purpose",
        ("replied_at", admin.EmptyFieldListFilter),
        ("abuse_reported_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("sender_name", "sender_email")
    date_hierarchy = "created_at"
    list_select_related = ("person", "structure")
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    """A back-office view of the library. Proposals are moderated on their own page
    (directory:resource_moderation), which emails the proposer and refreshes the search vector:
    edits made here do not, hence read-only."""

    list_display = ("title", "kind", "audience", "status", "published_on", "download_count", "proposed_by")
    list_filter = ("status", "kind", "audience", "licence")
    search_fields = ("title", "summary", "slug")
    date_hierarchy = "created_at"
    list_select_related = ("proposed_by", "author_structure")
    exclude = ("search",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
