from django.urls import path

from selfassess.views import participation, sessions, target

app_name = "selfassess"

urlpatterns = [
    path("", sessions.index, name="index"),
    path("seances/nouvelle/", sessions.session_create, name="session_create"),
    path("seances/<int:pk>/", sessions.session_detail, name="session_detail"),
    path("seances/<int:pk>/participants/", sessions.participant_invite, name="participant_invite"),
    path(
        "seances/<int:pk>/participants/<int:participant_pk>/renvoyer/",
        sessions.participant_resend,
        name="participant_resend",
    ),
    path(
        "seances/<int:pk>/participants/<int:participant_pk>/retirer/",
        sessions.participant_remove,
        name="participant_remove",
    ),
    path(
        "seances/<int:pk>/cloturer-etape-individuelle/",
        sessions.session_close_individual,
        name="session_close_individual",
    ),
    path("seances/<int:pk>/cible/", target.session_target, name="session_target"),
    path("seances/<int:pk>/cible/<int:criterion_pk>/", target.joint_rating, name="joint_rating"),
    path("seances/<int:pk>/synthese/", target.session_summary, name="session_summary"),
    path("seances/<int:pk>/terminer/", target.session_close, name="session_close"),
    path("seances/<int:pk>/historique/", target.session_history, name="session_history"),
    path("invitation/<str:token>/", participation.join, name="join"),
    path("seances/<int:pk>/mes-reponses/", participation.participate, name="participate"),
    path(
        "seances/<int:pk>/mes-reponses/<int:criterion_pk>/",
        participation.rate_criterion,
        name="rate_criterion",
    ),
    path("seances/<int:pk>/resultats/", participation.participant_results, name="participant_results"),
]
