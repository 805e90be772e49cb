from django.urls import path

from barometer.views import answering, event_surveys, public, results, staff

app_name = "barometer"

urlpatterns = [
    path("", public.landing, name="landing"),
    path("resultats/<int:year>/", results.public_results, name="public_results"),
    path("resultats/<int:year>/rapport.pdf", results.public_report, name="public_report"),
    path(
        "resultats/<int:year>/tableau.<str:fmt>", results.public_cross_table_export, name="public_cross_table"
    ),
    path(
        "resultats/<int:year>/public/<slug:public>/",
        results.public_results_section,
        name="public_results_section",
    ),
    # Answering (no account)
    path("r/<str:token>/", answering.personal_link, name="personal_link"),
    path("reprendre/<str:key>/", answering.resume_link, name="resume_link"),
    path("q/<str:key>/", answering.answer_start, name="answer_start"),
    path("q/<str:key>/page/<int:number>/", answering.answer_page, name="answer_page"),
    path("q/<str:key>/page/<int:number>/enregistrer/", answering.answer_autosave, name="answer_autosave"),
    path("q/<str:key>/envoyer/", answering.answer_review, name="answer_review"),
    path("q/<str:key>/merci/", answering.answer_thanks, name="answer_thanks"),
    path("desinscription/<str:token>/", answering.unsubscribe, name="unsubscribe"),
    # Staff
    path("equipe/", staff.campaigns, name="staff_campaigns"),
    path("equipe/<int:year>/", staff.campaign, name="staff_campaign"),
    path("equipe/<int:year>/modifier/", staff.campaign_edit, name="staff_campaign_edit"),
    path("equipe/<int:year>/statut/", staff.campaign_status, name="staff_campaign_status"),
    path("equipe/<int:year>/envois/", staff.campaign_rounds, name="staff_campaign_rounds"),
    path("equipe/<int:year>/envois/retenter/", staff.deliveries_retry, name="staff_deliveries_retry"),
    path("equipe/<int:year>/envois/<int:pk>/renvoyer/", staff.delivery_resend, name="staff_delivery_resend"),
    path("equipe/<int:year>/invitations/", staff.invitations, name="staff_invitations"),
    path(
        "equipe/<int:year>/invitations/importer/", staff.invitations_import, name="staff_invitations_import"
    ),
    path("equipe/questionnaires/<int:pk>/", staff.questionnaire, name="staff_questionnaire"),
    path("equipe/questionnaires/<int:pk>/apercu/", staff.preview, name="staff_preview"),
    path("equipe/questionnaires/<int:pk>/pages/ajouter/", staff.section_add, name="staff_section_add"),
    path("equipe/questionnaires/<int:pk>/questions/ajouter/", staff.question_add, name="staff_question_add"),
    path("equipe/pages/<int:pk>/", staff.section_edit, name="staff_section_edit"),
    path("equipe/questions/<int:pk>/", staff.question_edit, name="staff_question_edit"),
    path("equipe/<int:year>/resultats/", results.campaign_results, name="staff_results"),
    path("equipe/<int:year>/export.<str:fmt>", results.export, name="staff_export"),
    path(
        "equipe/<int:year>/resultats/tableau.<str:fmt>", results.cross_table_export, name="staff_cross_table"
    ),
    path("equipe/<int:year>/rapport/", results.request_report, name="staff_report"),
    path("equipe/<int:year>/rapport/publier/", results.publish_report, name="staff_publish_report"),
    path("equipe/<int:year>/contacts/", results.contacts, name="staff_contacts"),
    path("equipe/<int:year>/contacts/inviter/", results.contacts_invite, name="staff_contacts_invite"),
    path("equipe/<int:year>/contacts/rapport/", results.contacts_send_report, name="staff_contacts_report"),
    path(
        "equipe/questionnaires/<int:pk>/resultats/",
        results.questionnaire_results,
        name="staff_questionnaire_results",
    ),
    path("equipe/questionnaires/<int:pk>/textes/", results.free_texts, name="staff_free_texts"),
    path("equipe/reponses/<int:pk>/etiquettes/", results.answer_tag, name="staff_answer_tag"),
    # An event's satisfaction questionnaire (barometer/event_surveys.py), keyed by the event
    path("equipe/evenements/<int:event_pk>/", event_surveys.event_survey, name="event_survey"),
    path(
        "equipe/evenements/<int:event_pk>/creer/",
        event_surveys.event_survey_create,
        name="event_survey_create",
    ),
    path(
        "equipe/evenements/<int:event_pk>/statut/",
        event_surveys.event_survey_status,
        name="event_survey_status",
    ),
    path(
        "equipe/evenements/<int:event_pk>/resultats/",
        event_surveys.event_survey_results,
        name="event_survey_results",
    ),
    path(
        "equipe/evenements/<int:event_pk>/export.<str:fmt>",
        event_surveys.event_survey_export,
        name="event_survey_export",
    ),
    path(
        "evenements/<slug:slug>/satisfaction/", event_surveys.event_survey_public, name="event_survey_public"
    ),
]
