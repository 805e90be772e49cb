from django.urls import path

from accompaniment.views import (
    accompaniments,
    board,
    content,
    corrections,
    evaluations,
    followup,
    project,
    requests,
)

app_name = "accompaniment"

urlpatterns = [
    path("", requests.landing, name="landing"),
    path("demander/", requests.request_create, name="request_create"),
    path("demandes/", requests.request_list, name="request_list"),
    path("demandes/<int:pk>/", requests.request_detail, name="request_detail"),
    path("demandes/<int:pk>/decision/", requests.request_decide, name="request_decide"),
    path("demandes/<int:pk>/completer/", requests.request_complete, name="request_complete"),
    path("tableau/", board.board, name="board"),
    path("export.csv", board.export_portfolio, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", board.export_portfolio, {"fmt": "xlsx"}, name="export_xlsx"),
    path("ouvrir/", accompaniments.accompaniment_open, name="open"),
    path("<int:pk>/", accompaniments.accompaniment_detail, name="detail"),
    path("<int:pk>/modifier/", accompaniments.accompaniment_edit, name="edit"),
    path("<int:pk>/convention/", accompaniments.convention_edit, name="convention_edit"),
    path("<int:pk>/convention/signee.pdf", accompaniments.convention_download, name="convention_download"),
    path("<int:pk>/auto-evaluations/", accompaniments.assessments_edit, name="assessments_edit"),
    path("<int:pk>/phases/cloturer/", accompaniments.phase_close, name="phase_close"),
    path("<int:pk>/phases/<int:phase_pk>/rouvrir/", accompaniments.phase_reopen, name="phase_reopen"),
    path("<int:pk>/phases/<int:phase_pk>/dates/", accompaniments.phase_dates, name="phase_dates"),
    path("<int:pk>/participants/ajouter/", content.participant_add, name="participant_add"),
    path(
        "<int:pk>/participants/<int:participant_pk>/retirer/",
        content.participant_remove,
        name="participant_remove",
    ),
    path("<int:pk>/rencontres/ajouter/", content.meeting_add, name="meeting_add"),
    path("<int:pk>/constats/ajouter/", content.finding_add, name="finding_add"),
    path("<int:pk>/actions/ajouter/", content.action_add, name="action_add"),
    path("<int:pk>/actions/<int:action_pk>/statut/", content.action_status, name="action_status"),
    path("<int:pk>/indicateurs/ajouter/", content.indicator_add, name="indicator_add"),
    path("<int:pk>/mesures/ajouter/", content.measurement_add, name="measurement_add"),
    path("<int:pk>/evaluations/a-chaud/", content.hot_evaluation_send, name="hot_evaluation_send"),
    path(
        "<int:pk>/evaluations/a-distance/",
        content.impact_evaluation_schedule,
        name="impact_evaluation_schedule",
    ),
    # Corrections: the team, and the référents for what is shared with them.
    path("<int:pk>/rencontres/<int:meeting_pk>/modifier/", corrections.meeting_edit, name="meeting_edit"),
    path(
        "<int:pk>/rencontres/<int:meeting_pk>/supprimer/", corrections.meeting_delete, name="meeting_delete"
    ),
    path("<int:pk>/constats/<int:finding_pk>/modifier/", corrections.finding_edit, name="finding_edit"),
    path("<int:pk>/constats/<int:finding_pk>/supprimer/", corrections.finding_delete, name="finding_delete"),
    path("<int:pk>/actions/<int:action_pk>/modifier/", corrections.action_edit, name="action_edit"),
    path("<int:pk>/actions/<int:action_pk>/supprimer/", corrections.action_delete, name="action_delete"),
    path(
        "<int:pk>/indicateurs/<int:indicator_pk>/modifier/", corrections.indicator_edit, name="indicator_edit"
    ),
    path(
        "<int:pk>/indicateurs/<int:indicator_pk>/supprimer/",
        corrections.indicator_delete,
        name="indicator_delete",
    ),
    path(
        "<int:pk>/mesures/<int:measurement_pk>/modifier/",
        corrections.measurement_edit,
        name="measurement_edit",
    ),
    path(
        "<int:pk>/mesures/<int:measurement_pk>/supprimer/",
        corrections.measurement_delete,
        name="measurement_delete",
    ),
    path("<int:pk>/chronologie/ajouter/", followup.event_note_add, name="event_note_add"),
    # A closed accompaniment becomes a project sheet of the directory (directory/services/project_prefill.py).
    path("<int:pk>/fiche-projet/", project.project_publish, name="project_publish"),
    # Following an evaluation's answers and reminders (staff).
    path(
        "<int:pk>/evaluations/<int:evaluation_pk>/suivi/",
        followup.evaluation_followup,
        name="evaluation_followup",
    ),
    path(
        "<int:pk>/evaluations/<int:evaluation_pk>/suivi/relancer/",
        followup.evaluation_remind_now,
        name="evaluation_remind_now",
    ),
    path(
        "<int:pk>/evaluations/<int:evaluation_pk>/suivi/invitations/<int:invitation_pk>/",
        followup.invitation_send,
        name="invitation_send",
    ),
    # The emailed link (its token is swapped for the session), then the token-free form.
    path("evaluation/", evaluations.evaluation_answer, name="evaluation_form"),
    path("evaluation/<str:token>/", evaluations.evaluation_link, name="evaluation_answer"),
]
