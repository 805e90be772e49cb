from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cops.figures import home_blocks, home_figures, staff_sections, staff_work
from cops.health import check_broker, check_database
from cops.permissions import staff_required


@require_GET
def home(request):
    # « Rejoindre l'annuaire » leads to the registration steps, or to one's profiles once one has
    # some: one EXISTS, for signed-in visitors only (through the account model: cops imports no app).
    has_profile = (
        request.user.is_authenticated
        and get_user_model().objects.filter(pk=request.user.pk, person__isnull=False).exists()
    )
    return render(
        request,
        "home.html",
        {"figures": home_figures(), "has_profile": has_profile, "home_blocks": home_blocks()},
    )


@never_cache
@require_GET
def healthz(request):
    checks = {"database": check_database(), "broker": check_broker()}
    failed = sorted(name for name, problem in checks.items() if problem)
    body = {name: ("ok" if problem is None else f"erreur : {problem}") for name, problem in checks.items()}
    body["status"] = "ok" if not failed else "erreur : " + ", ".join(failed)
    return JsonResponse(body, status=503 if failed else 200, json_dumps_params={"ensure_ascii": False})


@staff_required
@require_GET
def staff_home(request):
    return render(
        request,
        "staff/home.html",
        {
            "work": staff_work(request.user),
            "figures": home_figures(),
            "sections": staff_sections(request.user),
        },
    )


@require_GET
def privacy(request):
    # The periods the nightly purge applies (cops.retention), so the page never drifts from them.
    retention = {
        "unverified_account": settings.RETENTION_UNVERIFIED_ACCOUNT_DAYS,
        "draft_profile": settings.RETENTION_DRAFT_PROFILE_DAYS,
        "barometer_draft": settings.RETENTION_BAROMETER_DRAFT_DAYS,
        "sent_email": settings.RETENTION_SENT_EMAIL_DAYS,
        "login_attempt": settings.RETENTION_LOGIN_ATTEMPT_DAYS,
        "report": settings.RETENTION_REPORT_DAYS,
        "barometer_invitation": settings.RETENTION_BAROMETER_INVITATION_DAYS,
        "barometer_contact": settings.RETENTION_BAROMETER_CONTACT_DAYS,
        "selfassess_participant": settings.RETENTION_SELFASSESS_PARTICIPANT_DAYS,
        "meeting_guest": settings.RETENTION_MEETING_GUEST_DAYS,
        "event_needs": settings.RETENTION_EVENT_NEEDS_DAYS,
        "event_registration": settings.RETENTION_EVENT_REGISTRATION_DAYS,
        "event_unconfirmed": settings.RETENTION_EVENT_UNCONFIRMED_DAYS,
        "newsletter_unconfirmed": settings.RETENTION_NEWSLETTER_UNCONFIRMED_DAYS,
        "newsletter_unsubscribed": settings.RETENTION_NEWSLETTER_UNSUBSCRIBED_DAYS,
        "contact_message": settings.RETENTION_CONTACT_MESSAGE_DAYS,
    }
    return render(request, "pages/privacy.html", {"retention": retention})


@require_GET
def accessibility(request):
    return render(request, "pages/accessibility.html")
