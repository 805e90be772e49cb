"""The self-assessment in Mon espace: ratings still to give, and one's sessions (cops/space.py).

Participants are not accounts: a signed-in person is a participant where the session invited
their (verified) address. Their rating page opens only through the personal link of their email
(selfassess/permissions.py), so Mon espace sends them to their mailbox, not to a page that would
refuse them; the session's page is for its facilitator.
"""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from cops.space import Badge, SpaceItem, SpaceLink, SpaceSection, Waiting, format_day, remembered_for_page
from selfassess.enums import Step
from selfassess.models import AssessmentSession, Criterion, Participant

# What the hooks below read (cops/space.py keeps their result per version of these tables).
SPACE_MODELS = (
    "selfassess.AssessmentSession",
    "selfassess.Participant",
    "selfassess.Criterion",
    "selfassess.Rating",
)

SESSIONS_SHOWN = 10
STEP_TONES = {Step.INDIVIDUAL: "pending", Step.GROUP: "pending", Step.CLOSED: "ok"}


def _participations(user) -> list[Participant]:
    """Read once per page: « À faire » and the section both use them."""
    return remembered_for_page(("selfassess.participations", user.pk), lambda: _participations_of(user))


def _participations_of(user) -> list[Participant]:
    if not user.is_verified:  # an unconfirmed address proves nothing about whose it is
        return []
    criteria = (
        Criterion.objects.filter(framework_id=OuterRef("session__framework_id"))
        .order_by()
        .values("framework_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        Participant.objects.filter(email__iexact=user.email)
        .select_related("session__facilitator")
        .annotate(
            answered=Count("ratings", distinct=True),
            criteria=Coalesce(Subquery(criteria, output_field=IntegerField()), 0),
        )
        .order_by("-session__held_on", "-session__pk")[:SESSIONS_SHOWN]
    )


def space_waiting(user) -> list[Waiting]:
    waiting = []
    for participant in _participations(user):
        session = participant.session
        if session.step != Step.INDIVIDUAL or (
            participant.criteria and participant.answered >= participant.criteria
        ):
            continue
        own = session.facilitator_id == user.pk
        waiting.append(
            Waiting(
                title=_("Donner vos notes : %(title)s") % {"title": session.title},
                detail=_(
                    "%(answered)s critère(s) noté(s) sur %(total)s. Ouvrez le lien personnel reçu par courriel le %(day)s."
                )
                % {
                    "answered": participant.answered,
                    "total": participant.criteria,
                    "day": format_day(participant.invited_at),
                },
                url=session.get_absolute_url() if own else "",
                action=_("Voir la séance") if own else "",
                due=session.held_on,
            )
        )
    return waiting


def space_sections(user) -> list[SpaceSection]:
    facilitated = list(
        AssessmentSession.objects.filter(facilitator=user)
        .annotate(participant_count=Count("participants"))
        .order_by("-held_on", "-pk")[:SESSIONS_SHOWN]
    )
    items = [
        SpaceItem(
            title=session.title,
            url=session.get_absolute_url(),
            detail=_("Vous animez cette séance du %(day)s ; %(count)s participant(s).")
            % {"day": format_day(session.held_on), "count": session.participant_count},
            badges=[Badge(session.get_step_display(), STEP_TONES.get(session.step, "neutral"))],
        )
        for session in facilitated
    ]
    seen = {session.pk for session in facilitated}
    for participant in _participations(user):
        session = participant.session
        if session.pk in seen:
            continue
        items.append(
            SpaceItem(
                title=session.title,
                detail=_("Vous participez à cette séance du %(day)s (côté %(side)s).")
                % {"day": format_day(session.held_on), "side": participant.side_short_label.lower()},
                badges=[Badge(session.get_step_display(), STEP_TONES.get(session.step, "neutral"))],
            )
        )
    return [
        SpaceSection(
            key="auto-evaluation",
            title=_("Mes séances d'auto-évaluation"),
            position=70,
            items=items,
            applies=bool(items),
            links=[SpaceLink(_("L'auto-évaluation du partenariat"), reverse("selfassess:index"))],
        )
    ]
