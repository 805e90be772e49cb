from django.urls import path

from barometer.views import answering, public

app_name = "barometer"

urlpatterns = [
    path("", public.landing, name="landing"),
    # Answering (no account)
    path("r/<str:token>/", answering.personal_link, name="personal_link"),
    path("reprendre/<str:key>/", answering.resume_link, name="resume_link"),
    path("q/<str:key>/", answering.answer_start, name="answer_start"),
    path("q/<str:key>/page/<int:number>/", answering.answer_page, name="answer_page"),
    path("q/<str:key>/page/<int:number>/enregistrer/", answering.answer_autosave, name="answer_autosave"),
    path("q/<str:key>/envoyer/", answering.answer_review, name="answer_review"),
    path("q/<str:key>/merci/", answering.answer_thanks, name="answer_thanks"),
    path("desinscription/<str:token>/", answering.unsubscribe, name="unsubscribe"),
]
