from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from actors.models import (
    Activity,
    ActorProfile,
    Availability,
    Commune,
    Departement,
    Domain,
    Membership,
    Person,
    Qualification,
    Structure,
    StructureType,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "email_verified_at", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups"]
    search_fields = ["email", "first_name", "last_name"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Identité"), {"fields": ["first_name", "last_name"]}),
        (_("Droits"), {"fields": ["is_active", "email_verified_at", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "zone"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["insee_code", "name", "departement", "population"]
    list_filter = ["departement"]
    search_fields = ["name", "insee_code", "postal_codes"]


# directory/admin.py extends the next two (their labels are copied into its index).


@admin.register(ActorProfile)
class ActorProfileAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "side", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["side"]


@admin.register(Domain, StructureType, Qualification, Activity, Availability)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "position", "is_active"]
    list_editable = ["position", "is_active"]


# --- Directory profiles (moderation happens in the staff pages; the admin is for corrections) ---


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["structure"]
    fields = ["structure", "function", "is_referent", "status"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "commune", "status", "revision_status", "published_at"]
    list_filter = ["status", "revision_status", "zone"]
    search_fields = ["first_name", "last_name", "email", "user__email"]
    autocomplete_fields = ["user", "commune"]
    filter_horizontal = [
        "profiles",
        "domains",
        "territories",
        "qualifications",
        "activities",
        "availabilities",
    ]
    readonly_fields = ["created_at", "updated_at", "submitted_at", "published_at", "moderated_at", "revision"]
    inlines = [MembershipInline]


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ["name", "structure_type", "commune", "status", "revision_status"]
    list_filter = ["status", "revision_status", "structure_type", "zone"]
    search_fields = ["name", "acronym", "siret", "finess"]
    autocomplete_fields = ["commune", "created_by"]
    filter_horizontal = ["domains", "territories"]
    readonly_fields = ["created_at", "updated_at", "submitted_at", "published_at", "moderated_at", "revision"]


# --- Charter and committees (issue 4) ------------------------------------------------------------
# The staff work in /charte/gestion/ and /comites/gestion/; the admin is for corrections and support.

from actors.models import (  # noqa: E402
    CharterVersion,
    Committee,
    CompositionValidation,
    Decision,
    Mandate,
    Meeting,
    MeetingParticipant,
    RenewalInvitation,
    Signature,
)


@admin.register(CharterVersion)
class CharterVersionAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "valid_from", "valid_until", "published_at"]
    readonly_fields = ["created_at", "published_at", "published_by"]


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "version", "signer_name", "signed_at", "withdrawn_at"]
    list_filter = ["version", "kind", ("withdrawn_at", admin.EmptyFieldListFilter)]
    search_fields = ["person__last_name", "person__first_name", "structure__name", "signer_name"]
    raw_id_fields = ["person", "structure", "signed_by", "withdrawn_by"]
    readonly_fields = ["signed_at"]


@admin.register(RenewalInvitation)
class RenewalInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "version", "created_at", "sent_at"]
    list_filter = ["version", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["email"]
    raw_id_fields = ["user", "signatures"]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["short_name", "name", "kind", "meetings_per_year", "is_active", "position"]
    list_editable = ["is_active", "position"]
    prepopulated_fields = {"slug": ["short_name"]}


@admin.register(Mandate)
class MandateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "committee", "side", "binome", "start_date", "end_date", "validation"]
    list_filter = ["committee", "side"]
    search_fields = ["person__last_name", "structure__name"]
    raw_id_fields = ["person", "structure", "binome", "validation", "created_by"]


@admin.register(CompositionValidation)
class CompositionValidationAdmin(admin.ModelAdmin):
    list_display = ["committee", "meeting", "validated_on", "recorded_by"]


class MeetingParticipantInline(admin.TabularInline):
    model = MeetingParticipant
    extra = 0
    raw_id_fields = ["person", "user"]
    # The answer is the participant's own: the admin reads it, the answer links write it.
    readonly_fields = ["response", "responded_at", "invitation_sent_at", "reminder_sent_at"]


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0
    fields = ["position", "text", "follow_up", "follow_up_note"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "committee", "starts_at", "status", "minutes_approved_at"]
    list_filter = ["committee", "status"]
    search_fields = ["title"]
    date_hierarchy = "starts_at"
    inlines = [MeetingParticipantInline, DecisionInline]


# --- News and the newsletter's subscriptions ----------------------------------------------------------

from actors.models import NewsItem, NewsletterSubscription, NewsletterTopic  # noqa: E402


@admin.register(NewsletterTopic)
class NewsletterTopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    ordering = ["position", "name"]


@admin.register(NewsItem)
class NewsItemAdmin(admin.ModelAdmin):
    # Written and published from /equipe/actualites/ (image checks, links); the admin reads and fixes.
    list_display = ["title", "published_at", "author", "updated_at"]
    search_fields = ["title", "summary"]
    date_hierarchy = "created_at"
    raw_id_fields = ["author", "events"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(NewsletterSubscription)
class NewsletterSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "status", "source", "created_at", "consented_at", "unsubscribed_at"]
    list_filter = ["status", "source", "topics"]
    search_fields = ["email"]
    raw_id_fields = ["user"]
    # The consent is the subscriber's own act (a confirmed link, a click in Mon espace): the admin
    # reads it, never writes it; nobody is subscribed by hand.
    readonly_fields = [
        "email",
        "user",
        "status",
        "source",
        "created_at",
        "confirmation_sent_at",
        "consented_at",
        "unsubscribed_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False
