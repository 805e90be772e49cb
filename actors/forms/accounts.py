from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import MaxLengthValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from actors.models import User
from cops.mail import send_templated_email

# An address is at most 254 characters (RFC 5321); django-axes stores the typed username in a
# 255-character column, so a longer one must stop at the form, not at the database.
EMAIL_MAX_LENGTH = 254


def _limit_username_length(form: AuthenticationForm) -> None:
    """AuthenticationForm sets max_length after the field is built, so nothing enforces it: add the
    validator the field would have had."""
    field = form.fields["username"]
    field.max_length = EMAIL_MAX_LENGTH
    field.widget.attrs["maxlength"] = str(EMAIL_MAX_LENGTH)
    if not any(isinstance(validator, MaxLengthValidator) for validator in field.validators):
        field.validators.append(MaxLengthValidator(EMAIL_MAX_LENGTH))


class SignupForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    email = forms.EmailField(
        label=_("Adresse électronique"),
        max_length=EMAIL_MAX_LENGTH,
        help_text=_("Nous vous enverrons un lien pour la confirmer."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Au moins 12 caractères, pas uniquement des chiffres, ni trop courant "
            "(mot, prénom, suite de touches comme azerty), ni un même caractère répété."
        ),
    )
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        # Whether the address already has an account is not checked here: the form must answer
        # the same for both (the service warns the holder by email instead).
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        elif password1:
            candidate = User(
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Adresse électronique ou mot de passe incorrect."),
        "inactive": _("Ce compte est désactivé."),
        "unverified": _(
            "Votre adresse n'est pas encore confirmée : cliquez sur le lien reçu par courriel, "
            "ou demandez un nouveau lien."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Adresse électronique")
        self.fields["username"].widget = forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
        _limit_username_length(self)
        self.fields["password"].label = _("Mot de passe")

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_verified:
            raise forms.ValidationError(self.error_messages["unverified"], code="unverified")


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login form, with the same length limit as ours (set as admin.site.login_form)."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        _limit_username_length(self)


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(label=_("Adresse électronique"), max_length=EMAIL_MAX_LENGTH)


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending through the platform's outbox like every other email."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        user = context["user"]
        reset_path = reverse(
            "actors:password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]}
        )
        send_templated_email(
            to=to_email,
            template="actors/emails/password_reset",
            context={"user": user, "reset_url": settings.SITE_URL + reset_path},
        )


class AccountDeleteForm(forms.Form):
    """Deleting the account asks for the password: a borrowed open session is not enough."""

    password = forms.CharField(
        label=_("Votre mot de passe, pour confirmer"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Ce mot de passe n'est pas le bon."))
        return password
