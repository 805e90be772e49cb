"""Writes of the self-assessment: frameworks and their versions, sessions, invitations, ratings.

Every function checks the session's step inside the transaction, on the locked session row, so
an answer cannot slip in while the facilitator closes the individual step.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.models import Structure, User
from actors.permissions import is_cops_staff, is_structure_referent
from cops.mail import send_templated_email
from cops.tokens import new_token
from selfassess.enums import SCALE_MAX, SCALE_MIN, Side, Step
from selfassess.models import (
    AssessmentSession,
    Criterion,
    Framework,
    JointRating,
    Participant,
    Rating,
    Sector,
)


class FrameworkLocked(ValidationError):
    """The framework has answers: its wording and structure can no longer change."""


# --- Frameworks --------------------------------------------------------------------------------


def framework_is_answered(framework: Framework) -> bool:
    return (
        Rating.objects.filter(criterion__framework=framework).exists()
        or JointRating.objects.filter(criterion__framework=framework).exists()
    )


def framework_ensure_editable(framework: Framework) -> None:
    if framework.pk and framework_is_answered(framework):
        raise FrameworkLocked(
            _(
                "Ce référentiel a déjà des réponses : il ne peut plus être modifié. "
                "Créez-en une nouvelle version."
            )
        )


@transaction.atomic
def framework_new_version(*, framework: Framework) -> Framework:
    """Copy a framework, its sectors and criteria as the next version, not yet offered.

    The copy keeps the criteria codes, so a group's history lines the versions up criterion
    by criterion. It starts inactive: the admin edits it, then offers it for new sessions.
    """
    # Lock the versions of this slug so two admins cannot both create "version N+1".
    list(Framework.objects.select_for_update().filter(slug=framework.slug).values_list("pk"))
    latest = Framework.objects.filter(slug=framework.slug).aggregate(latest=Max("version"))["latest"]
    copy = Framework.objects.create(
        slug=framework.slug,
        version=latest + 1,
        name=framework.name,
        description=framework.description,
        guidance_professional=framework.guidance_professional,
        guidance_user=framework.guidance_user,
        guidance_joint=framework.guidance_joint,
        is_active=False,
        **{f"label_{value}": label for value, label in enumerate(framework.scale_labels)},
    )
    sectors = {}
    for sector in framework.sectors.all():
        sectors[sector.pk] = Sector.objects.create(framework=copy, name=sector.name, position=sector.position)
    Criterion.objects.bulk_create(
        Criterion(
            framework=copy,
            sector=sectors[criterion.sector_id],
            code=criterion.code,
            text=criterion.text,
            short_label=criterion.short_label,
            text_professional=criterion.text_professional,
            text_user=criterion.text_user,
            position=criterion.position,
        )
        for criterion in framework.criteria.all()
    )
    return copy


@transaction.atomic
def framework_update(*, framework: Framework, **changes) -> Framework:
    """Change a framework's own fields; an answered framework gets a new version instead.

    Returns the framework that now carries the change: the same one, or its new version.
    """
    target = framework
    if framework_is_answered(framework):
        target = framework_new_version(framework=framework)
    for name, value in changes.items():
        setattr(target, name, value)
    target.full_clean()
    target.save()
    return target


# --- Sessions ------------------------------------------------------------------------------------


def _lock(session: AssessmentSession) -> AssessmentSession:
    return AssessmentSession.objects.select_for_update().get(pk=session.pk)


def _require_step(session: AssessmentSession, step: Step) -> None:
    if session.step == step:
        return
    messages = {
        Step.INDIVIDUAL: _(
            "L'étape individuelle de cette séance est close : les réponses ne peuvent plus être modifiées."
        ),
        Step.GROUP: _("L'étape collective de cette séance n'est pas ouverte."),
    }
    if step == Step.GROUP and session.step == Step.CLOSED:
        raise ValidationError(_("Cette séance est terminée : les notes communes ne peuvent plus changer."))
    raise ValidationError(messages.get(step, _("Cette action n'est pas possible à cette étape.")))


@transaction.atomic
def session_create(
    *,
    by: User,
    title: str,
    framework: Framework,
    context: str = "",
    group_label: str = "",
    held_on=None,
    structure: Structure | None = None,
) -> AssessmentSession:
    if not framework.is_active:
        raise ValidationError(_("Ce référentiel n'est plus proposé pour les nouvelles séances."))
    # A session attached to a structure is offered to the staff for that structure's accompaniment.
    if structure is not None and not (is_cops_staff(by) or is_structure_referent(by, structure)):
        raise ValidationError(
            {
                "structure": _(
                    "Seuls les référents de cette structure et l'équipe de la COPS peuvent lui rattacher une séance."
                )
            }
        )
    session = AssessmentSession(
        title=title.strip(),
        context=context.strip(),
        group_label=group_label.strip(),
        structure=structure,
        framework=framework,
        facilitator=by,
        held_on=held_on or timezone.localdate(),
    )
    session.full_clean()
    session.save()
    return session


def participant_link(token: str) -> str:
    return settings.SITE_URL + reverse("selfassess:join", kwargs={"token": token})


def _send_invitation(participant: Participant, token: str) -> None:
    session = participant.session
    send_templated_email(
        to=participant.email,
        template="selfassess/emails/invitation",
        context={
            "participant": participant,
            "session": session,
            "framework": session.framework,
            "facilitator": session.facilitator,
            "link": participant_link(token),
        },
        reply_to=session.facilitator.email,
    )


@transaction.atomic
def participant_invite(
    *, session: AssessmentSession, by: User, name: str, email: str, side: str, notify: bool = True
) -> tuple[Participant, str]:
    """Add a participant and email them their personal link; returns the participant and token.

    The token is returned for the demo data and tests only: views never show it, or the
    facilitator could open the link and read that person's answers.
    """
    session = _lock(session)
    _require_step(session, Step.INDIVIDUAL)
    if side not in Side.values:
        raise ValidationError({"side": _("Choisissez le côté du participant : professionnel ou usager.")})
    email = email.strip().lower()
    if session.participants.filter(email=email).exists():
        raise ValidationError({"email": _("Cette personne est déjà invitée à cette séance.")})
    # 256 bits: the link carries the token, the database only its hash.
    token, token_hash = new_token()
    participant = Participant(
        session=session, name=name.strip(), email=email, side=side, token_hash=token_hash
    )
    participant.full_clean()
    participant.save()
    if notify:
        _send_invitation(participant, token)
    return participant, token


@transaction.atomic
def participant_resend_link(*, participant: Participant, by: User) -> str:
    """Send a fresh personal link; the previous one stops working (only its hash was kept)."""
    session = _lock(participant.session)
    _require_step(session, Step.INDIVIDUAL)
    token, token_hash = new_token()
    Participant.objects.filter(pk=participant.pk).update(token_hash=token_hash)
    participant.refresh_from_db()
    _send_invitation(participant, token)
    return token


@transaction.atomic
def participant_remove(*, participant: Participant, by: User) -> None:
    session = _lock(participant.session)
    _require_step(session, Step.INDIVIDUAL)
    if participant.ratings.exists():
        raise ValidationError(
            _("%(name)s a déjà commencé à répondre : sa participation ne peut plus être retirée.")
            % {"name": participant.name}
        )
    participant.delete()


def participant_mark_seen(*, participant: Participant) -> None:
    Participant.objects.filter(pk=participant.pk).update(last_seen_at=timezone.now())


def _validate_score(score) -> int:
    try:
        value = int(score)
    except (TypeError, ValueError):
        value = None
    if value is None or str(score).strip() != str(value) or not SCALE_MIN <= value <= SCALE_MAX:
        raise ValidationError(
            _("La note doit être un nombre entier de %(min)s à %(max)s.")
            % {"min": SCALE_MIN, "max": SCALE_MAX}
        )
    return value


def _require_criterion(session: AssessmentSession, criterion: Criterion) -> None:
    if criterion.framework_id != session.framework_id:
        raise ValidationError(_("Ce critère n'appartient pas au référentiel de cette séance."))


@transaction.atomic
def rating_save(*, participant: Participant, criterion: Criterion, score, comment: str = "") -> Rating:
    """Record or change a participant's score for one criterion while the individual step is open."""
    session = _lock(participant.session)
    _require_step(session, Step.INDIVIDUAL)
    _require_criterion(session, criterion)
    value = _validate_score(score)
    rating, _created = Rating.objects.update_or_create(
        participant=participant,
        criterion=criterion,
        defaults={"score": value, "comment": comment.strip(), "updated_at": timezone.now()},
    )
    return rating


@transaction.atomic
def session_close_individual(*, session: AssessmentSession, by: User) -> AssessmentSession:
    """Freeze the individual answers and open the group step, where aggregates become visible."""
    session = _lock(session)
    _require_step(session, Step.INDIVIDUAL)
    if not Rating.objects.filter(participant__session=session).exists():
        raise ValidationError(
            _("Personne n'a encore répondu : l'étape individuelle ne peut pas encore être close.")
        )
    session.step = Step.GROUP
    session.individual_closed_at = timezone.now()
    session.save(update_fields=["step", "individual_closed_at"])
    return session


@transaction.atomic
def joint_rating_save(
    *, session: AssessmentSession, criterion: Criterion, score, note: str = "", by: User
) -> JointRating:
    session = _lock(session)
    _require_step(session, Step.GROUP)
    _require_criterion(session, criterion)
    value = _validate_score(score)
    joint, _created = JointRating.objects.update_or_create(
        session=session,
        criterion=criterion,
        defaults={"score": value, "note": note.strip(), "updated_at": timezone.now(), "updated_by": by},
    )
    return joint


@transaction.atomic
def session_update_summary(*, session: AssessmentSession, summary: str, by: User) -> AssessmentSession:
    session = _lock(session)
    _require_step(session, Step.GROUP)
    session.summary = summary.strip()
    session.save(update_fields=["summary"])
    return session


@transaction.atomic
def session_close(*, session: AssessmentSession, by: User) -> AssessmentSession:
    session = _lock(session)
    _require_step(session, Step.GROUP)
    session.step = Step.CLOSED
    session.closed_at = timezone.now()
    session.save(update_fields=["step", "closed_at"])
    return session
