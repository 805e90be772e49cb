"""The public agenda (/agenda/), an event's page and registration, personal links, and the staff's
event management (/agenda/gestion/)."""

from django.urls import path, register_converter

from actors.events import staff_views, views, views_contributors, views_messages
from actors.events.urls_attendance import attendance_urlpatterns


class MonthConverter:
    """« 2026-06 » in the month view's address, as (year, month)."""

    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> tuple[int, int]:
        year, month = value.split("-")
        return int(year), int(month)

    def to_url(self, value) -> str:
        if isinstance(value, str):
            return value
        year, month = value
        return f"{int(year):04d}-{int(month):02d}"


register_converter(MonthConverter, "yyyymm")

app_name = "events"

urlpatterns = [
    path("", views.agenda, name="agenda"),
    path("mois/<yyyymm:month>/", views.month, name="month"),
    path("passes/", views.past, name="past"),
    path("agenda.ics", views.feed, name="feed"),
    # Personal links of a registration (emailed; the token is a secret)
    path("inscription/<str:token>/confirmer/", views.confirm, name="confirm"),
    path("inscription/<str:token>/", views.manage, name="manage"),
    path("inscription/<str:token>/agenda.ics", views.manage_ics, name="manage_ics"),
    # A person's answer to the invitation to appear as organiser or speaker (signed in)
    path("intervention/<int:pk>/", views_contributors.contributor_answer, name="contributor_answer"),
    # Staff
    path("gestion/", staff_views.event_list, name="staff_list"),
    path("gestion/nouveau/", staff_views.event_edit, name="staff_create"),
    path("gestion/<int:pk>/", staff_views.event_edit, name="staff_edit"),
    path("gestion/<int:pk>/publier/", staff_views.event_publish, name="staff_publish"),
    path("gestion/<int:pk>/cloturer/", staff_views.event_close, name="staff_close"),
    path("gestion/<int:pk>/annuler/", staff_views.event_cancel, name="staff_cancel"),
    path("gestion/<int:pk>/dupliquer/", staff_views.event_duplicate, name="staff_duplicate"),
    path("gestion/<int:pk>/documents/", staff_views.event_documents, name="staff_documents"),
    path(
        "gestion/<int:pk>/documents/<int:document_pk>/retirer/",
        staff_views.event_document_remove,
        name="staff_document_remove",
    ),
    path("gestion/<int:pk>/intervenants/", staff_views.event_contributors, name="staff_contributors"),
    path(
        "gestion/<int:pk>/intervenants/<int:contributor_pk>/retirer/",
        staff_views.event_contributor_remove,
        name="staff_contributor_remove",
    ),
    path("gestion/<int:pk>/inscriptions/", staff_views.event_registrations, name="staff_registrations"),
    path(
        "gestion/<int:pk>/inscriptions/export.<str:fmt>",
        staff_views.event_registrations_export,
        name="staff_export",
    ),
    path("gestion/<int:pk>/messages/", views_messages.event_messages_page, name="staff_messages"),
    # Attendance: check-in list, the QR code's page, certificates (actors/events/attendance.py)
    *attendance_urlpatterns,
    # An event's page (last: a slug must not shadow the pages above)
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/inscription/", views.register, name="register"),
    path("<slug:slug>/inscription/resultat/", views.registered, name="registered"),
    path("<slug:slug>/agenda.ics", views.event_ics, name="event_ics"),
    path("<slug:slug>/documents/<int:pk>/", views.document, name="document"),
]
