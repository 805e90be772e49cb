from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from directory import api
from directory.views import browse, contact, exports, memberships, moderation, projects, register, resources

app_name = "directory"

urlpatterns = [
    # Browsing
    path("annuaire/", browse.directory_list, name="list"),
    path("carte/", browse.directory_map, name="map"),
    # The map alone, for partners' websites (iframe): public data only, no cookie, framable.
    path("carte/integrer/", browse.map_embed, name="map_embed"),
    path("annuaire/patients-partenaires/", browse.patient_partners, name="patient_partners"),
    path("annuaire/personnes/<int:pk>/", browse.person_detail, name="person_detail"),
    path("annuaire/personnes/<int:pk>/photo/", browse.person_photo, name="person_photo"),
    path("annuaire/structures/<int:pk>/", browse.structure_detail, name="structure_detail"),
    path("annuaire/structures/<int:pk>/logo/", browse.structure_logo, name="structure_logo"),
    path("annuaire/communes/", browse.commune_suggestions, name="commune_suggestions"),
    path("annuaire/export.<str:fmt>", exports.export, name="export"),
    path("annuaire/confirmer/<str:token>/", exports.confirm_accuracy, name="confirm_accuracy"),
    # Registering
    path("annuaire/inscription/", register.register_start, name="register"),
    path("annuaire/inscription/personne/<slug:step>/", register.register_person, name="register_person"),
    path(
        "annuaire/inscription/structure/nouvelle/",
        register.register_structure,
        {"step": "identite"},
        name="register_structure_new",
    ),
    path(
        "annuaire/inscription/structure/<int:pk>/<slug:step>/",
        register.register_structure,
        name="register_structure",
    ),
    path("annuaire/mes-fiches/", register.my_profiles, name="my_profiles"),
    path("annuaire/mes-fiches/mes-donnees.json", register.my_data, name="my_data"),
    path(
        "annuaire/mes-fiches/<str:kind>/<int:pk>/<slug:action>/",
        register.profile_action,
        name="profile_action",
    ),
    # Memberships
    path(
        "annuaire/structures/<int:pk>/rejoindre/", memberships.request_membership, name="membership_request"
    ),
    path("annuaire/demandes/", memberships.membership_requests, name="membership_requests"),
    path("annuaire/demandes/<int:pk>/", memberships.decide_membership, name="membership_decide"),
    # The contact relay (addresses stay hidden until the recipient answers)
    path("annuaire/personnes/<int:pk>/contacter/", contact.contact_person, name="contact_person"),
    path("annuaire/structures/<int:pk>/contacter/", contact.contact_structure, name="contact_structure"),
    path("annuaire/messages/<str:token>/", contact.contact_reply, name="contact_reply"),
    path("annuaire/messages/<str:token>/signaler/", contact.contact_abuse, name="contact_abuse"),
    path("annuaire/mes-fiches/messages/", contact.contact_preferences, name="contact_preferences"),
    path("annuaire/signalements/", contact.abuse_report_list, name="abuse_reports"),
    path("annuaire/signalements/<int:pk>/traiter/", contact.abuse_report_handle, name="abuse_report_handle"),
    # Staff
    path("annuaire/moderation/", moderation.moderation_queue_view, name="moderation_queue"),
    path("annuaire/moderation/<str:kind>/<int:pk>/", moderation.moderation_review, name="moderation_review"),
    path(
        "annuaire/moderation/fusion/<str:kind>/<int:keep>/<int:remove>/",
        moderation.merge_profiles,
        name="merge_profiles",
    ),
    # The resource library and the lexicon
    path("ressources/", resources.resource_list, name="resources"),
    path("ressources/proposer/", resources.resource_propose_view, name="resource_propose"),
    path("ressources/moderation/", resources.resource_moderation, name="resource_moderation"),
    path("ressources/moderation/<int:pk>/", resources.resource_review, name="resource_review"),
    path("ressources/<slug:slug>/", resources.resource_detail, name="resource_detail"),
    path("ressources/<slug:slug>/telecharger/", resources.resource_download, name="resource_download"),
    path("lexique/", resources.glossary, name="glossary"),
    # Projects
    path("projets/proposer/", projects.project_create, name="project_create"),
    path("projets/<slug:slug>/", projects.project_detail, name="project_detail"),
    path("projets/<slug:slug>/modifier/", projects.project_edit, name="project_edit"),
    path("projets/<slug:slug>/retirer/", projects.project_remove, name="project_remove"),
    path("projets/<slug:slug>/image/", projects.project_image, name="project_image"),
    path("projets/<slug:slug>/personnes/", projects.project_persons, name="project_persons"),
    path(
        "projets/<slug:slug>/personnes/<int:pk>/retirer/",
        projects.project_person_remove_view,
        name="project_person_remove",
    ),
    path("projets/<slug:slug>/participation/", projects.project_participation, name="project_participation"),
    path("projets/<slug:slug>/documents/", projects.project_documents, name="project_documents"),
    path("projets/<slug:slug>/documents/<int:pk>/", projects.project_document, name="project_document"),
    path(
        "projets/<slug:slug>/documents/<int:pk>/retirer/",
        projects.project_document_remove_view,
        name="project_document_remove",
    ),
    # API (read-only) and its OpenAPI schema
    path("api/annuaire/acteurs/", api.ActorList.as_view(), name="api_actors"),
    path("api/annuaire/personnes/<int:pk>/", api.PersonDetail.as_view(), name="api_person"),
    path("api/annuaire/structures/<int:pk>/", api.StructureDetail.as_view(), name="api_structure"),
    path("api/annuaire/projets/<int:pk>/", api.ProjectDetail.as_view(), name="api_project"),
    path("api/annuaire/carte.geojson", api.MapPoints.as_view(), name="api_geojson"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path(
        "api/schema/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="directory:api_schema"),
        name="api_docs",
    ),
]
