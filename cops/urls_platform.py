"""Cross-cutting pages: staff area, report jobs, legal pages."""

from django.urls import path

from cops import views, views_reports

app_name = "platform"

urlpatterns = [
    path("equipe/", views.staff_home, name="staff_home"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("rapports/", views_reports.report_list, name="report_list"),
    path("rapports/demander/", views_reports.report_request_view, name="report_request"),
    path("rapports/<uuid:pk>/", views_reports.report_status, name="report_status"),
    path("rapports/<uuid:pk>/telecharger/", views_reports.report_download, name="report_download"),
    path("rapports/<uuid:pk>/relancer/", views_reports.report_retry_view, name="report_retry"),
]
