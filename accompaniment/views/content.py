"""Adding content to an accompaniment: participants, meetings, findings, actions, indicators, evaluations."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accompaniment import permissions, selectors
from accompaniment.enums import ContentVisibility, EvaluationKind
from accompaniment.forms import (
    ActionForm,
    ActionStatusForm,
    FindingForm,
    HotEvaluationForm,
    ImpactScheduleForm,
    IndicatorForm,
    MeasurementForm,
    MeetingForm,
    ParticipantForm,
)
from accompaniment.models import Action, Evaluation, Participant
from accompaniment.services import accompaniments as accompaniment_services
from accompaniment.services import content as services
from accompaniment.services import evaluations as evaluation_services
from actors.permissions import directory_viewer_level, is_cops_staff
from cops.views_helpers import apply_service


def _content_form(
    request,
    pk,
    *,
    form_class,
    template,
    title,
    anchor,
    save,
    success,
    manage=True,
    intro="",
    form_kwargs=None,
    button="",
    initial=None,
    accompaniment=None,
    extra=None,
):
    """The shared shape of the "add something" pages: permission → form → service → back to the section."""
    if accompaniment is None:
        accompaniment = permissions.get_accompaniment_or_404(
            request, pk, manage=manage, contribute=not manage
        )
    kwargs = form_kwargs(accompaniment) if form_kwargs else {}
    if initial is not None:
        kwargs["initial"] = initial(accompaniment) if callable(initial) else initial
    form = form_class(request.POST if request.method == "POST" else None, **kwargs)
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: save(accompaniment, form.cleaned_data),
            form=form,
            success_message=success,
            redirect_to=accompaniment.get_absolute_url() + anchor,
        )
        if response:
            return response
    return render(
        request,
        template,
        {
            "accompaniment": accompaniment,
            "form": form,
            "title": title,
            "intro": intro,
            "anchor": anchor,
            "button": button or _("Enregistrer"),
            **(extra or {}),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def participant_add(request, pk: int):
    def save(accompaniment, data):
        accompaniment_services.participant_add(
            accompaniment=accompaniment,
            person=data["person"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            side=data["side"],
            function=data["function"],
        )

    return _content_form(
        request,
        pk,
        form_class=ParticipantForm,
        form_kwargs=lambda accompaniment: {"structure": accompaniment.structure},
        template="accompaniment/content_form.html",
        title=_("Ajouter un participant de la structure"),
        button=_("Ajouter le participant"),
        intro=_(
            "Les participants sont les personnes de la structure engagées dans le projet : ils peuvent porter des actions et reçoivent les questionnaires d'évaluation."
        ),
        anchor="#participants",
        save=save,
        success=_("Le participant est ajouté."),
    )


@login_required
@require_POST
def participant_remove(request, pk: int, participant_pk: int):
    accompaniment = permissions.get_accompaniment_or_404(request, pk, manage=True)
    participant = get_object_or_404(Participant, pk=participant_pk, accompaniment=accompaniment)
    back = accompaniment.get_absolute_url() + "#participants"
    return apply_service(
        request,
        lambda: accompaniment_services.participant_remove(participant=participant),
        success_message=_("%(name)s ne fait plus partie des participants.") % {"name": participant},
        redirect_to=back,
    ) or redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_add(request, pk: int):
    def save(accompaniment, data):
        services.meeting_add(
            accompaniment=accompaniment,
            held_on=data["held_on"],
            title=data["title"],
            notes=data["notes"],
            participants=list(data["participants"]),
            internal_notes=data["internal_notes"],
            visibility=data["visibility"],
            by=request.user,
        )

    return _content_form(
        request,
        pk,
        form_class=MeetingForm,
        form_kwargs=lambda accompaniment: {"accompaniment": accompaniment},
        template="accompaniment/content_form.html",
        title=_("Enregistrer une rencontre"),
        button=_("Enregistrer la rencontre"),
        anchor="#rencontres",
        save=save,
        success=_("La rencontre est enregistrée."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_add(request, pk: int):
    def save(accompaniment, data):
        services.finding_add(
            accompaniment=accompaniment,
            kind=data["kind"],
            text=data["text"],
            visibility=data.get("visibility", ContentVisibility.SHARED),
            by=request.user,
        )

    return _content_form(
        request,
        pk,
        form_class=FindingForm,
        form_kwargs=lambda accompaniment: {"staff": is_cops_staff(request.user)},
        template="accompaniment/content_form.html",
        title=_("Ajouter un constat"),
        button=_("Ajouter le constat"),
        intro=_(
            "Un frein freine le partenariat ; un levier le favorise ; une potentialité est une ressource encore peu exploitée."
        ),
        anchor="#constats",
        save=save,
        success=_("Le constat est ajouté."),
        manage=False,
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_add(request, pk: int):
    def save(accompaniment, data):
        services.action_add(
            accompaniment=accompaniment,
            title=data["title"],
            description=data["description"],
            owner=data["owner"],
            due_on=data["due_on"],
            visibility=data["visibility"],
            by=request.user,
        )

    return _content_form(
        request,
        pk,
        form_class=ActionForm,
        form_kwargs=lambda accompaniment: {"accompaniment": accompaniment},
        template="accompaniment/content_form.html",
        title=_("Ajouter une action au plan"),
        button=_("Ajouter l'action"),
        intro=_("Chaque action a un responsable parmi les participants de la structure et une échéance."),
        anchor="#plan",
        save=save,
        success=_("L'action est ajoutée au plan."),
    )


@login_required
@require_POST
def action_status(request, pk: int, action_pk: int):
    accompaniment = permissions.get_accompaniment_or_404(request, pk, contribute=True)
    action = get_object_or_404(Action, pk=action_pk, accompaniment=accompaniment)
    form = ActionStatusForm(request.POST)
    if form.is_valid():
        services.action_set_status(action=action, status=form.cleaned_data["status"], by=request.user)
        messages.success(
            request,
            _("« %(action)s » : %(status)s.")
            % {"action": action.title, "status": action.get_status_display().lower()},
        )
    else:
        messages.error(request, _("Choisissez un statut pour l'action."))
    return redirect(accompaniment.get_absolute_url() + "#plan")


@login_required
@require_http_methods(["GET", "POST"])
def indicator_add(request, pk: int):
    def save(accompaniment, data):
        services.indicator_add(accompaniment=accompaniment, by=request.user, **data)

    return _content_form(
        request,
        pk,
        form_class=IndicatorForm,
        template="accompaniment/content_form.html",
        title=_("Définir un indicateur"),
        button=_("Définir l'indicateur"),
        intro=_(
            "Un indicateur co-élaboré avec la structure : sa valeur de départ, sa cible, puis les mesures au fil du temps."
        ),
        anchor="#indicateurs",
        save=save,
        success=_("L'indicateur est défini."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def measurement_add(request, pk: int):
    def save(accompaniment, data):
        services.measurement_add(
            accompaniment=accompaniment,
            indicator=data["indicator"],
            measured_on=data["measured_on"],
            value=data["value"],
            comment=data["comment"],
            by=request.user,
        )

    return _content_form(
        request,
        pk,
        form_class=MeasurementForm,
        form_kwargs=lambda accompaniment: {"accompaniment": accompaniment},
        template="accompaniment/content_form.html",
        title=_("Enregistrer une mesure d'indicateur"),
        button=_("Enregistrer la mesure"),
        anchor="#indicateurs",
        save=save,
        success=_("La mesure est enregistrée."),
        manage=False,
    )


@login_required
@require_http_methods(["GET", "POST"])
def hot_evaluation_send(request, pk: int):
    def save(accompaniment, data):
        return evaluation_services.evaluation_send_hot(
            accompaniment=accompaniment, by=request.user, answer_by=data["answer_by"]
        )

    def sent(evaluation) -> str:
        # Nobody left out silently: who was not invited, and why, in the confirmation itself.
        level = directory_viewer_level(request.user)
        invited = evaluation.invitations.count()
        message = ngettext(
            "L'évaluation à chaud est envoyée à %(count)s participant.",
            "L'évaluation à chaud est envoyée à %(count)s participants.",
            invited,
        ) % {"count": invited}
        left_out = selectors.participants_without_email(evaluation.accompaniment)
        if left_out:
            message += " " + _("Non invité(s), faute d'adresse électronique : %(names)s.") % {
                "names": ", ".join(selectors.participant_name(p, level) for p in left_out)
            }
        return message

    accompaniment = permissions.get_accompaniment_or_404(request, pk, manage=True)
    level = directory_viewer_level(request.user)
    without_email = selectors.participants_without_email(accompaniment)
    return _content_form(
        request,
        pk,
        accompaniment=accompaniment,
        form_class=HotEvaluationForm,
        template="accompaniment/content_form.html",
        title=_("Envoyer l'évaluation à chaud"),
        button=_("Envoyer l'évaluation aux participants"),
        intro=_(
            "Chaque participant ayant une adresse reçoit un lien personnel vers un court questionnaire sur le projet et sur l'accompagnement du COPS ; deux relances partent automatiquement, avant la date limite."
        ),
        anchor="#evaluations",
        save=save,
        success=sent,
        extra={
            "warning": _(
                "Ces participants n'ont pas d'adresse électronique et ne recevront pas le questionnaire : %(names)s. Ajoutez leur adresse avant d'envoyer, ou transmettez-leur le questionnaire autrement."
            )
            % {"names": ", ".join(selectors.participant_name(p, level) for p in without_email)}
            if without_email
            else ""
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def impact_evaluation_schedule(request, pk: int):
    def save(accompaniment, data):
        evaluation = get_object_or_404(Evaluation, accompaniment=accompaniment, kind=EvaluationKind.IMPACT)
        evaluation_services.impact_evaluation_reschedule(
            evaluation=evaluation, scheduled_for=data["scheduled_for"], by=request.user
        )

    def initial(accompaniment):
        # « Changer la date » starts from the date already planned.
        evaluation = accompaniment.evaluations.filter(kind=EvaluationKind.IMPACT).first()
        return {"scheduled_for": evaluation.scheduled_for} if evaluation is not None else {}

    return _content_form(
        request,
        pk,
        initial=initial,
        form_class=ImpactScheduleForm,
        template="accompaniment/content_form.html",
        title=_("Programmer l'évaluation d'impact à distance"),
        button=_("Enregistrer la date"),
        anchor="#evaluations",
        save=save,
        success=_("La date d'envoi de l'évaluation à distance est enregistrée."),
    )
