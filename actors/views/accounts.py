import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from actors.enums import Role
from actors.forms.accounts import (
    AccountDeleteForm,
    LoginForm,
    OutboxPasswordResetForm,
    ResendVerificationForm,
    SignupForm,
)
from actors.models import User
from actors.permissions import is_copil_member, is_cops_staff
from actors.services import accounts as services
from actors.tokens import email_verification_token
from cops.personal_data import account_delete, account_deletion_blockers, personal_data_export
from cops.ratelimit import limit_secret_guesses, rate_limit, secret_link_found
from cops.space import remember_menu, space_page, space_sections, space_waiting

# Per address. Sign-up, reset and new-link requests each send an email: the limits stop the forms
# being used to flood someone's mailbox or to enumerate accounts, while an office behind one
# address can still register a team. Login failures are throttled per account by django-axes;
# the login limit below only stops one address trying many accounts.
SIGNUP_RATE = "20/h"
PASSWORD_RESET_RATE = "10/h"
RESEND_VERIFICATION_RATE = "10/h"
LOGIN_RATE = "60/h"
# Per account: the deletion form checks a password, it must not become a way to guess it.
ACCOUNT_DELETE_RATE = "10/h"


@require_http_methods(["GET", "POST"])
@rate_limit(key="ip", rate=SIGNUP_RATE, methods=("POST",))
def signup(request):
    if request.user.is_authenticated:
        return redirect("actors:account")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_sign_up(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
        )
        # The same page whether the address was new or already had an account (its holder got an
        # email instead): the form must not tell who is registered.
        return render(request, "actors/signup_done.html", {"email": form.cleaned_data["email"]})
    return render(request, "actors/signup.html", {"form": form})


@limit_secret_guesses
def verify_email(request, uidb64: str, token: str):
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not email_verification_token.check_token(user, token):
        if user is not None and user.is_verified:
            messages.info(request, _("Votre adresse est déjà confirmée : vous pouvez vous connecter."))
            return redirect("actors:login")
        return render(
            request,
            "actors/verify_email_invalid.html",
            {"valid_days": email_verification_token.valid_days()},
            status=400,
        )
    secret_link_found(request)
    services.user_verify_email(user=user)
    messages.success(request, _("Merci, votre adresse est confirmée. Vous pouvez maintenant vous connecter."))
    return redirect("actors:login")


@require_http_methods(["GET", "POST"])
@rate_limit(key="ip", rate=RESEND_VERIFICATION_RATE, methods=("POST",))
def resend_verification(request):
    form = ResendVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = User.objects.filter(
            email__iexact=form.cleaned_data["email"], email_verified_at__isnull=True
        ).first()
        if user is not None:
            services.user_send_verification(user=user)
        # Same answer whether or not the account exists: the form must not reveal who is registered.
        messages.success(
            request,
            _("Si un compte non confirmé existe pour cette adresse, un nouveau lien vient d'y être envoyé."),
        )
        return redirect("actors:login")
    return render(request, "actors/resend_verification.html", {"form": form})


@login_required
@require_GET
def account(request):
    """Mon espace: what waits for the person, then their sections (each app contributes, see
    cops/space.py), then the account itself."""
    with space_page():
        sections = space_sections(request.user)
        waiting = space_waiting(request.user)
    names = request.user.group_names()
    # The menu's entries follow what the page shows (they were first kept at login).
    remember_menu(request, sections)
    return render(
        request,
        "actors/space.html",
        {
            "waiting": waiting,
            "sections": sections,
            "roles": [role.label for role in Role if role.value in names],
            "is_staff_member": is_cops_staff(request.user),
            "is_copil": is_copil_member(request.user),
        },
    )


@never_cache
@login_required
@require_GET
def personal_data(request):
    """The right of access: everything the platform holds about the signed-in person, as JSON."""
    data = personal_data_export(user=request.user)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mes-donnees-cops.json"'
    return response  # never_cache: "no-store, private", kept out of every cache


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@rate_limit(key="user", rate=ACCOUNT_DELETE_RATE, methods=("POST",))
def delete_account(request):
    blockers = account_deletion_blockers(request.user)
    form = AccountDeleteForm(request.user, request.POST or None)
    if request.method == "POST" and not blockers and form.is_valid():
        # Not apply_service: a refusal lists the blockers on the page, a success renders (no redirect).
        try:
            account_delete(user=request.user)
        except ValidationError as error:  # became a lead meanwhile
            blockers = error.messages[1:]
        else:
            logout(request)
            # Rendered, not redirected: nobody is signed in any more to see a message on another page.
            return render(request, "actors/account_deleted.html")
    return render(request, "actors/account_delete.html", {"form": form, "blockers": blockers})


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): a French page, 429, and when to come back."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    response = render(
        request,
        "actors/lockout.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response


@method_decorator(rate_limit(key="ip", rate=LOGIN_RATE, group="actors.login"), name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "actors/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "actors/password_change.html"
    success_url = reverse_lazy("actors:account")

    def form_valid(self, form):
        messages.success(self.request, gettext_lazy("Votre mot de passe a été changé."))
        return super().form_valid(form)


@method_decorator(
    rate_limit(key="ip", rate=PASSWORD_RESET_RATE, group="actors.password_reset"), name="dispatch"
)
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "actors/password_reset.html"
    form_class = OutboxPasswordResetForm
    success_url = reverse_lazy("actors:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "actors/password_reset_done.html"


@method_decorator(limit_secret_guesses, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "actors/password_reset_confirm.html"
    success_url = reverse_lazy("actors:login")

    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        # Right token: Django swaps it for the session and redirects to ".../set-password/", or,
        # there, finds the session's copy valid (validlink).
        swapped = response.status_code == 302 and response.url.endswith(f"/{self.reset_url_token}/")
        if self.validlink or swapped:
            secret_link_found(self.request)
        return response

    def form_valid(self, form):
        messages.success(
            self.request, gettext_lazy("Votre nouveau mot de passe est enregistré : connectez-vous.")
        )
        return super().form_valid(form)
