"""The contact relay: write to a person or a structure without seeing their address, answer through
the emailed link, report an abuse; the team's list of reports; one's own preferences."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from actors.enums import ContactPolicy, ModerationStatus
from actors.models import Person
from actors.permissions import directory_viewer_level, staff_required
from cops.ratelimit import limit_secret_guesses, secret_link_found
from cops.security import client_ip
from cops.views_helpers import add_service_errors, apply_service
from directory.forms_contact import (
    AbuseReportForm,
    ContactMessageForm,
    ContactPreferencesForm,
    ContactReplyForm,
)
from directory.models import ContactMessage
from directory.permissions import can_contact
from directory.selectors.contact import (
    ContactTarget,
    abuse_reports,
    contact_message_from_token,
    person_target,
    recipient_title,
    referent_structures,
    structure_target,
)
from directory.selectors.profiles import persons_for_display, structures_for_display
from directory.services import contact as services


def _allowed_or_refuse(request, target: ContactTarget):
    """None when the visitor may write; else the answer: a profile nobody may write to looks like
    an unknown one (404), a partners-only one sends an anonymous visitor to sign in."""
    if can_contact(request.user, target):
        return None
    if not target.is_published or not target.recipients or target.policy == ContactPolicy.NOBODY:
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied


def _write(request, target: ContactTarget, *, back_url: str):
    refusal = _allowed_or_refuse(request, target)
    if refusal is not None:
        return refusal
    recipient = target.title(directory_viewer_level(request.user))
    form = ContactMessageForm(request.POST if request.method == "POST" else None, user=request.user)
    sent = _("Votre message est transmis à %(name)s. Vous recevrez la réponse par courriel.") % {
        "name": recipient
    }
    status = 200
    if request.method == "POST":
        if form.is_robot:
            # A robot filled the hidden field: it sees the usual success, nothing is saved or sent.
            messages.success(request, sent)
            return redirect(back_url)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            # Not apply_service: a rate limit answers 429 with the form and its text kept.
            try:
                services.contact_message_send(
                    person=target.person,
                    structure=target.structure,
                    sender_user=request.user if request.user.is_authenticated else None,
                    sender_name=data["sender_name"],
                    sender_email=data["sender_email"],
                    purpose=data["purpose"],
                    body=data["body"],
                    client_ip=client_ip(request) or "",
                )
            except ValidationError as error:
                if getattr(error, "code", None) == services.RATE_LIMITED:
                    status = 429
                add_service_errors(form, error)
            else:
                messages.success(request, sent)
                return redirect(back_url)
    return render(
        request,
        "directory/contact/form.html",
        {
            "form": form,
            "recipient": recipient,
            "is_structure": target.structure is not None,
            "back_url": back_url,
            "retention_days": settings.RETENTION_CONTACT_MESSAGE_DAYS,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def contact_person(request, pk: int):
    person = get_object_or_404(persons_for_display(), pk=pk, status=ModerationStatus.PUBLISHED)
    return _write(request, person_target(person), back_url=reverse("directory:person_detail", args=[pk]))


@require_http_methods(["GET", "POST"])
def contact_structure(request, pk: int):
    structure = get_object_or_404(structures_for_display(), pk=pk, status=ModerationStatus.PUBLISHED)
    return _write(
        request, structure_target(structure), back_url=reverse("directory:structure_detail", args=[pk])
    )


# --- The recipient's secret link: answer, report --------------------------------------------------------


def _invalid_link(request):
    return render(
        request,
        "directory/contact/invalid.html",
        {"retention_days": settings.RETENTION_CONTACT_MESSAGE_DAYS},
        status=404,
    )


def _message_context(message: ContactMessage) -> dict:
    return {"message": message, "recipient": recipient_title(message)}


@never_cache
@require_http_methods(["GET", "POST"])
@limit_secret_guesses
def contact_reply(request, token: str):
    """Whoever holds the emailed link (the recipient) reads the message and answers it once."""
    message = contact_message_from_token(token)
    if message is None:
        return _invalid_link(request)
    secret_link_found(request)
    form = ContactReplyForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            response = apply_service(
                request,
                lambda: services.contact_message_reply(
                    message=message, body=form.cleaned_data["reply"], by=request.user
                ),
                form=form,
                success_message=_(
                    "Votre réponse est envoyée. Votre correspondant peut maintenant vous écrire directement."
                ),
                redirect_to=reverse("directory:contact_reply", args=[token]),
            )
            if response:
                return response
    return render(
        request,
        "directory/contact/reply.html",
        {**_message_context(message), "form": form, "token": token},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@limit_secret_guesses
def contact_abuse(request, token: str):
    message = contact_message_from_token(token)
    if message is None:
        return _invalid_link(request)
    secret_link_found(request)
    form = AbuseReportForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            response = apply_service(
                request,
                lambda: services.contact_message_report_abuse(
                    message=message, reason=form.cleaned_data["reason"]
                ),
                form=form,
                success_message=_("Merci : votre signalement est transmis à l'équipe du COPS."),
                redirect_to=reverse("directory:contact_abuse", args=[token]),
            )
            if response:
                return response
    return render(
        request,
        "directory/contact/abuse.html",
        {**_message_context(message), "form": form, "token": token},
        status=status,
    )


# --- The team ---------------------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET"])
def abuse_report_list(request):
    open_reports, handled = abuse_reports()
    return render(
        request,
        "directory/contact/abuse_reports.html",
        {
            "open_reports": [(report, recipient_title(report)) for report in open_reports],
            "handled": [(report, recipient_title(report)) for report in handled],
        },
    )


@staff_required
@require_POST
def abuse_report_handle(request, pk: int):
    message = get_object_or_404(ContactMessage, pk=pk, abuse_reported_at__isnull=False)
    apply_service(
        request,
        lambda: services.contact_abuse_handle(message=message, by=request.user),
        success_message=_("Le signalement est marqué comme traité."),
        redirect_to="directory:abuse_reports",
    )
    return redirect("directory:abuse_reports")


# --- One's own preferences ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def contact_preferences(request):
    person = Person.objects.filter(user=request.user).prefetch_related("profiles").first()
    structures = referent_structures(request.user) if person is not None else []
    form = ContactPreferencesForm(
        request.POST if request.method == "POST" else None, person=person, structures=structures
    )
    status = 200
    if request.method == "POST" and person is not None:
        status = 400
        if form.is_valid():
            response = apply_service(
                request,
                lambda: services.contact_preferences_save(
                    user=request.user,
                    person_policy=form.cleaned_data["person_policy"],
                    structure_policies=form.structure_policies(),
                ),
                form=form,
                success_message=_("Vos préférences de contact sont enregistrées."),
                redirect_to="directory:contact_preferences",
            )
            if response:
                return response
    return render(
        request,
        "directory/contact/preferences.html",
        {"form": form, "person": person, "structures": structures},
        status=status,
    )
