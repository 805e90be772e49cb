"""The issues of « La lettre du COPS »: the public archive (/lettre/archives/, /lettre/<n°>/) and
the staff's pages (/equipe/lettre/): compose, pick and order the items, preview (HTML and text),
send a test to oneself, send, follow the sending."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from actors.models import NewsletterIssue
from actors.models.newsletter import IssueStatus
from actors.newsletter import issues
from actors.newsletter.issue_forms import IssueForm, parse_picks, parse_positions
from actors.newsletter.letters import html_body, issue_date, render_sample
from actors.permissions import staff_required
from cops.views_helpers import apply_service

ARCHIVE_PER_PAGE = 100

# --- Public archive -----------------------------------------------------------------------------------------


@require_GET
def archive(request):
    return render(request, "newsletter/archive.html", {"issues": issues.sent_issues()[:ARCHIVE_PER_PAGE]})


@require_GET
def issue(request, number: int):
    sent = get_object_or_404(issues.sent_issues(), number=number)
    return render(
        request,
        "newsletter/issue.html",
        {"issue": sent, "items": list(sent.items.all()), "issue_date": issue_date(sent)},
    )


# --- Staff ------------------------------------------------------------------------------------------------------


def _issue_or_404(pk: int) -> NewsletterIssue:
    return get_object_or_404(NewsletterIssue.objects.prefetch_related("topics"), pk=pk)


@staff_required
@require_GET
def staff_list(request):
    return render(request, "newsletter/staff/list.html", {"issues": list(issues.issues_for_staff())})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_create(request):
    form = IssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: issues.issue_create(by=request.user, **form.cleaned_data),
            form=form,
            success_message=_("Le numéro est créé : ajoutez-y des éléments."),
            redirect_to=_issue_url,
        )
        if response:
            return response
    return render(request, "newsletter/staff/create.html", {"form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_issue(request, pk: int):
    current = _issue_or_404(pk)
    is_draft = current.status == IssueStatus.DRAFT
    form = IssueForm(request.POST or None, instance=current) if is_draft else None
    if request.method == "POST":
        if form is None:
            messages.error(
                request, _("Ce numéro est envoyé (ou en cours d'envoi) : il ne peut plus être modifié.")
            )
            return redirect("newsletter:staff_issue", current.pk)
        if form.is_valid():
            response = apply_service(
                request,
                lambda: issues.issue_update(issue=current, **form.cleaned_data),
                form=form,
                success_message=_("Le numéro est enregistré."),
                redirect_to=_issue_url(current),
            )
            if response:
                return response
    context = {
        "issue": current,
        "form": form,
        "items": list(current.items.all()),
        "progress": issues.issue_progress(current),
    }
    if request.htmx and not is_draft:
        return render(request, "newsletter/staff/partials/_progress.html", context)
    if is_draft:
        since_last = request.GET.get("tout") != "1"
        context["since_last"] = since_last
        context["last_sent_at"] = issues.last_sent_at()
        context["candidates"] = issues.issue_candidates(current, since_last=since_last)
    return render(request, "newsletter/staff/issue.html", context)


@staff_required
@require_POST
def staff_add_items(request, pk: int):
    current = _issue_or_404(pk)
    picks = parse_picks(request.POST.getlist("pick"))
    apply_service(
        request,
        lambda: issues.issue_add_items(issue=current, picks=picks),
        success_message=lambda added: _("%(count)s élément(s) ajouté(s) au numéro.") % {"count": added},
        redirect_to=_issue_url(current),
    )
    return redirect("newsletter:staff_issue", current.pk)


@staff_required
@require_POST
def staff_order_items(request, pk: int):
    """Up / down buttons (`move` = "up:<id>" or "down:<id>") or the typed positions."""
    current = _issue_or_404(pk)
    move = request.POST.get("move", "")
    if move:
        direction, _sep, raw_id = move.partition(":")
        if direction not in {"up", "down"} or not raw_id.isdigit():
            messages.error(
                request, _("Déplacement inconnu : utilisez les boutons « Monter » et « Descendre ».")
            )
            return redirect("newsletter:staff_issue", current.pk)
        apply_service(
            request,
            lambda: issues.issue_item_move(issue=current, item_id=int(raw_id), direction=direction),
            redirect_to=_issue_url(current),
        )
        return redirect(f"{_issue_url(current)}#elements")
    positions, errors = parse_positions(request.POST, list(current.items.values_list("pk", flat=True)))
    for error in errors:
        messages.error(request, error)
    if not errors:
        apply_service(
            request,
            lambda: issues.issue_items_order(issue=current, positions=positions),
            success_message=_("L'ordre des éléments est enregistré."),
            redirect_to=_issue_url(current),
        )
    return redirect(f"{_issue_url(current)}#elements")


def _issue_url(current: NewsletterIssue) -> str:
    return reverse("newsletter:staff_issue", args=[current.pk])


@staff_required
@require_POST
def staff_remove_item(request, pk: int, item_pk: int):
    current = _issue_or_404(pk)
    apply_service(
        request,
        lambda: issues.issue_item_remove(issue=current, item_id=item_pk),
        success_message=_("L'élément est retiré du numéro."),
        redirect_to=_issue_url(current),
    )
    return redirect(f"{_issue_url(current)}#elements")


@staff_required
@require_GET
def staff_preview(request, pk: int):
    """The email exactly as subscribers get it, with a sample personal link: its HTML part, or
    its text part (`?format=texte`)."""
    current = _issue_or_404(pk)
    as_text = request.GET.get("format") == "texte"
    rendered = render_sample(current)
    return render(
        request,
        "newsletter/staff/preview.html",
        {
            "issue": current,
            "rendered": rendered,
            "html_body": html_body(rendered.html),
            "as_text": as_text,
            "from_email": settings.DEFAULT_FROM_EMAIL,
        },
    )


@staff_required
@require_POST
def staff_send_test(request, pk: int):
    current = _issue_or_404(pk)
    apply_service(
        request,
        lambda: issues.issue_send_test(issue=current, to=request.user),
        success_message=_("L'essai part à votre adresse %(email)s.") % {"email": request.user.email},
        redirect_to=_issue_url(current),
    )
    return redirect("newsletter:staff_issue", current.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def staff_send(request, pk: int):
    """GET: the confirmation, with the number of recipients; POST: the sending starts."""
    current = _issue_or_404(pk)
    if current.status != IssueStatus.DRAFT:
        messages.error(
            request, _("Ce numéro est déjà envoyé (ou en cours d'envoi) : il ne part pas une seconde fois.")
        )
        return redirect("newsletter:staff_issue", current.pk)
    if request.method == "POST":
        response = apply_service(
            request,
            lambda: issues.issue_send_request(issue=current, by=request.user),
            success_message=lambda count: _("L'envoi commence : %(count)s destinataire(s).")
            % {"count": count},
            redirect_to=_issue_url(current),
        )
        return response or redirect("newsletter:staff_send", current.pk)
    progress = issues.issue_progress(current)
    return render(
        request,
        "newsletter/staff/send.html",
        {"issue": current, "recipients": progress.recipients, "items": list(current.items.all())},
    )
