"""The group step: the target with both sides' averages, the joint rating, the history.

Everything here is built from `results.session_results`, which only carries aggregates:
no page of this module can show who gave which score.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cops.views_helpers import add_service_errors, apply_service
from selfassess import selectors, services
from selfassess.charts import history_radar, target_context
from selfassess.enums import HistorySeries
from selfassess.forms import JointRatingForm, SummaryForm
from selfassess.models import AssessmentSession, Criterion
from selfassess.permissions import get_session_for_facilitator_or_404
from selfassess.results import SessionResults, session_results


def _joint_forms(session: AssessmentSession, results: SessionResults, bound=None) -> list:
    labels = session.framework.scale_labels
    items = []
    for result in results.by_divergence:
        form = None
        if bound is not None and bound.criterion.pk == result.criterion.pk:
            form = bound
        else:
            initial = {"score": result.joint.score, "note": result.joint.note} if result.joint else {}
            form = JointRatingForm(criterion=result.criterion, labels=labels, initial=initial)
        items.append((result, form))
    return items


def _render_target(request, session, *, bound=None, summary_form=None, status=200):
    context = target_context(session)
    context["items"] = _joint_forms(session, context["results"], bound)
    context["summary_form"] = summary_form or SummaryForm(initial={"summary": session.summary})
    context["bound"] = bound
    return render(request, "selfassess/target.html", context, status=status)


@login_required
@require_GET
def session_target(request, pk: int):
    session = get_session_for_facilitator_or_404(request, pk)
    if not session.has_results:
        messages.info(request, _("La cible du groupe s'affiche une fois l'étape individuelle close."))
        return redirect(session)
    return _render_target(request, session)


@login_required
@require_POST
def joint_rating(request, pk: int, criterion_pk: int):
    session = get_session_for_facilitator_or_404(request, pk)
    criterion = Criterion.objects.filter(pk=criterion_pk, framework_id=session.framework_id).first()
    if criterion is None:
        raise Http404(_("Ce critère n'appartient pas au référentiel de cette séance."))
    form = JointRatingForm(request.POST, criterion=criterion, labels=session.framework.scale_labels)
    saved = False
    if form.is_valid():
        try:
            services.joint_rating_save(
                session=session,
                criterion=criterion,
                score=form.cleaned_data["score"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
            saved = True
        except ValidationError as error:
            # Not apply_service: htmx gets the partial either way (a refusal is a 200, see below).
            add_service_errors(form, error)
    if request.htmx:
        context = target_context(session) if saved else {"session": session}
        context.update({"form": form, "criterion": criterion, "saved": saved})
        # htmx swaps 2xx answers only: a refusal is a 200 whose message has role="alert".
        return render(request, "selfassess/partials/_joint_saved.html", context)
    if saved:
        messages.success(
            request,
            _("Note commune enregistrée pour « %(criterion)s ».") % {"criterion": criterion.short_label},
        )
        return redirect(
            reverse("selfassess:session_target", kwargs={"pk": session.pk}) + f"#critere-{criterion.pk}"
        )
    return _render_target(request, session, bound=form, status=400)


@login_required
@require_POST
def session_summary(request, pk: int):
    session = get_session_for_facilitator_or_404(request, pk)
    form = SummaryForm(request.POST)
    if form.is_valid():
        response = apply_service(
            request,
            lambda: services.session_update_summary(
                session=session, summary=form.cleaned_data["summary"], by=request.user
            ),
            form=form,
            success_message=_("La synthèse des échanges est enregistrée."),
            redirect_to=reverse("selfassess:session_target", kwargs={"pk": session.pk}) + "#synthese",
        )
        if response:
            return response
    return _render_target(request, session, summary_form=form, status=400)


@login_required
@require_POST
def session_close(request, pk: int):
    session = get_session_for_facilitator_or_404(request, pk)
    target = reverse("selfassess:session_target", kwargs={"pk": session.pk})
    return apply_service(
        request,
        lambda: services.session_close(session=session, by=request.user),
        success_message=_("La séance est terminée. Vous pouvez en télécharger le compte rendu en PDF."),
        redirect_to=target,
    ) or redirect(target)


@login_required
@require_GET
def session_history(request, pk: int):
    session = get_session_for_facilitator_or_404(request, pk)
    mode = request.GET.get("serie", HistorySeries.JOINT)
    if mode not in HistorySeries.values:
        mode = HistorySeries.JOINT
    sessions = [s for s in selectors.group_sessions(user=request.user, session=session) if s.has_results]
    history = [session_results(item) for item in sessions]
    return render(
        request,
        "selfassess/history.html",
        {
            "session": session,
            "history": history,
            "chart": history_radar(history, mode) if history else None,
            "phone_chart": history_radar(history, mode, compact=True) if history else None,
            "mode": mode,
            "modes": HistorySeries,
        },
    )
