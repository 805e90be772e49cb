"""The staff's writes on an event: save it with its programme, publish it, cancel it, duplicate it,
add or remove its documents. Registrations, seats and notices are actors.events.services (E1)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.charter_enums import EventKind, MeetingStatus
from actors.events import services as registration_services
from actors.events.forms import unique_slug
from actors.models import Meeting, User
from actors.models.events import EventDocument, EventSession


def event_save(*, form, sessions, by: User) -> Meeting:
    """Save the event form and its sessions' formset together: all of it, or nothing.

    `form` is a valid EventForm, `sessions` a valid SessionFormSet bound to the same instance.
    A session outside the event's hours is refused by the formset; the database constraints
    (end after start, a place or a visio link) back the forms up."""
    if form.cleaned_data.get("kind") == EventKind.COMMITTEE:
        raise ValidationError({"kind": _("Une réunion d'instance se crée depuis la page de son instance.")})
    with transaction.atomic():
        event = form.save(commit=False)
        creating = event.pk is None
        event.commune = form.cleaned_data.get("commune")
        event.registration_questions = form.cleaned_data.get("questions") or []
        event.committee = None
        if creating:
            event.created_by = by
        event.save()
        form.save_m2m()
        sessions.instance = event
        sessions.save()
    return event


def event_set_public(*, event: Meeting, is_public: bool, by: User) -> Meeting:
    """Put the event in the public agenda (or take it out)."""
    if is_public and event.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("Un événement annulé ne peut pas être publié."))
    Meeting.objects.filter(pk=event.pk).update(is_public=is_public, updated_at=timezone.now())
    event.is_public = is_public
    return event


def event_cancel(*, event: Meeting, by: User, what: str = "") -> int:
    """Cancel the event: its status, closed registrations, and the notice (with the calendar
    file removing it) to every person registered or waiting. Returns the number of notices."""
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=event.pk)
        if locked.status == MeetingStatus.CANCELLED:
            raise ValidationError(_("Cet événement est déjà annulé."))
        if locked.ends_at <= timezone.now():
            raise ValidationError(_("Un événement passé ne peut plus être annulé."))
        locked.status = MeetingStatus.CANCELLED
        locked.registration_open = False
        locked.save(update_fields=["status", "registration_open", "updated_at"])
        return registration_services.event_changed_notify(event=locked, by=by, what=what)


def event_duplicate(*, event: Meeting, by: User, starts_at=None, title: str = "") -> Meeting:
    """A copy of the event (fields, territories and sessions, not its registrations, documents or
    contributors), not public, its sessions shifted with it. Default date: one year later."""
    shift = (starts_at - event.starts_at) if starts_at else timedelta(days=365)
    with transaction.atomic():
        copy = Meeting.objects.get(pk=event.pk)
        territories = list(event.territories.all())
        sessions = list(event.sessions.all())
        copy.pk = None
        copy.id = None
        copy._state.adding = True
        copy.title = (title or event.title)[:200]
        copy.slug = unique_slug(copy.title, suffix=f"{(event.starts_at + shift):%Y}")
        copy.starts_at = event.starts_at + shift
        copy.ends_at = event.ends_at + shift
        copy.registration_closes_at = (
            event.registration_closes_at + shift if event.registration_closes_at else None
        )
        copy.is_public = False
        copy.status = MeetingStatus.PLANNED
        copy.minutes = ""
        copy.public_minutes = ""
        copy.minutes_approved_at = None
        copy.sequence = 0
        copy.created_by = by
        copy.uid = uuid.uuid4()
        copy.save()
        copy.territories.set(territories)
        EventSession.objects.bulk_create(
            EventSession(
                event=copy,
                title=session.title,
                description=session.description,
                starts_at=session.starts_at + shift,
                ends_at=session.ends_at + shift,
                room=session.room,
                track=session.track,
                capacity=session.capacity,
                speakers=session.speakers,
            )
            for session in sessions
        )
    return copy


def document_add(
    *, event: Meeting, by: User, title: str, moment: str, is_public: bool, upload, file_format: str
) -> EventDocument:
    """Store a document already checked by cops.uploads.detect_file_format."""
    with transaction.atomic():
        document = EventDocument(
            event=event,
            title=title.strip()[:200],
            moment=moment,
            is_public=is_public,
            file_format=file_format,
            file_size=upload.size,
            added_by=by,
        )
        document.file.save(upload.name, upload, save=False)
        document.save()
    return document


def document_remove(*, document: EventDocument, by: User) -> None:
    stored = document.file.name
    storage = document.file.storage
    document.delete()
    transaction.on_commit(lambda: storage.delete(stored) if stored else None)
