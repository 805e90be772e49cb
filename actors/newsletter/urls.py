"""News, its feeds, and the subscriptions to the newsletter."""

from django.urls import path

from actors.newsletter import feeds, views

app_name = "news"

urlpatterns = [
    # News (before the item's page: its slug must not shadow the feeds)
    path("actualites/", views.news_list, name="list"),
    path("actualites/rss/", feeds.NewsRssFeed(), name="rss"),
    path("actualites/atom/", feeds.NewsAtomFeed(), name="atom"),
    path("actualites/<slug:slug>/", views.news_detail, name="detail"),
    # Subscriptions to « La lettre du COPS » (personal links are secrets: guarded against guessing)
    path("lettre/inscription/", views.subscribe, name="subscribe"),
    path("lettre/confirmer/<str:token>/", views.confirm, name="confirm"),
    path("lettre/preferences/<str:token>/", views.preferences, name="preferences"),
    path("lettre/desinscription/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("lettre/mon-abonnement/", views.my_subscription, name="my_subscription"),
    path("lettre/mon-abonnement/abonner/", views.space_subscribe, name="space_subscribe"),
    # Staff
    path("equipe/actualites/", views.staff_list, name="staff_list"),
    path("equipe/actualites/nouvelle/", views.staff_edit, name="staff_create"),
    path("equipe/actualites/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("equipe/actualites/<int:pk>/publication/", views.staff_publish, name="staff_publish"),
    path("equipe/actualites/<int:pk>/supprimer/", views.staff_delete, name="staff_delete"),
]
