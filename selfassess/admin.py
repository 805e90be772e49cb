"""Admins edit frameworks here; an answered framework is read-only and gets new versions instead.

Individual ratings are deliberately not registered: nobody, admins included, reads who gave
which score through the platform.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from selfassess.models import AssessmentSession, Criterion, Framework, Participant, Sector
from selfassess.services import framework_is_answered, framework_new_version


def _locked(framework) -> bool:
    return bool(isinstance(framework, Framework) and framework.pk and framework_is_answered(framework))


class FrameworkLockedInlineMixin:
    """Sectors and criteria of an answered framework are shown, never changed."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _locked(obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not _locked(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _locked(obj)


class SectorInline(FrameworkLockedInlineMixin, admin.TabularInline):
    model = Sector
    extra = 0
    fields = ["name", "position"]


class CriterionInline(FrameworkLockedInlineMixin, admin.StackedInline):
    model = Criterion
    extra = 0
    fields = [("sector", "position"), ("code", "short_label"), "text", "text_professional", "text_user"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "sector":
            # Only this framework's sectors; a new framework saves its sectors first.
            object_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = (
                Sector.objects.filter(framework_id=object_id) if object_id else Sector.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "slug", "is_active", "session_count"]
    list_filter = ["is_active", "slug"]
    search_fields = ["name", "slug"]
    inlines = [SectorInline, CriterionInline]
    change_form_template = "selfassess/admin/framework_change_form.html"
    fieldsets = [
        (None, {"fields": ["name", ("slug", "version"), "is_active", "description"]}),
        (
            gettext_lazy("Échelle de 0 à 4"),
            {"fields": ["label_0", "label_1", "label_2", "label_3", "label_4"]},
        ),
        (
            gettext_lazy("Consignes"),
            {"fields": ["guidance_professional", "guidance_user", "guidance_joint"]},
        ),
    ]

    # Retiring an answered version from new sessions changes no words: it stays possible.
    unlocked_fields = {"is_active"}

    def get_readonly_fields(self, request, obj=None):
        if _locked(obj):
            return [name for name in flatten_fieldsets(self.fieldsets) if name not in self.unlocked_fields]
        return []

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.sessions.exists())

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(session_total=Count("sessions"))

    @admin.display(description=gettext_lazy("séances"), ordering="session_total")
    def session_count(self, obj) -> int:
        return obj.session_total

    def get_urls(self):
        return [
            path(
                "<int:object_id>/nouvelle-version/",
                self.admin_site.admin_view(self.new_version_view),
                name="selfassess_framework_new_version",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        framework = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "framework_locked": _locked(framework),
            "new_version_url": reverse("admin:selfassess_framework_new_version", args=[object_id]),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def new_version_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        framework = get_object_or_404(Framework, pk=object_id)
        copy = framework_new_version(framework=framework)
        messages.success(
            request,
            _(
                "La version %(version)s a été créée, non proposée pour l'instant : modifiez-la, "
                "puis cochez « proposé pour les nouvelles séances »."
            )
            % {"version": copy.version},
        )
        return redirect("admin:selfassess_framework_change", copy.pk)

    def save_model(self, request, obj, form, change):
        # Belt and braces: an answer may have arrived after the form was displayed.
        if change and _locked(obj) and set(form.changed_data) - self.unlocked_fields:
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if change and _locked(form.instance) and formset.has_changed():
            raise PermissionDenied
        super().save_formset(request, form, formset, change)


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    fields = ["name", "email", "side", "invited_at", "last_seen_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AssessmentSession)
class AssessmentSessionAdmin(admin.ModelAdmin):
    list_display = ["title", "framework", "facilitator", "step", "held_on", "group_label"]
    list_filter = ["step", "framework"]
    search_fields = ["title", "group_label", "facilitator__email"]
    list_select_related = ["framework", "facilitator"]
    raw_id_fields = ["facilitator", "structure"]
    readonly_fields = ["framework", "step", "created_at", "individual_closed_at", "closed_at"]
    inlines = [ParticipantInline]
