"""cops/views_helpers.py: form → service → errors where they belong → message → redirect."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from cops.views_helpers import add_service_errors, apply_service


class MeetingForm(forms.Form):
    title = forms.CharField()
    email = forms.EmailField()


@pytest.fixture
def request_():
    request = RequestFactory().post("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


@pytest.fixture
def form():
    bound = MeetingForm({"title": "CoTec", "email": "lou@exemple.fr"})
    assert bound.is_valid()
    return bound


def messages_of(request) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(request)]


def refuse(error: ValidationError):
    def call():
        raise error

    return call


def test_a_field_error_lands_on_its_field(request_, form):
    response = apply_service(
        request_,
        refuse(ValidationError({"email": "Cette personne est déjà invitée."})),
        form=form,
        success_message="Invitée.",
        redirect_to="/reunions/",
    )

    assert response is None
    assert form.errors == {"email": ["Cette personne est déjà invitée."]}
    assert messages_of(request_) == []


def test_a_non_field_error_lands_on_the_form(request_, form):
    response = apply_service(
        request_,
        refuse(ValidationError("Cette réunion est annulée.")),
        form=form,
        success_message="Invitée.",
        redirect_to="/reunions/",
    )

    assert response is None
    assert form.errors == {"__all__": ["Cette réunion est annulée."]}
    assert form.non_field_errors() == ["Cette réunion est annulée."]


def test_errors_on_names_the_form_does_not_have_land_on_the_form(form):
    add_service_errors(
        form,
        ValidationError({"title": "Trop court.", "starts_at": "Date passée.", "__all__": "Annulée."}),
    )

    assert form.errors == {"title": ["Trop court."], "__all__": ["Date passée.", "Annulée."]}


def test_success_adds_the_message_and_redirects(request_, form):
    calls = []

    response = apply_service(
        request_,
        lambda: calls.append("saved"),
        form=form,
        success_message="Invitée.",
        redirect_to="/reunions/",
    )

    assert calls == ["saved"]
    assert (response.status_code, response.url) == (302, "/reunions/")
    assert messages_of(request_) == [("success", "Invitée.")]
    assert form.errors == {}


def test_message_and_redirect_can_depend_on_what_the_service_returned(request_):
    class Meeting:
        title = "CoTec"

        def get_absolute_url(self):
            return "/reunions/7/"

    response = apply_service(
        request_,
        Meeting,
        success_message=lambda meeting: f"« {meeting.title} » est créée.",
        redirect_to=lambda meeting: meeting,
    )

    assert response.url == "/reunions/7/"
    assert messages_of(request_) == [("success", "« CoTec » est créée.")]


def test_without_a_form_the_refusal_goes_to_the_messages(request_):
    response = apply_service(
        request_,
        refuse(ValidationError(["Cette réunion est annulée.", "Elle a déjà eu lieu."])),
        success_message="Invitée.",
        redirect_to="/reunions/",
    )

    assert response is None
    assert messages_of(request_) == [
        ("error", "Cette réunion est annulée."),
        ("error", "Elle a déjà eu lieu."),
    ]


def test_other_exceptions_are_not_swallowed(request_, form):
    def broken():
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError, match="bug"):
        apply_service(request_, broken, form=form, success_message="", redirect_to="/")
