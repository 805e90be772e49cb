from django.contrib import admin

from cops.models import OutgoingEmail, ReportJob


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "template", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = ["template", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "to"]
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "requested_by", "status", "created_at", "finished_at", "attempts"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "kind", "requested_by__email"]
    list_select_related = ["requested_by"]
    # The file lives in private storage, which has no URL to link to: it is downloaded from the
    # job's page (report_download checks who asks), never from the admin.
    exclude = ["file"]
    readonly_fields = [f.name for f in ReportJob._meta.fields if f.name != "file"]

    def has_add_permission(self, request):
        # Jobs are created by report_request(), which checks who may ask for what.
        return False
