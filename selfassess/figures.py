from django.urls import reverse
from django.utils.translation import gettext as _

from actors.permissions import is_cops_staff
from cops.figures import Figure, StaffLink, StaffSection
from selfassess.enums import Step
from selfassess.models import AssessmentSession, Framework


def home_figures() -> list[Figure]:
    # A session counts once its individual step is closed: the group has actually compared its views.
    held = AssessmentSession.objects.exclude(step=Step.INDIVIDUAL).count()
    return [Figure(value=held, label=_("auto-évaluations menées"), url=reverse("selfassess:index"))]


def staff_sections(user) -> list[StaffSection]:
    if not is_cops_staff(user):
        return []
    sessions = AssessmentSession.objects.all()
    return [
        StaffSection(
            title=_("Auto-évaluation"),
            description=_(
                "Les séances de la cible du partenariat : invitations, étape collective, comptes rendus."
            ),
            links=[
                StaffLink(_("Toutes les séances"), reverse("selfassess:index"), sessions.count()),
                StaffLink(
                    _("Séances à l'étape individuelle"),
                    reverse("selfassess:index"),
                    sessions.filter(step=Step.INDIVIDUAL).count(),
                ),
                StaffLink(_("Créer une séance"), reverse("selfassess:session_create")),
                # The admin site opens for admins only (`is_staff`): other staff would be refused.
                *(
                    [
                        StaffLink(
                            _("Référentiels (administration)"),
                            reverse("admin:selfassess_framework_changelist"),
                            Framework.objects.count(),
                        )
                    ]
                    if user.is_staff
                    else []
                ),
            ],
        )
    ]
