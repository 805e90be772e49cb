"""Answering an evaluation by personal link: no account needed."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accompaniment.forms import EvaluationAnswerForm
from accompaniment.services import evaluations as services
from cops.ratelimit import limit_secret_guesses, secret_link_found
from cops.views_helpers import add_service_errors

SESSION_KEY = "accompaniment_evaluation"


@never_cache
@require_GET
@limit_secret_guesses
def evaluation_link(request, token: str):
    """The emailed link: checked against the stored hash, swapped for the browser session, then
    redirected, so that the token stays neither in the address bar and history nor in the
    address every answer is posted to."""
    invitation = services.evaluation_link_lookup(token)
    if invitation is None:
        return render(
            request,
            "accompaniment/evaluation_invalid.html",
            {"contact_email": settings.STAFF_EMAIL},
            status=404,
        )
    secret_link_found(request)
    request.session[SESSION_KEY] = invitation.pk
    return redirect("accompaniment:evaluation_form")


@never_cache
@require_http_methods(["GET", "POST"])
def evaluation_answer(request):
    invitation = services.evaluation_invitation_get(invitation_id=request.session.get(SESSION_KEY))
    if invitation is None:
        return render(
            request,
            "accompaniment/evaluation_invalid.html",
            {"no_link": True, "contact_email": settings.STAFF_EMAIL},
            status=403,
        )
    evaluation = invitation.evaluation
    context = {"invitation": invitation, "evaluation": evaluation, "accompaniment": evaluation.accompaniment}
    if invitation.answered_at is not None:
        return render(request, "accompaniment/evaluation_thanks.html", {**context, "already": True})
    form = EvaluationAnswerForm(
        request.POST if request.method == "POST" else None, questions=evaluation.questions
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_answer(invitation=invitation, answers=form.cleaned_data)
        except ValidationError as exc:
            # Not apply_service: no account, no messages; a thank-you page rather than a redirect.
            if not hasattr(exc, "error_dict"):  # answered meanwhile, from another link
                return render(request, "accompaniment/evaluation_thanks.html", {**context, "already": True})
            add_service_errors(form, exc)
        else:
            return render(request, "accompaniment/evaluation_thanks.html", {**context, "already": False})
    sections = [
        (section, label, [form[q["code"]] for q in evaluation.questions if q["section"] == section])
        for section, label in (("projet", "projet"), ("cops", "cops"))
    ]
    return render(
        request, "accompaniment/evaluation_answer.html", {**context, "form": form, "sections": sections}
    )
