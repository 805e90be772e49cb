"""Forms of the news and of the newsletter's subscriptions: they validate input only; the services
(news.py, subscriptions.py) write and check the rules again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from actors.models import NewsItem, NewsletterTopic

HONEYPOT_FIELD = "site_web"

TOPIC_ERRORS = {
    "required": _("Choisissez au moins un thème."),
    "invalid_choice": _("Ce thème n'existe pas : choisissez parmi les thèmes proposés."),
    "invalid_pk_value": _("Ce thème n'existe pas : choisissez parmi les thèmes proposés."),
}


class TopicsField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=NewsletterTopic.objects.order_by("position", "name"),
            widget=forms.CheckboxSelectMultiple,
            error_messages=TOPIC_ERRORS,
            **kwargs,
        )

    def label_from_instance(self, obj) -> str:
        return obj.name


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label=_("Votre adresse électronique"),
        max_length=254,
        error_messages={
            "required": _("Indiquez votre adresse électronique."),
            "invalid": _("Saisissez une adresse électronique valide, par exemple nom@exemple.fr."),
            "max_length": _("Cette adresse est trop longue (254 caractères au plus)."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    topics = TopicsField(
        label=_("Les thèmes qui vous intéressent"),
        help_text=_("Tous sont cochés : décochez ceux que vous ne souhaitez pas recevoir."),
    )
    # A field people never see (hidden by CSS, out of the tab order): only robots fill it in.
    site_web = forms.CharField(
        label=_("Ne remplissez pas ce champ"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["topics"].initial = list(self.fields["topics"].queryset.values_list("pk", flat=True))

    @property
    def is_robot(self) -> bool:
        return bool((self.data.get(HONEYPOT_FIELD) or "").strip())


class TopicsForm(forms.Form):
    topics = TopicsField(label=_("Les thèmes que vous recevez"))


# --- Staff ------------------------------------------------------------------------------------------------


class NewsForm(forms.ModelForm):
    slug = forms.SlugField(
        label=_("Adresse de la page"),
        required=False,
        max_length=220,
        help_text=_("Laissez vide : elle est faite à partir du titre."),
        error_messages={"invalid": _("Lettres sans accent, chiffres et tirets seulement.")},
    )
    image = forms.FileField(
        label=_("Fichier de l'image"),
        required=False,
        help_text=_(
            "JPEG, PNG ou WebP, 5 Mo au plus. Ses métadonnées (lieu de la prise de vue…) sont effacées."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_image = forms.BooleanField(label=_("Retirer l'image"), required=False)
    topics = forms.ModelMultipleChoiceField(
        label=_("Thèmes"),
        required=False,
        queryset=NewsletterTopic.objects.order_by("position", "name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages=TOPIC_ERRORS,
    )
    events = forms.TypedMultipleChoiceField(
        label=_("Événements liés"),
        required=False,
        coerce=int,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Événements publics de l'agenda. Ctrl (ou Cmd) + clic pour en choisir plusieurs."),
        error_messages={"invalid_choice": _("Cet événement n'est pas (ou plus) public.")},
    )
    projects = forms.TypedMultipleChoiceField(
        label=_("Projets liés"),
        required=False,
        coerce=int,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        error_messages={"invalid_choice": _("Ce projet n'est pas (ou plus) publié.")},
    )
    resources = forms.TypedMultipleChoiceField(
        label=_("Ressources liées"),
        required=False,
        coerce=int,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        error_messages={"invalid_choice": _("Cette ressource n'est pas (ou plus) publiée.")},
    )

    class Meta:
        model = NewsItem
        fields = ("title", "slug", "summary", "body", "image_alt")
        labels = {"summary": _("En bref"), "body": _("Texte"), "image_alt": _("Description de l'image")}
        help_texts = {
            "summary": _(
                "Deux ou trois phrases : elles s'affichent dans la liste, sur l'accueil et dans les flux."
            ),
            "body": _("Séparez les paragraphes par une ligne vide."),
            "image_alt": _("Ce que montre l'image, pour les personnes qui ne la voient pas."),
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 12}),
        }
        error_messages = {
            "title": {"required": _("Donnez un titre à l'actualité.")},
            "summary": {
                "required": _("Écrivez le résumé (« En bref »)."),
                "max_length": _("Le résumé dépasse 600 caractères : raccourcissez-le."),
            },
        }

    def __init__(
        self, *args, choices: dict[str, list[tuple[int, str]]], linked: dict[str, list[int]], **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["image"].initial = None
        for name, kind in (("events", "evenement"), ("projects", "projet"), ("resources", "ressource")):
            if kind in choices:
                chosen = set(linked.get(kind, []))
                # What is linked comes first, so that a long list still shows it.
                self.fields[name].choices = sorted(choices[kind], key=lambda choice: choice[0] not in chosen)
                self.fields[name].initial = list(chosen)
            else:
                del self.fields[name]
        if self.instance.pk:
            self.fields["topics"].initial = list(self.instance.topics.values_list("pk", flat=True))
        if not (self.instance.pk and self.instance.image):
            del self.fields["remove_image"]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        links = {}
        if "projects" in data:
            links["projet"] = data["projects"]
        if "resources" in data:
            links["ressource"] = data["resources"]
        return {
            "title": data["title"],
            "slug": data.get("slug") or "",
            "summary": data["summary"],
            "body": data.get("body") or "",
            "image": data.get("image"),
            "remove_image": data.get("remove_image", False),
            "image_alt": data.get("image_alt") or "",
            "topics": data.get("topics") or [],
            "event_ids": data.get("events") or [],
            "links": links,
        }
