"""Cross-cutting pages: staff area, report jobs, legal pages."""

from django.urls import path

from cops import views

app_name = "platform"

urlpatterns = [
    path("equipe/", views.staff_home, name="staff_home"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
    path("accessibilite/", views.accessibility, name="accessibility"),
]
