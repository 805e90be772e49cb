"""Attendance: the staff's check-in list, the QR code's page, the certificates of attendance.
Appended to actors/events/urls.py (app namespace « events », under /agenda/)."""

from django.urls import path

from actors.events import attendance

attendance_urlpatterns = [
    path("gestion/<int:pk>/presences/", attendance.checkin_list, name="checkin_list"),
    path("gestion/<int:pk>/presences/<int:participant_pk>/", attendance.checkin, name="checkin"),
    path(
        "gestion/<int:pk>/presences/<int:participant_pk>/attestation.pdf",
        attendance.certificate_staff,
        name="certificate_staff",
    ),
    # The QR code of the confirmation email (a personal secret; staff only)
    path("arrivee/<str:token>/", attendance.checkin_scan, name="checkin_scan"),
    path("inscription/<str:token>/attestation.pdf", attendance.certificate, name="certificate"),
]
