"""The staff's « Messages aux inscrits » page of an event (/agenda/gestion/<pk>/messages/): write to
everyone registered (and, if chosen, to the waiting list), and the record of the messages sent."""

from __future__ import annotations

import uuid

from django import forms
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from actors.events import messages as event_messages
from actors.events.selectors import events
from actors.models import Meeting
from actors.models.events import EventMessage
from actors.permissions import staff_required
from cops.views_helpers import apply_service


class EventMessageForm(forms.Form):
    audience = forms.ChoiceField(
        label=gettext_lazy("Destinataires"),
        choices=EventMessage.Audience.choices,
        initial=EventMessage.Audience.CONFIRMED,
        widget=forms.RadioSelect,
    )
    subject = forms.CharField(
        label=gettext_lazy("Objet"),
        max_length=event_messages.MESSAGE_SUBJECT_MAX,
        required=False,
        help_text=gettext_lazy("Le titre de l'événement est ajouté à la suite."),
    )
    body = forms.CharField(
        label=gettext_lazy("Message"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=event_messages.MESSAGE_BODY_MAX,
        required=False,
        help_text=gettext_lazy(
            "Chaque personne reçoit son propre courriel, avec les informations pratiques de l'événement "
            "et le lien pour gérer son inscription."
        ),
    )
    # The form's key: the same form sent twice (double click, reload) sends once.
    client_key = forms.UUIDField(widget=forms.HiddenInput)


@staff_required
@require_http_methods(["GET", "POST"])
def event_messages_page(request, pk: int):
    event: Meeting = get_object_or_404(events(), pk=pk)
    form = EventMessageForm(request.POST or None, initial={"client_key": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        response = apply_service(
            request,
            lambda: event_messages.event_message_send(
                event=event,
                subject=data["subject"],
                body=data["body"],
                audience=data["audience"],
                client_key=data["client_key"],
                by=request.user,
            ),
            form=form,
            success_message=lambda message: (
                _("Ce message était déjà envoyé : il n'est pas reparti.")
                if message.repeated
                else _("Le message est envoyé à %(count)s personne(s).") % {"count": message.recipient_count}
            ),
            redirect_to=reverse("events:staff_messages", args=[event.pk]),
        )
        if response:
            return response
    counts = {
        value: event_messages.message_recipients(event, value).count()
        for value in EventMessage.Audience.values
    }
    return render(
        request,
        "actors/events/staff/messages.html",
        {
            "event": event,
            "form": form,
            "counts": counts,
            "sent": list(event.staff_messages.select_related("sent_by")[:50]),
        },
        status=400 if request.method == "POST" else 200,
    )
