"""The charter (/charte/) and the committees (/comites/), included at the site's root."""

from django.urls import path

from actors.views import charter, committees

app_name = "charter"

urlpatterns = [
    # The charter
    path("charte/", charter.charter, name="charter"),
    path("charte/<int:year>/", charter.charter_version, name="version"),
    path("charte/signer/", charter.sign, name="sign"),
    path("charte/signatures/<int:pk>/retirer/", charter.withdraw, name="withdraw"),
    path("charte/signataires/", charter.signatories, name="signatories"),
    path("charte/signataires/export/<str:fmt>/", charter.export, name="export"),
    path("charte/statistiques/", charter.statistics, name="statistics"),
    path("charte/gestion/", charter.manage, name="manage"),
    path("charte/gestion/versions/nouvelle/", charter.version_edit, name="version_create"),
    path("charte/gestion/versions/<int:pk>/", charter.version_edit, name="version_edit"),
    path("charte/gestion/versions/<int:pk>/publier/", charter.version_publish, name="version_publish"),
    path("charte/gestion/rapport-annuel/", charter.annual_report, name="annual_report"),
    # The committees
    path("comites/", committees.committees, name="committees"),
    path("comites/copil/", committees.copil, name="copil"),
    path("comites/mes-reunions/", committees.my_meetings, name="my_meetings"),
    path("comites/decisions/", committees.decisions, name="decisions"),
    path("comites/invitation/<str:token>/", committees.meeting_answer, name="meeting_answer"),
    path("comites/gestion/", committees.manage, name="committees_manage"),
    path("comites/gestion/mandats/<int:pk>/", committees.mandate_edit, name="mandate_edit"),
    path("comites/gestion/<slug:slug>/", committees.committee_manage, name="committee_manage"),
    path("comites/gestion/<slug:slug>/binomes/nouveau/", committees.binome_create, name="binome_create"),
    path("comites/gestion/<slug:slug>/mandats/nouveau/", committees.mandate_create, name="mandate_create"),
    path(
        "comites/gestion/<slug:slug>/validation/",
        committees.composition_validate,
        name="composition_validate",
    ),
    path("comites/gestion/<slug:slug>/reunions/nouvelle/", committees.meeting_create, name="meeting_create"),
    path("comites/reunions/<int:pk>/", committees.meeting_detail, name="meeting_detail"),
    path("comites/reunions/<int:pk>/invitation.ics", committees.meeting_ics, name="meeting_ics"),
    path("comites/reunions/<int:pk>/modifier/", committees.meeting_edit, name="meeting_edit"),
    path("comites/reunions/<int:pk>/inviter/", committees.meeting_invite, name="meeting_invite"),
    path("comites/reunions/<int:pk>/participants/", committees.participant_add, name="participant_add"),
    path("comites/reunions/<int:pk>/annuler/", committees.meeting_cancel, name="meeting_cancel"),
    path("comites/reunions/<int:pk>/presences/", committees.meeting_attendance, name="meeting_attendance"),
    path("comites/reunions/<int:pk>/compte-rendu/", committees.meeting_minutes, name="meeting_minutes"),
    path("comites/reunions/<int:pk>/reponse/", committees.meeting_respond, name="meeting_respond"),
    path("comites/decisions/<int:pk>/suivi/", committees.decision_follow_up, name="decision_follow_up"),
    # Last: a committee's slug must not shadow the pages above (the CoPil's own page is charter:copil).
    path("comites/<slug:slug>/", committees.committee_detail, name="committee_detail"),
]
