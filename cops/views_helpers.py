"""The one step every write view shares: form → service → errors where they belong → message → redirect.

    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: services.phase_reopen(phase=phase, by=request.user, **form.cleaned_data),
            form=form,
            success_message=_("La phase est rouverte."),
            redirect_to=accompaniment,
        )
        if response:
            return response
    return render(request, "…", {"form": form})  # the bound form, with the service's errors

A service refuses with a ValidationError: a dict one names the fields its messages belong to.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def add_service_errors(form: BaseForm, error: ValidationError) -> None:
    """Put a service's refusal on the form: each message next to its field when the error names
    one of the form's fields, at the top of the form otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def apply_service(
    request: HttpRequest,
    call: Callable[[], Any],
    *,
    form: BaseForm | None = None,
    success_message: str | Callable[[Any], str] = "",
    redirect_to: Any,
) -> HttpResponse | None:
    """Run `call` (the service); on success add the message and return the redirect.

    On a ValidationError, return None: the view shows the bound `form` again with the errors on
    their fields, or, for an action without a form, the errors are added as messages and the view
    redirects where it shows them. `success_message` and `redirect_to` may be functions of what
    the service returned (e.g. the created object); `redirect_to` is anything `redirect()` takes.
    """
    try:
        result = call()
    except ValidationError as error:
        if form is not None:
            add_service_errors(form, error)
        else:
            for message in error.messages:
                messages.error(request, message)
        return None
    message = success_message(result) if callable(success_message) else success_message
    if message:
        messages.success(request, message)
    return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)
