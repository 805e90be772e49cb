"""The issues of the newsletter: the public archive, and the staff's composing and sending."""

from django.urls import path

from actors.newsletter import issue_views as views

app_name = "newsletter"

urlpatterns = [
    # Public archive: the issues as sent, without any personal link.
    path("lettre/archives/", views.archive, name="archive"),
    path("lettre/<int:number>/", views.issue, name="issue"),
    # Staff
    path("equipe/lettre/", views.staff_list, name="staff_list"),
    path("equipe/lettre/nouveau/", views.staff_create, name="staff_create"),
    path("equipe/lettre/<int:pk>/", views.staff_issue, name="staff_issue"),
    path("equipe/lettre/<int:pk>/elements/", views.staff_add_items, name="staff_add_items"),
    path("equipe/lettre/<int:pk>/ordre/", views.staff_order_items, name="staff_order_items"),
    path(
        "equipe/lettre/<int:pk>/elements/<int:item_pk>/retirer/",
        views.staff_remove_item,
        name="staff_remove_item",
    ),
    path("equipe/lettre/<int:pk>/apercu/", views.staff_preview, name="staff_preview"),
    path("equipe/lettre/<int:pk>/essai/", views.staff_send_test, name="staff_send_test"),
    path("equipe/lettre/<int:pk>/envoyer/", views.staff_send, name="staff_send"),
]
