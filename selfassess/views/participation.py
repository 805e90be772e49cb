"""The participant's side: the personal link, then the private rating page.

The link's token is exchanged for an entry in the browser session and the browser is sent on
to a URL without it, so the token does not linger in the address bar, history or Referer.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cops.ratelimit import limit_secret_guesses, secret_link_found
from cops.views_helpers import apply_service
from selfassess import selectors, services
from selfassess.charts import target_context
from selfassess.forms import RatingForm
from selfassess.models import AssessmentSession, Criterion, Participant, Rating
from selfassess.permissions import participant_for, remember_participant


@never_cache
@require_GET
@limit_secret_guesses
def join(request, token: str):
    participant = selectors.participant_by_token(token)
    if participant is None:
        return render(request, "selfassess/link_invalid.html", status=404)
    secret_link_found(request)
    remember_participant(request, participant)
    services.participant_mark_seen(participant=participant)
    return redirect("selfassess:participate", pk=participant.session_id)


def _participant_or_refusal(request, pk: int) -> tuple[AssessmentSession | None, Participant | None, object]:
    session = AssessmentSession.objects.select_related("framework").filter(pk=pk).first()
    participant = participant_for(request, session) if session else None
    if participant is None:
        # Same page whether the session exists or not: a link for another session explains itself.
        refusal = render(
            request,
            "selfassess/link_required.html",
            {"wrong_session": bool(request.session.get("selfassess_participants"))},
            status=403,
        )
        return None, None, refusal
    return session, participant, None


def _rating_forms(session: AssessmentSession, participant: Participant, data=None) -> list[RatingForm]:
    ratings = {r.criterion_id: r for r in Rating.objects.filter(participant=participant)}
    labels = session.framework.scale_labels
    forms = []
    criteria = Criterion.objects.filter(framework_id=session.framework_id).select_related("sector")
    for criterion in criteria:
        rating = ratings.get(criterion.pk)
        initial = {"score": rating.score, "comment": rating.comment} if rating else {}
        form = RatingForm(data, criterion=criterion, labels=labels, initial=initial)
        form.criterion_text = criterion.text_for(participant.side)
        form.saved = rating is not None
        forms.append(form)
    return forms


def _sections(forms: list[RatingForm]) -> list[tuple[str, list[RatingForm]]]:
    sections: list[tuple[str, list[RatingForm]]] = []
    for number, form in enumerate(forms, start=1):
        form.number = number
        if not sections or sections[-1][0] != form.criterion.sector.name:
            sections.append((form.criterion.sector.name, []))
        sections[-1][1].append(form)
    return sections


def _progress(participant: Participant, total: int) -> dict:
    answered = Rating.objects.filter(participant=participant).count()
    return {"answered": answered, "total": total, "percent": round(100 * answered / total) if total else 0}


def _render_page(request, session, participant, forms, *, status=200):
    return render(
        request,
        "selfassess/participate.html",
        {
            "session": session,
            "participant": participant,
            "framework": session.framework,
            "sections": _sections(forms),
            "forms": forms,
            "error_forms": [form for form in forms if form.is_bound and form.errors],
            "progress": _progress(participant, len(forms)),
            "guidance": session.framework.guidance_for(participant.side),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def participate(request, pk: int):
    session, participant, refusal = _participant_or_refusal(request, pk)
    if refusal:
        return refusal
    if request.method == "GET" or not session.is_individual_open:
        if request.method == "POST":
            messages.error(
                request,
                _(
                    "L'étape individuelle de cette séance est close : les réponses ne peuvent plus être modifiées."
                ),
            )
            return redirect("selfassess:participate", pk=session.pk)
        return _render_page(request, session, participant, _rating_forms(session, participant))

    forms = _rating_forms(session, participant, request.POST)
    if all(form.is_valid() for form in forms):

        @transaction.atomic  # all or nothing: one refused answer leaves every answer of the page as it was
        def save_page() -> None:
            for form in forms:
                if form.has_score:
                    services.rating_save(
                        participant=participant,
                        criterion=form.criterion,
                        score=form.cleaned_data["score"],
                        comment=form.cleaned_data["comment"],
                    )

        page = reverse("selfassess:participate", kwargs={"pk": session.pk})
        # A refusal (the step closed meanwhile) shows as a message on the page, reloaded as saved.
        return apply_service(
            request,
            save_page,
            success_message=lambda _saved: _(
                "Vos réponses sont enregistrées (critères notés : %(answered)s sur %(total)s)."
            )
            % _progress(participant, len(forms)),
            redirect_to=page,
        ) or redirect(page)
    return _render_page(request, session, participant, forms, status=400)


@never_cache
@require_POST
def rate_criterion(request, pk: int, criterion_pk: int):
    """Save one criterion as soon as it changes (htmx); answers with its « enregistré » status."""
    session, participant, refusal = _participant_or_refusal(request, pk)
    if refusal:
        return refusal
    criterion = Criterion.objects.filter(pk=criterion_pk, framework_id=session.framework_id).first()
    error = ""
    form = None
    if criterion is None:
        error = _("Ce critère n'appartient pas au référentiel de cette séance.")
    else:
        form = RatingForm(request.POST, criterion=criterion, labels=session.framework.scale_labels)
        if not form.is_valid():
            error = " ".join(message for messages_ in form.errors.values() for message in messages_)
        elif form.has_score:
            try:
                services.rating_save(
                    participant=participant,
                    criterion=criterion,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as exc:
                # Not apply_service: one criterion saved by htmx answers with its status partial.
                error = " ".join(exc.messages)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("selfassess:participate", pk=session.pk)
    total = Criterion.objects.filter(framework_id=session.framework_id).count()
    saved = bool(form is not None and not error and form.has_score)
    # htmx swaps 2xx answers only: an error is still a 200 here, announced by role="alert".
    return render(
        request,
        "selfassess/partials/_rating_status.html",
        {"error": error, "saved": saved, "progress": _progress(participant, total), "oob": True},
    )


@never_cache
@require_GET
def participant_results(request, pk: int):
    """What a participant sees after the individual step: the group's aggregates, no names."""
    session, participant, refusal = _participant_or_refusal(request, pk)
    if refusal:
        return refusal
    if not session.has_results:
        messages.info(request, _("La cible du groupe s'affiche une fois l'étape individuelle close."))
        return redirect("selfassess:participate", pk=session.pk)
    context = target_context(session)
    context["participant"] = participant
    return render(request, "selfassess/participant_results.html", context)
