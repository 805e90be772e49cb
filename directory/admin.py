"""The directory's part of the admin: editing a taxonomy label rebuilds the index.

Result cards and filters store taxonomy labels, so the actors' admin pages for them are
registered again here with a rebuild after each change (actors' admin never imports the directory).
"""

from django.contrib import admin

from actors.admin import ActorProfileAdmin, TaxonomyAdmin
from actors.models import Activity, ActorProfile, Availability, Domain, Qualification, StructureType
from directory.models import ContactMessage, Project, ProjectDocument, ProjectPerson, Resource
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


# --- Projects -----------------------------------------------------------------------------------------------


class ProjectPersonInline(admin.TabularInline):
    model = ProjectPerson
    extra = 0
    fields = ("person", "role", "status", "invited_by", "invited_at", "responded_at")
    readonly_fields = fields  # a person appears only through their own answer (consent)
    can_delete = True

    def has_add_permission(self, request, obj=None):
        return False


class ProjectDocumentInline(admin.TabularInline):
    model = ProjectDocument
    extra = 0
    fields = ("kind", "title", "file_format", "file_size", "approved", "added_by", "added_at")
    readonly_fields = ("file_format", "file_size", "added_by", "added_at")

    def has_add_permission(self, request, obj=None):
        return False  # uploads go through the project page (content checked there)


@admin.register(Project)
class ProjectAdmin(ReindexOnChangeMixin, admin.ModelAdmin):
    """A back-office view of project sheets. Submissions are moderated in the directory's queue
    (directory:moderation_queue), which emails the author: use it for decisions."""

    list_display = (
        "title",
        "main_structure",
        "state",
        "status",
        "revision_status",
        "created_by",
        "updated_at",
    )
    list_filter = ("status", "state", "revision_status", "zone")
    search_fields = ("title", "slug", "summary", "main_structure__name")
    list_select_related = ("main_structure", "created_by")
    autocomplete_fields = ("main_structure", "structures")
    filter_horizontal = ("domains", "practices", "territories")
    raw_id_fields = ("communes", "accompaniment", "created_by", "moderated_by")
    readonly_fields = (
        "revision",
        "revision_status",
        "consent_at",
        "consent_version",
        "created_at",
        "updated_at",
    )
    inlines = [ProjectPersonInline, ProjectDocumentInline]

    def has_add_permission(self, request):
        return False  # created on the site, by a member of the carrying structure
