"""Forms of the contact relay: writing, answering, reporting, and choosing who may write.

Forms only validate; directory/services/contact.py writes and checks the rules again.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from actors.enums import ContactPolicy
from directory.models import ContactPurpose
from directory.models.contact import MESSAGE_MAX_LENGTH
from directory.services.contact import ABUSE_REASON_MAX_LENGTH

HONEYPOT_FIELD = "site_web"

MESSAGE_ERRORS = {
    "required": _("Écrivez votre message."),
    "max_length": _("Le message dépasse 5 000 caractères : raccourcissez-le (%(show_value)d actuellement)."),
}


class ContactMessageForm(forms.Form):
    sender_name = forms.CharField(
        label=_("Votre nom"),
        max_length=150,
        error_messages={"required": _("Indiquez votre nom.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    sender_email = forms.EmailField(
        label=_("Votre adresse électronique"),
        help_text=_(
            "Elle n'est pas transmise au destinataire : elle ne lui sera donnée que s'il vous répond."
        ),
        error_messages={
            "required": _("Indiquez votre adresse électronique."),
            "invalid": _("Saisissez une adresse électronique valide, par exemple nom@exemple.fr."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    purpose = forms.ChoiceField(
        label=_("Objet"),
        choices=[("", _("Choisissez l'objet de votre message"))] + list(ContactPurpose.choices),
        error_messages={"required": _("Choisissez l'objet de votre message.")},
    )
    body = forms.CharField(
        label=_("Votre message"),
        max_length=MESSAGE_MAX_LENGTH,
        help_text=_("5 000 caractères au plus. Présentez-vous et dites ce que vous attendez de cet échange."),
        error_messages=MESSAGE_ERRORS,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    # A field people never see (hidden by CSS, out of the tab order): only robots fill it in.
    site_web = forms.CharField(
        label=_("Ne remplissez pas ce champ"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and user.is_authenticated:
            # Signed in: the answer will go to the account's own address, shown but not editable.
            self.fields["sender_email"].initial = user.email
            self.fields["sender_email"].disabled = True
            self.fields["sender_email"].help_text = _(
                "L'adresse de votre compte. Elle n'est pas transmise au destinataire : elle ne lui sera "
                "donnée que s'il vous répond."
            )
            self.fields["sender_name"].initial = user.get_full_name()

    @property
    def is_robot(self) -> bool:
        return bool((self.data.get(HONEYPOT_FIELD) or "").strip())

    @property
    def visible_fields_list(self):
        return [self[name] for name in ("sender_name", "sender_email", "purpose", "body")]


class ContactReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Votre réponse"),
        max_length=MESSAGE_MAX_LENGTH,
        help_text=_("5 000 caractères au plus."),
        error_messages={
            "required": _("Écrivez votre réponse."),
            "max_length": MESSAGE_ERRORS["max_length"],
        },
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class AbuseReportForm(forms.Form):
    reason = forms.CharField(
        label=_("Ce qui pose problème"),
        max_length=ABUSE_REASON_MAX_LENGTH,
        help_text=_(
            "Par exemple : publicité, propos déplacés, insistance. L'équipe du COPS lira votre signalement."
        ),
        error_messages={
            "required": _("Dites en quelques mots ce qui pose problème."),
            "max_length": _("Le motif dépasse 2 000 caractères."),
        },
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _policy_choices(default_label: str | None = None) -> list[tuple[str, str]]:
    choices = [(value, label) for value, label in ContactPolicy.choices]
    if default_label is not None:
        choices.insert(0, ("", default_label))
    return choices


class ContactPreferencesForm(forms.Form):
    """One choice for the person (blank: the default of their profiles), one per structure."""

    def __init__(self, *args, person=None, structures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.structures = list(structures)
        if person is not None:
            default = ContactPolicy(_default_of(person))
            self.fields["person_policy"] = forms.ChoiceField(
                label=_("Qui peut vous écrire par la plateforme ?"),
                choices=_policy_choices(_("Par défaut : %(label)s") % {"label": _default_label(default)}),
                required=False,
                initial=person.accepts_messages,
                widget=forms.RadioSelect,
            )
        for structure in self.structures:
            self.fields[f"structure_{structure.pk}"] = forms.ChoiceField(
                label=_("Qui peut écrire à « %(name)s » ?") % {"name": structure.name},
                choices=_policy_choices(),
                initial=structure.accepts_messages,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choisissez une des options proposées.")},
            )

    @property
    def structure_fields(self):
        return [self[f"structure_{structure.pk}"] for structure in self.structures]

    def structure_policies(self) -> dict[int, str]:
        return {structure.pk: self.cleaned_data[f"structure_{structure.pk}"] for structure in self.structures}


def _default_of(person) -> str:
    """The policy the person's profiles give when they choose nothing."""
    sides = {profile.side for profile in person.profiles.all()}
    return person.__class__(accepts_messages="").contact_policy(sides=sides)


def _default_label(policy: ContactPolicy) -> str:
    return {
        ContactPolicy.EVERYONE: _("tout le monde"),
        ContactPolicy.PARTNERS: _("les partenaires connectés"),
        ContactPolicy.NOBODY: _("personne"),
    }[policy]
