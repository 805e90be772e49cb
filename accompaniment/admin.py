from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from accompaniment.models import (
    Accompaniment,
    Evaluation,
    Participant,
    Phase,
    PhaseDefinition,
    PhaseTemplate,
    PhaseTransition,
    RequestDecision,
    SupportRequest,
)
from accompaniment.requirements import REQUIREMENTS


class PhaseDefinitionInline(admin.StackedInline):
    model = PhaseDefinition
    extra = 0
    fields = ["position", "code", "name", "short_name", "description", "kind", "requirements"]


@admin.register(PhaseTemplate)
class PhaseTemplateAdmin(admin.ModelAdmin):
    """The phase templates are data: admins edit names, phases and the content each phase requires."""

    list_display = ["name", "code", "is_default", "is_active", "position", "impact_delay_months"]
    list_editable = ["is_active", "position"]
    inlines = [PhaseDefinitionInline]
    readonly_fields = ["requirement_codes"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "code",
                    "description",
                    "is_default",
                    "is_active",
                    "position",
                    "impact_delay_months",
                ]
            },
        ),
        (_("Codes du contenu requis pour clôturer une phase"), {"fields": ["requirement_codes"]}),
    ]

    @admin.display(description=_("codes disponibles"))
    def requirement_codes(self, obj):
        return format_html_join(
            "", "<p><code>{}</code> : {}</p>", ((code, r.label) for code, r in sorted(REQUIREMENTS.items()))
        )


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    fields = ["position", "name", "status", "started_on", "ended_on"]
    readonly_fields = fields
    can_delete = False


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    fields = ["first_name", "last_name", "email", "side", "function"]


@admin.register(Accompaniment)
class AccompanimentAdmin(admin.ModelAdmin):
    list_display = ["title", "structure", "template", "status", "current_phase", "created_at"]
    list_filter = ["status", "template", "support_type"]
    search_fields = ["title", "structure__name"]
    list_select_related = ["structure", "template", "current_phase"]
    raw_id_fields = ["structure", "request", "professional_lead", "patient_partner_lead", "created_by"]
    readonly_fields = ["current_phase", "status", "completed_at", "convention_uploaded_at"]
    exclude = ["convention_file"]
    inlines = [ParticipantInline, PhaseInline]


class RequestDecisionInline(admin.TabularInline):
    model = RequestDecision
    extra = 0
    fields = ["outcome", "reason", "decided_on", "copil_meeting", "recorded_by"]
    readonly_fields = fields
    can_delete = False


@admin.register(SupportRequest)
class SupportRequestAdmin(admin.ModelAdmin):
    list_display = ["title", "structure", "support_type", "status", "submitted_at"]
    list_filter = ["status", "support_type"]
    search_fields = ["title", "structure__name", "contact_name"]
    list_select_related = ["structure"]
    raw_id_fields = ["structure", "requested_by"]
    readonly_fields = ["status", "submitted_at"]
    inlines = [RequestDecisionInline]


@admin.register(PhaseTransition)
class PhaseTransitionAdmin(admin.ModelAdmin):
    list_display = ["accompaniment", "phase", "kind", "by", "at"]
    list_filter = ["kind"]
    list_select_related = ["accompaniment", "phase", "by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["accompaniment", "kind", "scheduled_for", "launched_at", "answer_by"]
    list_filter = ["kind"]
    list_select_related = ["accompaniment"]
    readonly_fields = ["launched_at", "questions"]
    raw_id_fields = ["accompaniment", "phase", "created_by"]
