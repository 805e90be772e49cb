"""The permission matrix: every URL of the platform × every role, and the answer each role gets.

One entry per URL pattern, keyed by its namespaced name (`directory:person_detail`), or by
`route:<route>` for a pattern without a name. The Django admin's entries are generated from
`admin.site._registry` (five views and a redirect per registered model) plus the site-wide
views listed here, so a new admin view nobody thought about still fails the completeness test.

The objects the kwargs point at belong to people outside the cast (see `build_world` in
test_permission_matrix.py): a partner, the référent of *another* structure (B) and a CoPil
member look at structure A's data; the staff and the admin run the platform.

Notation, one expectation per role (anonymous, partner, référent of B, CoPil, staff, admin):
- an int: that status code;
- LOGIN: a 302 to the login page with `?next=` the requested path (ADMIN_LOGIN: the admin's);
- Redirect(...): a 302 somewhere else (a path, or a function of the world giving one).
POST-only endpoints are called with an empty body: the answer must never be a 500.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

ROLES = ("anonymous", "partner", "referent", "copil", "staff", "admin")

# Well-formed (43 url-safe characters, the length of every personal link) and matching nothing.
UNKNOWN_TOKEN = "ceLienNExistePas-" + "x" * 26
# The id of no account, for the links carrying a user id (email verification, password reset).
UNKNOWN_UID = urlsafe_base64_encode(force_bytes(987654321))


class Login:
    """302 to settings.LOGIN_URL?next=<requested path>."""

    def __repr__(self) -> str:
        return "LOGIN"


class AdminLogin:
    """302 to the admin's login page ?next=<requested path>."""

    def __repr__(self) -> str:
        return "ADMIN_LOGIN"


LOGIN = Login()
ADMIN_LOGIN = AdminLogin()


@dataclass(frozen=True)
class Redirect:
    """302 to `to` (a path, or a function of the world); `prefix`: the Location only starts with it."""

    to: str | Callable
    prefix: bool = False

    def __repr__(self) -> str:
        return f"Redirect({self.to if isinstance(self.to, str) else '…'})"


Expected = int | Login | AdminLogin | Redirect


def roles(anonymous, partner, referent, copil, staff, admin) -> dict[str, Expected]:
    return dict(zip(ROLES, (anonymous, partner, referent, copil, staff, admin), strict=True))


def everyone(status: Expected) -> dict[str, Expected]:
    return roles(*([status] * len(ROLES)))


def signed_in(status: Expected = 200) -> dict[str, Expected]:
    """Anonymous visitors go to the login page; every account gets `status`."""
    return roles(LOGIN, status, status, status, status, status)


def staff_only(status: Expected = 200) -> dict[str, Expected]:
    """The COPS team's pages (`staff_required`): a 403 for any other account."""
    return roles(LOGIN, 403, 403, 403, status, status)


def staff_object(status: Expected = 200) -> dict[str, Expected]:
    """Objects only the staff may see: others get a 404, as if the object did not exist."""
    return roles(LOGIN, 404, 404, 404, status, status)


def admin_only(status: Expected = 200) -> dict[str, Expected]:
    """The Django admin: only `is_staff` accounts (the administrators) get in."""
    return roles(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, status)


SIGNED_IN_ROLES = ROLES[1:]

PUBLIC = everyone(200)
SIGNED_IN = signed_in()
STAFF_ONLY = staff_only()
STAFF_OBJECT = staff_object()
ADMIN_ONLY = admin_only()


@dataclass(frozen=True)
class Entry:
    expect: dict[str, Expected]
    kwargs: Callable[..., dict] | None = None
    method: str = "GET"
    query: dict = field(default_factory=dict)
    # Text the page shows every role: the French page explaining an invalid link or a refusal.
    shows: str = ""
    # Someone else's data a list must not show these roles (and must show `seen_by`, so that the
    # text is known to be on the page when it may be).
    hides: str = ""
    hidden_from: tuple[str, ...] = ()
    seen_by: tuple[str, ...] = ()
    # Only present in some configurations (DEBUG): not reported as stale when absent.
    optional: bool = False
    note: str = ""


def _pk(name: str) -> Callable[..., dict]:
    return lambda w: {"pk": getattr(w, name).pk}


def _year(name: str) -> Callable[..., dict]:
    return lambda w: {"year": getattr(w, name).year}


def _path(name: str, **kwargs) -> Callable:
    """A redirect target given by URL name; kwargs are functions of the world."""
    from django.urls import reverse

    return lambda w: reverse(name, kwargs={key: value(w) for key, value in kwargs.items()})


MEETING = _pk("meeting")
ACCOMPANIMENT = _pk("accompaniment")
SESSION = _pk("assessment_session")
QUESTIONNAIRE = _pk("questionnaire")
CAMPAIGN = _year("campaign")
COMMITTEE = lambda w: {"slug": w.committee.slug}  # noqa: E731
PROJECT = lambda w: {"slug": w.project.slug}  # noqa: E731
EVENT = _pk("event")
EVENT_SLUG = lambda w: {"slug": w.event.slug}  # noqa: E731
SURVEY_EVENT = lambda w: {"event_pk": w.survey_event.pk}  # noqa: E731
TO_EVENT_EDIT = Redirect(lambda w: f"/agenda/gestion/{w.event.pk}/")
TO_PROJECT_PERSONS = Redirect(lambda w: f"/projets/{w.project.slug}/personnes/")
TO_PROJECT_DOCUMENTS = Redirect(lambda w: f"/projets/{w.project.slug}/documents/")
REPORT = _pk("report_job")
SUPPORT_REQUEST = _pk("support_request")
PUBLIC_KEY = lambda w: {"key": w.questionnaire.public_key}  # noqa: E731

TO_MEETING = Redirect(_path("charter:meeting_detail", pk=lambda w: w.meeting.pk))
TO_CAMPAIGN = Redirect(_path("barometer:staff_campaign", year=lambda w: w.campaign.year))
TO_CONTACTS = Redirect(_path("barometer:staff_contacts", year=lambda w: w.campaign.year))
TO_QUESTIONNAIRE = Redirect(_path("barometer:staff_questionnaire", pk=lambda w: w.questionnaire.pk))
TO_ANSWER_START = Redirect(_path("barometer:answer_start", key=lambda w: w.questionnaire.public_key))
TO_SESSION = Redirect(_path("selfassess:session_detail", pk=lambda w: w.assessment_session.pk))
TO_ACCOMPANIMENT = Redirect(_path("accompaniment:detail", pk=lambda w: w.accompaniment.pk))
TO_EVALUATION_FOLLOWUP = Redirect(
    _path(
        "accompaniment:evaluation_followup",
        pk=lambda w: w.accompaniment.pk,
        evaluation_pk=lambda w: w.evaluation.pk,
    )
)


def _in_accompaniment(name: str, attribute: str) -> Callable[..., dict]:
    """The kwargs of an item's page inside the world's accompaniment."""
    return lambda w: {"pk": w.accompaniment.pk, name: getattr(w, attribute).pk}


TO_ACCOUNT = Redirect("/compte/")


def _accompaniment_section(anchor: str) -> Redirect:
    return Redirect(lambda w: w.accompaniment.get_absolute_url() + anchor)


# --- The platform's own URLs ------------------------------------------------------------------------

MATRIX: dict[str, Entry] = {
    # Site-wide pages
    "home": Entry(PUBLIC),
    "healthz": Entry(PUBLIC, note="database and broker checks; no detail beyond ok/erreur"),
    "sitemap": Entry(PUBLIC),
    "robots_txt": Entry(PUBLIC),
    "set_language": Entry(everyone(Redirect("/")), method="POST"),
    "javascript-catalog": Entry(PUBLIC),
    "media": Entry(
        everyone(404),
        kwargs=lambda w: {"path": "rien.jpg"},
        optional=True,
        note="public uploads (photos, logos, news images), served unless SERVE_MEDIA is off; nothing private lives there",
    ),
    # Platform: staff home, legal pages, report jobs (the job belongs to structure A's référent)
    "platform:staff_home": Entry(STAFF_ONLY),
    "platform:privacy": Entry(PUBLIC),
    "platform:accessibility": Entry(PUBLIC),
    "platform:report_list": Entry(
        SIGNED_IN,
        hides="Bilan confidentiel de A",
        hidden_from=SIGNED_IN_ROLES,
        note="each account lists its own jobs, the staff included",
    ),
    "platform:report_request": Entry(signed_in(Redirect("/rapports/")), method="POST"),
    "platform:report_status": Entry(staff_object(), kwargs=REPORT),
    "platform:report_download": Entry(staff_object(), kwargs=REPORT),
    "platform:report_retry": Entry(
        staff_object(Redirect(_path("platform:report_status", pk=lambda w: w.report_job.pk))),
        kwargs=REPORT,
        method="POST",
        note="a finished job is not run again: back to its page",
    ),
    # Accounts
    "actors:account": Entry(SIGNED_IN),
    "actors:personal_data": Entry(SIGNED_IN, note="each account downloads its own data only (JSON)"),
    "actors:delete_account": Entry(
        SIGNED_IN, note="the confirmation page (or what to hand over first); deleting needs the password"
    ),
    "actors:signup": Entry(roles(200, TO_ACCOUNT, TO_ACCOUNT, TO_ACCOUNT, TO_ACCOUNT, TO_ACCOUNT)),
    "actors:verify_email": Entry(
        everyone(400),
        kwargs=lambda w: {"uidb64": UNKNOWN_UID, "token": "lien-invalide"},
        note="invalid link: the French « lien invalide » page",
        shows="Ce lien n'est plus valable",
    ),
    "actors:resend_verification": Entry(PUBLIC),
    "actors:login": Entry(roles(200, TO_ACCOUNT, TO_ACCOUNT, TO_ACCOUNT, TO_ACCOUNT, TO_ACCOUNT)),
    "actors:logout": Entry(everyone(Redirect("/")), method="POST"),
    "actors:password_change": Entry(SIGNED_IN),
    "actors:password_reset": Entry(PUBLIC),
    "actors:password_reset_done": Entry(PUBLIC),
    "actors:password_reset_confirm": Entry(
        PUBLIC,
        kwargs=lambda w: {"uidb64": UNKNOWN_UID, "token": "lien-invalide"},
        note="invalid link: the form page says the link is no longer valid (200, Django's behaviour)",
        shows="Ce lien n'est plus valable",
    ),
    # Charter
    "charter:charter": Entry(PUBLIC),
    "charter:version": Entry(PUBLIC, kwargs=_year("charter_version")),
    "charter:sign": Entry(SIGNED_IN),
    "charter:withdraw": Entry(
        staff_object(),
        kwargs=_pk("signature"),
        note="someone else's signature: 404 (withdrawn signatures and hidden names are not public)",
    ),
    "charter:signatories": Entry(PUBLIC),
    "charter:export": Entry(STAFF_ONLY, kwargs=lambda w: {"fmt": "csv"}),
    "charter:statistics": Entry(PUBLIC),
    "charter:manage": Entry(STAFF_ONLY),
    "charter:version_create": Entry(STAFF_ONLY),
    "charter:version_edit": Entry(STAFF_ONLY, kwargs=_pk("charter_version")),
    "charter:version_publish": Entry(STAFF_ONLY, kwargs=_pk("charter_version")),
    "charter:annual_report": Entry(staff_only(Redirect("/charte/gestion/")), method="POST"),
    # Committees (the meeting is a CoPil meeting the CoPil member is invited to)
    "charter:committees": Entry(PUBLIC),
    "charter:copil": Entry(PUBLIC),
    "charter:my_meetings": Entry(
        SIGNED_IN,
        hides="Réunion restreinte du CoPil",
        hidden_from=("partner", "referent", "staff", "admin"),
        seen_by=("copil",),
        note="the meetings one is invited to",
    ),
    "charter:committees_manage": Entry(STAFF_ONLY),
    "charter:mandate_edit": Entry(STAFF_ONLY, kwargs=_pk("mandate")),
    "charter:committee_manage": Entry(STAFF_ONLY, kwargs=COMMITTEE),
    "charter:binome_create": Entry(STAFF_ONLY, kwargs=COMMITTEE),
    "charter:mandate_create": Entry(STAFF_ONLY, kwargs=COMMITTEE),
    "charter:composition_validate": Entry(STAFF_ONLY, kwargs=COMMITTEE),
    "charter:meeting_create": Entry(STAFF_ONLY, kwargs=COMMITTEE),
    "charter:meeting_detail": Entry(roles(LOGIN, 404, 404, 200, 200, 200), kwargs=MEETING),
    "charter:meeting_ics": Entry(roles(LOGIN, 404, 404, 200, 200, 200), kwargs=MEETING),
    "charter:meeting_edit": Entry(STAFF_ONLY, kwargs=MEETING),
    "charter:meeting_invite": Entry(staff_only(TO_MEETING), kwargs=MEETING, method="POST"),
    "charter:participant_add": Entry(staff_only(400), kwargs=MEETING, method="POST"),
    "charter:meeting_cancel": Entry(staff_only(TO_MEETING), kwargs=MEETING, method="POST"),
    "charter:meeting_attendance": Entry(STAFF_ONLY, kwargs=MEETING),
    "charter:meeting_minutes": Entry(STAFF_ONLY, kwargs=MEETING),
    # Committee life: answering an invitation (the empty body names no answer: 400 for the member
    # invited; the staff answer for nobody), the public committee pages and register of decisions.
    "charter:meeting_respond": Entry(roles(LOGIN, 404, 404, 400, 403, 403), kwargs=MEETING, method="POST"),
    "charter:meeting_answer": Entry(
        everyone(404), kwargs=lambda w: {"token": UNKNOWN_TOKEN}, shows="Ce lien de réponse n'est pas valide"
    ),
    "charter:committee_detail": Entry(PUBLIC, kwargs=lambda w: {"slug": "cotec"}),
    "charter:decisions": Entry(
        PUBLIC,
        hides="Décision restreinte du CoPil",
        hidden_from=ROLES,
        note="its meeting's minutes are not approved: not in the public register",
    ),
    "charter:decision_follow_up": Entry(staff_only(400), kwargs=_pk("decision"), method="POST"),
    # Directory: browsing (the person's photo is shown to partners only)
    "directory:list": Entry(PUBLIC),
    "directory:map": Entry(PUBLIC),
    "directory:map_embed": Entry(PUBLIC),  # H4: the embeddable map (public view for every role)
    "directory:patient_partners": Entry(PUBLIC),
    "directory:person_detail": Entry(PUBLIC, kwargs=_pk("person")),
    "directory:person_photo": Entry(
        roles(404, 200, 200, 404, 200, 200),
        kwargs=_pk("person"),
        note="the CoPil member has no published profile of their own: public level, no photo",
    ),
    "directory:structure_detail": Entry(PUBLIC, kwargs=_pk("structure_a")),
    "directory:structure_logo": Entry(
        roles(404, 404, 404, 404, 200, 200),
        kwargs=_pk("pending_structure"),
        note="a structure waiting for moderation: its logo is not public yet",
    ),
    "directory:commune_suggestions": Entry(PUBLIC, query={"q": "toul"}),
    "directory:export": Entry(
        roles(LOGIN, 200, 200, 403, 200, 200),
        kwargs=lambda w: {"fmt": "csv"},
        note="partners (own profile published) and the staff; an account without a profile: 403",
    ),
    "directory:confirm_accuracy": Entry(
        everyone(400),
        kwargs=lambda w: {"token": UNKNOWN_TOKEN},
        note="invalid link: French error page",
        shows="Lien expiré ou non valide",
    ),
    # Directory: registering, one's own profiles
    "directory:register": Entry(SIGNED_IN),
    "directory:register_person": Entry(SIGNED_IN, kwargs=lambda w: {"step": "identite"}),
    "directory:register_structure_new": Entry(SIGNED_IN),
    "directory:register_structure": Entry(
        STAFF_ONLY, kwargs=lambda w: {"pk": w.structure_a.pk, "step": "identite"}
    ),
    "directory:my_profiles": Entry(
        SIGNED_IN, hides="Centre hospitalier A", hidden_from=SIGNED_IN_ROLES, note="one's own profiles"
    ),
    "directory:my_data": Entry(
        roles(LOGIN, 200, 200, 404, 404, 404), note="one's own person profile; none for these accounts"
    ),
    "directory:profile_action": Entry(
        staff_only(Redirect("/annuaire/mes-fiches/")),
        kwargs=lambda w: {"kind": "structure", "pk": w.structure_a.pk, "action": "archiver"},
        method="POST",
    ),
    # Directory: memberships (the pending request is someone's request to join structure A)
    "directory:membership_request": Entry(
        roles(
            LOGIN,
            Redirect(_path("directory:structure_detail", pk=lambda w: w.structure_a.pk)),
            Redirect(_path("directory:structure_detail", pk=lambda w: w.structure_a.pk)),
            Redirect("/annuaire/inscription/personne/identite/"),
            Redirect("/annuaire/inscription/personne/identite/"),
            Redirect("/annuaire/inscription/personne/identite/"),
        ),
        kwargs=_pk("structure_a"),
        method="POST",
        note="an account without a person profile is sent to create one first",
    ),
    "directory:membership_requests": Entry(
        SIGNED_IN,
        hides="Demandeuse-de-A",
        hidden_from=SIGNED_IN_ROLES,
        note="requests to join one's own structures (the staff: structures without a référent)",
    ),
    "directory:membership_decide": Entry(
        staff_only(Redirect("/annuaire/demandes/")), kwargs=_pk("membership_request"), method="POST"
    ),
    # Directory: moderation
    "directory:moderation_queue": Entry(STAFF_ONLY),
    "directory:moderation_review": Entry(
        STAFF_ONLY, kwargs=lambda w: {"kind": "personne", "pk": w.person.pk}
    ),
    "directory:merge_profiles": Entry(
        STAFF_ONLY, kwargs=lambda w: {"kind": "personne", "keep": w.person.pk, "remove": w.duplicate.pk}
    ),
    # Events of the community: the agenda, an event's pages, the personal links of a registration
    # (unknown tokens here), and the team's management pages.
    "events:agenda": Entry(PUBLIC),
    "events:month": Entry(PUBLIC, kwargs=lambda w: {"month": "2031-06"}),
    "events:past": Entry(PUBLIC),
    "events:feed": Entry(PUBLIC),  # text/calendar, never a visio link
    "events:detail": Entry(PUBLIC, kwargs=EVENT_SLUG),  # draft: 404 except staff/admin 200
    "events:registered": Entry(
        everyone(Redirect(lambda w: f"/agenda/{w.event.slug}/")), kwargs=EVENT_SLUG
    ),  # no registration in session
    "events:register": Entry(
        everyone(400), kwargs=EVENT_SLUG, method="POST"
    ),  # empty body: the form's errors
    "events:event_ics": Entry(PUBLIC, kwargs=EVENT_SLUG),
    "events:document": Entry(
        PUBLIC, kwargs=lambda w: {"slug": w.event.slug, "pk": w.event_document.pk}
    ),  # private doc: 404 except confirmed participant/staff
    "events:confirm": Entry(
        everyone(404), kwargs=lambda w: {"token": UNKNOWN_TOKEN}, shows="Ce lien n’est pas ou plus valable."
    ),
    "events:manage": Entry(everyone(404), kwargs=lambda w: {"token": UNKNOWN_TOKEN}),
    "events:manage_ics": Entry(everyone(404), kwargs=lambda w: {"token": UNKNOWN_TOKEN}),
    "events:staff_list": Entry(STAFF_ONLY),
    "events:staff_create": Entry(STAFF_ONLY),
    "events:staff_edit": Entry(STAFF_ONLY, kwargs=EVENT),
    "events:staff_publish": Entry(
        staff_only(TO_EVENT_EDIT), kwargs=EVENT, method="POST"
    ),  # empty body = unpublish
    "events:staff_close": Entry(staff_only(TO_EVENT_EDIT), kwargs=EVENT, method="POST"),
    "events:staff_cancel": Entry(
        staff_only(TO_EVENT_EDIT), kwargs=EVENT, method="POST"
    ),  # NB: cancels the world's event: order after GETs or use a second event
    "events:staff_duplicate": Entry(STAFF_ONLY, kwargs=EVENT),
    "events:staff_documents": Entry(STAFF_ONLY, kwargs=EVENT),
    "events:staff_document_remove": Entry(
        staff_only(Redirect(lambda w: f"/agenda/gestion/{w.event.pk}/documents/")),
        kwargs=lambda w: {"pk": w.event.pk, "document_pk": w.event_document.pk},
        method="POST",
    ),
    "events:staff_contributors": Entry(STAFF_ONLY, kwargs=EVENT),
    "events:staff_contributor_remove": Entry(
        staff_only(Redirect(lambda w: f"/agenda/gestion/{w.event.pk}/intervenants/")),
        kwargs=lambda w: {"pk": w.event.pk, "contributor_pk": w.event_contributor.pk},
        method="POST",
    ),
    "events:staff_registrations": Entry(STAFF_ONLY, kwargs=EVENT),
    # Attendance: the team checks people in (list, or the QR code of the confirmation email), the
    # participant downloads the certificate with the personal link (an unknown one here).
    "events:checkin_list": Entry(STAFF_ONLY, kwargs=EVENT),
    "events:checkin": Entry(
        staff_only(404), kwargs=lambda w: {"pk": w.event.pk, "participant_pk": 987654321}, method="POST"
    ),
    "events:certificate_staff": Entry(
        staff_only(404), kwargs=lambda w: {"pk": w.event.pk, "participant_pk": 987654321}
    ),
    "events:checkin_scan": Entry(
        roles(LOGIN, 403, 403, 403, 404, 404), kwargs=lambda w: {"token": UNKNOWN_TOKEN}
    ),
    "events:certificate": Entry(everyone(404), kwargs=lambda w: {"token": UNKNOWN_TOKEN}),
    "events:staff_export": Entry(STAFF_ONLY, kwargs=lambda w: {"pk": w.event.pk, "fmt": "csv"}),
    # The staff's message to everyone registered (actors/events/messages.py)
    "events:staff_messages": Entry(STAFF_ONLY, kwargs=EVENT),
    # A person's answer to the invitation to appear as speaker: their own only (the world's
    # contributor is a structure, nobody's invitation: not found for every account).
    "events:contributor_answer": Entry(
        roles(LOGIN, 404, 404, 404, 404, 404), kwargs=lambda w: {"pk": w.event_contributor.pk}
    ),
    # An event's satisfaction questionnaire (barometer/event_surveys.py): the staff's pages keyed by
    # the event; its published results on the public side, under the small-numbers rule.
    "barometer:event_survey": Entry(STAFF_ONLY, kwargs=SURVEY_EVENT),
    "barometer:event_survey_create": Entry(
        staff_only(Redirect(lambda w: f"/barometre/equipe/evenements/{w.event.pk}/")),
        kwargs=lambda w: {"event_pk": w.event.pk},
        method="POST",
    ),
    "barometer:event_survey_status": Entry(
        staff_only(Redirect(lambda w: f"/barometre/equipe/evenements/{w.survey_event.pk}/")),
        kwargs=SURVEY_EVENT,
        method="POST",
    ),  # empty body: no such status, a message and back to the page
    "barometer:event_survey_results": Entry(STAFF_ONLY, kwargs=SURVEY_EVENT),
    "barometer:event_survey_export": Entry(
        STAFF_ONLY, kwargs=lambda w: {"event_pk": w.survey_event.pk, "fmt": "csv"}
    ),
    "barometer:event_survey_public": Entry(PUBLIC, kwargs=lambda w: {"slug": w.survey_event.slug}),
    # News (« Actualités »), its feeds, and the newsletter's subscriptions: the form, the personal
    # links (unknown tokens here), the signed-in person's own subscription; the team's news pages.
    "news:list": Entry(PUBLIC),
    "news:rss": Entry(PUBLIC),
    "news:atom": Entry(PUBLIC),
    "news:detail": Entry(PUBLIC, kwargs=lambda w: {"slug": w.news.slug}),  # a draft: 404 except staff
    "news:subscribe": Entry(PUBLIC),
    "news:confirm": Entry(
        everyone(404), kwargs=lambda w: {"token": UNKNOWN_TOKEN}, shows="Ce lien n’est pas ou plus valable."
    ),
    "news:preferences": Entry(
        everyone(404), kwargs=lambda w: {"token": UNKNOWN_TOKEN}, shows="Ce lien n’est pas ou plus valable."
    ),
    "news:unsubscribe": Entry(
        everyone(404), kwargs=lambda w: {"token": UNKNOWN_TOKEN}, shows="Ce lien n’est pas ou plus valable."
    ),
    "news:my_subscription": Entry(SIGNED_IN),
    "news:space_subscribe": Entry(
        signed_in(Redirect("/lettre/mon-abonnement/")), method="POST"
    ),  # subscribes the account's own (verified) address, nobody else's
    "news:staff_list": Entry(STAFF_ONLY),
    "news:staff_create": Entry(STAFF_ONLY),
    "news:staff_edit": Entry(STAFF_ONLY, kwargs=lambda w: {"pk": w.news_draft.pk}),
    "news:staff_publish": Entry(
        staff_only(Redirect(lambda w: f"/equipe/actualites/{w.news_draft.pk}/")),
        kwargs=lambda w: {"pk": w.news_draft.pk},
        method="POST",
    ),  # empty body = unpublish (the draft stays a draft)
    "news:staff_delete": Entry(STAFF_ONLY, kwargs=lambda w: {"pk": w.news_draft.pk}),  # GET: the confirmation
    # The newsletter's issues: the public archive (sent issues only), the team's composing and
    # sending pages. The POST endpoints with an empty body change nothing but the item removal.
    "newsletter:archive": Entry(PUBLIC),
    "newsletter:issue": Entry(PUBLIC, kwargs=lambda w: {"number": w.issue_sent.number}),
    "newsletter:staff_list": Entry(STAFF_ONLY),
    "newsletter:staff_create": Entry(STAFF_ONLY),
    "newsletter:staff_issue": Entry(STAFF_ONLY, kwargs=_pk("issue_draft")),
    "newsletter:staff_add_items": Entry(
        staff_only(Redirect(lambda w: f"/equipe/lettre/{w.issue_draft.pk}/")),
        kwargs=_pk("issue_draft"),
        method="POST",
    ),  # nothing picked: a message, nothing added
    "newsletter:staff_order_items": Entry(
        staff_only(Redirect(lambda w: f"/equipe/lettre/{w.issue_draft.pk}/#elements")),
        kwargs=_pk("issue_draft"),
        method="POST",
    ),
    "newsletter:staff_remove_item": Entry(
        staff_only(Redirect(lambda w: f"/equipe/lettre/{w.issue_draft.pk}/#elements")),
        kwargs=lambda w: {"pk": w.issue_draft.pk, "item_pk": w.issue_item.pk},
        method="POST",
    ),
    "newsletter:staff_preview": Entry(STAFF_ONLY, kwargs=_pk("issue_draft")),
    "newsletter:staff_send_test": Entry(
        staff_only(Redirect(lambda w: f"/equipe/lettre/{w.issue_draft.pk}/")),
        kwargs=_pk("issue_draft"),
        method="POST",
    ),  # to the staff member's own address
    "newsletter:staff_send": Entry(STAFF_ONLY, kwargs=_pk("issue_draft")),  # GET: the confirmation
    # Directory API and its OpenAPI schema (read-only, what each level may see)
    "directory:api_actors": Entry(PUBLIC),
    "directory:api_person": Entry(PUBLIC, kwargs=_pk("person")),
    "directory:api_structure": Entry(PUBLIC, kwargs=_pk("structure_a")),
    "directory:api_project": Entry(everyone(404), kwargs=_pk("pending_project"), note="published only"),
    "directory:api_geojson": Entry(PUBLIC),
    "directory:api_schema": Entry(PUBLIC),
    "directory:api_docs": Entry(PUBLIC),
    # Directory: the contact relay. The person is a patient partner with the default policy
    # (« partenaires »), structure A keeps its default (« tous »); the abuse message was written to
    # structure A and reported by its référent. A person whose policy is « personne » has no form
    # for anyone: test_a_person_who_refuses_messages_has_no_contact_form_anywhere.
    "directory:contact_person": Entry(
        roles(LOGIN, 200, 200, 200, 200, 200),
        kwargs=_pk("person"),
        note="« partenaires » policy: an anonymous visitor is sent to sign in; any verified account writes",
    ),
    "directory:contact_structure": Entry(PUBLIC, kwargs=_pk("structure_a"), note="« tous » policy"),
    "directory:contact_reply": Entry(
        everyone(404),
        kwargs=lambda w: {"token": UNKNOWN_TOKEN},
        note="invalid or purged link: French error page",
        shows="Ce lien n'est pas valable",
    ),
    "directory:contact_abuse": Entry(
        everyone(404),
        kwargs=lambda w: {"token": UNKNOWN_TOKEN},
        note="invalid or purged link: French error page",
        shows="Ce lien n'est pas valable",
    ),
    "directory:contact_preferences": Entry(SIGNED_IN, note="one's own person and structures only"),
    # Resources (the pending proposal is structure A's: its référent is none of the roles) and the lexicon
    "directory:resources": Entry(
        PUBLIC,
        hides="Ressource en attente de A",
        hidden_from=("anonymous", "partner", "referent", "copil"),
        seen_by=(),
    ),
    "directory:resource_detail": Entry(
        roles(404, 404, 404, 404, 200, 200), kwargs=lambda w: {"slug": w.pending_resource.slug}
    ),
    "directory:resource_download": Entry(
        everyone(Redirect("https://exemple.fr/ressource")), kwargs=lambda w: {"slug": w.resource.slug}
    ),
    "directory:resource_propose": Entry(
        roles(LOGIN, 403, 200, 403, 200, 200), note="the staff and structure référents propose"
    ),
    "directory:resource_moderation": Entry(
        STAFF_ONLY, hides="Ressource en attente de A", hidden_from=(), seen_by=("staff", "admin")
    ),
    "directory:resource_review": Entry(STAFF_ONLY, kwargs=_pk("pending_resource")),
    "directory:glossary": Entry(PUBLIC),
    # Projects: structure A's (its référent is none of the roles); the référent of B may propose
    # for B, the partner and the CoPil member belong to no structure.
    "directory:project_create": Entry(roles(LOGIN, 403, 200, 403, 200, 200)),
    "directory:project_detail": Entry(
        roles(404, 404, 404, 404, 200, 200), kwargs=lambda w: {"slug": w.pending_project.slug}
    ),
    "directory:project_edit": Entry(roles(LOGIN, 403, 403, 403, 200, 200), kwargs=PROJECT),
    "directory:project_persons": Entry(roles(LOGIN, 403, 403, 403, 200, 200), kwargs=PROJECT),
    "directory:project_documents": Entry(roles(LOGIN, 403, 403, 403, 200, 200), kwargs=PROJECT),
    "directory:project_remove": Entry(
        roles(LOGIN, 403, 403, 403, Redirect("/compte/", prefix=True), Redirect("/compte/", prefix=True)),
        kwargs=PROJECT,
        method="POST",
    ),
    "directory:project_person_remove": Entry(
        roles(LOGIN, 403, 403, 403, TO_PROJECT_PERSONS, TO_PROJECT_PERSONS),
        kwargs=lambda w: {"slug": w.project.slug, "pk": w.project_invitation.pk},
        method="POST",
    ),
    "directory:project_participation": Entry(
        roles(LOGIN, 404, 404, 404, 404, 404), kwargs=PROJECT, note="the invited person only"
    ),
    "directory:project_image": Entry(everyone(200), kwargs=PROJECT),
    "directory:project_document": Entry(
        everyone(200), kwargs=lambda w: {"slug": w.project.slug, "pk": w.project_document.pk}
    ),
    "directory:project_document_remove": Entry(
        roles(LOGIN, 403, 403, 403, TO_PROJECT_DOCUMENTS, TO_PROJECT_DOCUMENTS),
        kwargs=lambda w: {"slug": w.project.slug, "pk": w.project_document.pk},
        method="POST",
    ),
    "directory:abuse_reports": Entry(
        STAFF_ONLY,
        hides="Signalement-de-A",
        hidden_from=("anonymous", "partner", "referent", "copil"),
        seen_by=("staff", "admin"),
    ),
    "directory:abuse_report_handle": Entry(
        staff_only(Redirect("/annuaire/signalements/")), kwargs=_pk("abuse_message"), method="POST"
    ),
    # Barometer: public pages (campaign 2042 is published, 2041 open) and answering without an account
    "barometer:landing": Entry(PUBLIC),
    "barometer:public_results": Entry(PUBLIC, kwargs=_year("published_campaign")),
    "barometer:public_report": Entry(PUBLIC, kwargs=_year("published_campaign")),
    "barometer:public_cross_table": Entry(
        PUBLIC,
        kwargs=lambda w: {"year": w.published_campaign.year, "fmt": "csv"},
        query={"croiser": "profil", "par": "public"},
    ),
    "barometer:public_results_section": Entry(
        PUBLIC, kwargs=lambda w: {"year": w.published_campaign.year, "public": "patients"}
    ),
    "barometer:personal_link": Entry(
        everyone(404),
        kwargs=lambda w: {"token": UNKNOWN_TOKEN},
        note="invalid link: French error page",
        shows="Ce lien n'est pas valide",
    ),
    "barometer:resume_link": Entry(
        everyone(404),
        kwargs=lambda w: {"key": UNKNOWN_TOKEN},
        note="invalid link: French error page",
        shows="Ce lien n'est pas valide",
    ),
    "barometer:answer_start": Entry(PUBLIC, kwargs=PUBLIC_KEY),
    "barometer:answer_page": Entry(
        everyone(TO_ANSWER_START),
        kwargs=lambda w: {"key": w.questionnaire.public_key, "number": 1},
        note="no answers started in this browser: back to the consent page",
    ),
    "barometer:answer_autosave": Entry(
        everyone(404),
        kwargs=lambda w: {"key": w.questionnaire.public_key, "number": 1},
        method="POST",
        note="nothing to save without a started response",
    ),
    "barometer:answer_review": Entry(everyone(TO_ANSWER_START), kwargs=PUBLIC_KEY),
    "barometer:answer_thanks": Entry(PUBLIC, kwargs=PUBLIC_KEY),
    "barometer:unsubscribe": Entry(
        everyone(404),
        kwargs=lambda w: {"token": UNKNOWN_TOKEN},
        note="invalid link: French error page",
        shows="Ce lien n'est pas valide",
    ),
    # Barometer: the staff's campaign pages
    "barometer:staff_campaigns": Entry(STAFF_ONLY),
    "barometer:staff_campaign": Entry(STAFF_ONLY, kwargs=CAMPAIGN),
    "barometer:staff_campaign_edit": Entry(STAFF_ONLY, kwargs=CAMPAIGN),
    "barometer:staff_campaign_status": Entry(staff_only(TO_CAMPAIGN), kwargs=CAMPAIGN, method="POST"),
    "barometer:staff_campaign_rounds": Entry(staff_only(TO_CAMPAIGN), kwargs=CAMPAIGN, method="POST"),
    "barometer:staff_deliveries_retry": Entry(staff_only(TO_CAMPAIGN), kwargs=CAMPAIGN, method="POST"),
    "barometer:staff_delivery_resend": Entry(
        STAFF_ONLY, kwargs=lambda w: {"year": w.campaign.year, "pk": w.uncertain_delivery.pk}
    ),
    "barometer:staff_invitations": Entry(STAFF_ONLY, kwargs=CAMPAIGN),
    "barometer:staff_invitations_import": Entry(staff_only(400), kwargs=CAMPAIGN, method="POST"),
    "barometer:staff_questionnaire": Entry(STAFF_ONLY, kwargs=QUESTIONNAIRE),
    "barometer:staff_preview": Entry(STAFF_ONLY, kwargs=QUESTIONNAIRE),
    "barometer:staff_section_add": Entry(staff_only(TO_QUESTIONNAIRE), kwargs=QUESTIONNAIRE, method="POST"),
    "barometer:staff_question_add": Entry(STAFF_ONLY, kwargs=QUESTIONNAIRE),
    "barometer:staff_section_edit": Entry(STAFF_ONLY, kwargs=_pk("section")),
    "barometer:staff_question_edit": Entry(STAFF_ONLY, kwargs=_pk("question")),
    "barometer:staff_results": Entry(STAFF_ONLY, kwargs=CAMPAIGN),
    "barometer:staff_export": Entry(STAFF_ONLY, kwargs=lambda w: {"year": w.campaign.year, "fmt": "csv"}),
    "barometer:staff_cross_table": Entry(
        STAFF_ONLY,
        kwargs=lambda w: {"year": w.campaign.year, "fmt": "csv"},
        query={"croiser": "profil", "par": "territoire"},
    ),
    "barometer:staff_report": Entry(
        staff_only(Redirect("/rapports/", prefix=True)), kwargs=CAMPAIGN, method="POST"
    ),
    "barometer:staff_publish_report": Entry(staff_only(TO_CONTACTS), kwargs=CAMPAIGN, method="POST"),
    "barometer:staff_contacts": Entry(STAFF_ONLY, kwargs=CAMPAIGN),
    "barometer:staff_contacts_invite": Entry(staff_only(TO_CONTACTS), kwargs=CAMPAIGN, method="POST"),
    "barometer:staff_contacts_report": Entry(staff_only(TO_CONTACTS), kwargs=CAMPAIGN, method="POST"),
    "barometer:staff_questionnaire_results": Entry(STAFF_ONLY, kwargs=QUESTIONNAIRE),
    "barometer:staff_free_texts": Entry(STAFF_ONLY, kwargs=QUESTIONNAIRE),
    "barometer:staff_answer_tag": Entry(
        staff_only(Redirect(_path("barometer:staff_free_texts", pk=lambda w: w.questionnaire.pk))),
        kwargs=_pk("answer"),
        method="POST",
    ),
    # Self-assessment: the session is facilitated by someone outside the cast
    "selfassess:index": Entry(
        PUBLIC,
        hides="Séance du groupe qualité de A",
        hidden_from=("anonymous", "partner", "referent", "copil"),
        seen_by=("staff", "admin"),
        note="the sessions one facilitates (the staff: all)",
    ),
    "selfassess:session_create": Entry(
        roles(LOGIN, 403, 200, 403, 200, 200),
        note="the staff and a structure's référents (for their structure): inviting sends emails",
    ),
    "selfassess:session_detail": Entry(STAFF_ONLY, kwargs=SESSION),
    "selfassess:participant_invite": Entry(staff_only(400), kwargs=SESSION, method="POST"),
    "selfassess:participant_resend": Entry(
        staff_only(TO_SESSION),
        kwargs=lambda w: {"pk": w.assessment_session.pk, "participant_pk": w.assessment_participant.pk},
        method="POST",
    ),
    "selfassess:participant_remove": Entry(
        staff_only(TO_SESSION),
        kwargs=lambda w: {"pk": w.assessment_session.pk, "participant_pk": w.assessment_participant.pk},
        method="POST",
    ),
    "selfassess:session_close_individual": Entry(staff_only(TO_SESSION), kwargs=SESSION, method="POST"),
    "selfassess:session_target": Entry(
        staff_only(TO_SESSION), kwargs=SESSION, note="the individual step is still open: back to the session"
    ),
    "selfassess:joint_rating": Entry(
        staff_only(400),
        kwargs=lambda w: {"pk": w.assessment_session.pk, "criterion_pk": w.criterion.pk},
        method="POST",
    ),
    "selfassess:session_summary": Entry(staff_only(400), kwargs=SESSION, method="POST"),
    "selfassess:session_close": Entry(
        staff_only(Redirect(_path("selfassess:session_target", pk=lambda w: w.assessment_session.pk))),
        kwargs=SESSION,
        method="POST",
    ),
    "selfassess:session_history": Entry(STAFF_ONLY, kwargs=SESSION),
    "selfassess:join": Entry(
        everyone(404),
        kwargs=lambda w: {"token": UNKNOWN_TOKEN},
        note="invalid link: French error page",
        shows="Ce lien n'est pas valide",
    ),
    "selfassess:participate": Entry(
        everyone(403),
        kwargs=SESSION,
        note="no participant link opened in this browser: French refusal page",
        shows="Ouvrez votre lien personnel",
    ),
    "selfassess:rate_criterion": Entry(
        everyone(403),
        kwargs=lambda w: {"pk": w.assessment_session.pk, "criterion_pk": w.criterion.pk},
        method="POST",
        shows="Ouvrez votre lien personnel",
    ),
    "selfassess:participant_results": Entry(
        everyone(403), kwargs=SESSION, shows="Ouvrez votre lien personnel"
    ),
    # Accompaniments (structure A's; the référent of B must see nothing of them)
    "accompaniment:landing": Entry(PUBLIC),
    "accompaniment:request_create": Entry(
        roles(LOGIN, 403, 200, 403, 403, 403),
        note="only a structure's référent asks for support (French explanation page otherwise)",
    ),
    "accompaniment:request_list": Entry(
        roles(LOGIN, 403, 200, 200, 200, 200),
        hides="Projet des usagers de A",
        hidden_from=("referent",),
        seen_by=("copil", "staff", "admin"),
        note="référents see their structures' requests only; the CoPil and the staff, the queue",
    ),
    "accompaniment:board": Entry(
        STAFF_ONLY, hides="Accompagnement confidentiel de A", seen_by=("staff", "admin")
    ),
    "accompaniment:request_detail": Entry(roles(LOGIN, 404, 404, 200, 200, 200), kwargs=SUPPORT_REQUEST),
    "accompaniment:request_decide": Entry(
        roles(LOGIN, 404, 404, 200, 200, 200), kwargs=SUPPORT_REQUEST, note="the CoPil decides"
    ),
    "accompaniment:request_complete": Entry(
        roles(LOGIN, 404, 404, 403, 403, 403),
        kwargs=SUPPORT_REQUEST,
        note="only the structure's référents complete their request",
    ),
    "accompaniment:export_csv": Entry(STAFF_ONLY),
    "accompaniment:export_xlsx": Entry(STAFF_ONLY),
    "accompaniment:open": Entry(STAFF_ONLY),
    "accompaniment:detail": Entry(STAFF_OBJECT, kwargs=ACCOMPANIMENT),
    "accompaniment:edit": Entry(STAFF_OBJECT, kwargs=ACCOMPANIMENT),
    "accompaniment:convention_edit": Entry(STAFF_OBJECT, kwargs=ACCOMPANIMENT),
    "accompaniment:convention_download": Entry(STAFF_OBJECT, kwargs=ACCOMPANIMENT),
    "accompaniment:assessments_edit": Entry(STAFF_OBJECT, kwargs=ACCOMPANIMENT),
    "accompaniment:phase_close": Entry(STAFF_OBJECT, kwargs=ACCOMPANIMENT),
    "accompaniment:phase_reopen": Entry(
        STAFF_OBJECT, kwargs=lambda w: {"pk": w.accompaniment.pk, "phase_pk": w.phase.pk}
    ),
    "accompaniment:phase_dates": Entry(
        STAFF_OBJECT, kwargs=lambda w: {"pk": w.accompaniment.pk, "phase_pk": w.phase.pk}
    ),
    "accompaniment:participant_add": Entry(STAFF_OBJECT, kwargs=ACCOMPANIMENT),
    "accompaniment:participant_remove": Entry(
        staff_object(_accompaniment_section("#participants")),
        kwargs=lambda w: {"pk": w.accompaniment.pk, "participant_pk": w.accompaniment_participant.pk},
        method="POST",
    ),
    "accompaniment:meeting_add": Entry(STAFF_OBJECT, kwargs=ACCOMPANIMENT),
    "accompaniment:finding_add": Entry(STAFF_OBJECT, kwargs=ACCOMPANIMENT),
    "accompaniment:action_add": Entry(STAFF_OBJECT, kwargs=ACCOMPANIMENT),
    "accompaniment:action_status": Entry(
        staff_object(_accompaniment_section("#plan")),
        kwargs=lambda w: {"pk": w.accompaniment.pk, "action_pk": w.action.pk},
        method="POST",
    ),
    "accompaniment:indicator_add": Entry(STAFF_OBJECT, kwargs=ACCOMPANIMENT),
    "accompaniment:measurement_add": Entry(STAFF_OBJECT, kwargs=ACCOMPANIMENT),
    # Corrections (the référent of another structure sees none of them) and the evaluations' follow-up
    "accompaniment:meeting_edit": Entry(
        STAFF_OBJECT, kwargs=_in_accompaniment("meeting_pk", "accompaniment_meeting")
    ),
    "accompaniment:meeting_delete": Entry(
        STAFF_OBJECT, kwargs=_in_accompaniment("meeting_pk", "accompaniment_meeting")
    ),
    "accompaniment:finding_edit": Entry(STAFF_OBJECT, kwargs=_in_accompaniment("finding_pk", "finding")),
    "accompaniment:finding_delete": Entry(STAFF_OBJECT, kwargs=_in_accompaniment("finding_pk", "finding")),
    "accompaniment:action_edit": Entry(STAFF_OBJECT, kwargs=_in_accompaniment("action_pk", "action")),
    "accompaniment:action_delete": Entry(STAFF_OBJECT, kwargs=_in_accompaniment("action_pk", "action")),
    "accompaniment:indicator_edit": Entry(
        STAFF_OBJECT, kwargs=_in_accompaniment("indicator_pk", "indicator")
    ),
    "accompaniment:indicator_delete": Entry(
        STAFF_OBJECT, kwargs=_in_accompaniment("indicator_pk", "indicator")
    ),
    "accompaniment:measurement_edit": Entry(
        STAFF_OBJECT, kwargs=_in_accompaniment("measurement_pk", "measurement")
    ),
    "accompaniment:measurement_delete": Entry(
        STAFF_OBJECT, kwargs=_in_accompaniment("measurement_pk", "measurement")
    ),
    "accompaniment:event_note_add": Entry(STAFF_OBJECT, kwargs=ACCOMPANIMENT),
    # From a closed accompaniment to a project sheet: its structure's référents and the staff.
    "accompaniment:project_publish": Entry(STAFF_OBJECT, kwargs=ACCOMPANIMENT),
    "accompaniment:evaluation_followup": Entry(
        STAFF_OBJECT, kwargs=_in_accompaniment("evaluation_pk", "evaluation")
    ),
    "accompaniment:evaluation_remind_now": Entry(
        staff_object(TO_EVALUATION_FOLLOWUP),
        kwargs=_in_accompaniment("evaluation_pk", "evaluation"),
        method="POST",
    ),
    "accompaniment:invitation_send": Entry(
        staff_object(TO_EVALUATION_FOLLOWUP),
        kwargs=lambda w: {
            "pk": w.accompaniment.pk,
            "evaluation_pk": w.evaluation.pk,
            "invitation_pk": w.evaluation_invitation.pk,
        },
        method="POST",
    ),
    "accompaniment:hot_evaluation_send": Entry(STAFF_OBJECT, kwargs=ACCOMPANIMENT),
    "accompaniment:impact_evaluation_schedule": Entry(STAFF_OBJECT, kwargs=ACCOMPANIMENT),
    "accompaniment:evaluation_answer": Entry(
        everyone(404),
        kwargs=lambda w: {"token": UNKNOWN_TOKEN},
        note="invalid link: French error page",
        shows="Ce lien n'est pas valable",
    ),
    "accompaniment:evaluation_form": Entry(
        everyone(403),
        note="no evaluation link opened in this browser: French refusal page",
        shows="Ouvrez le lien reçu par courriel",
    ),
}


# --- The Django admin ----------------------------------------------------------------------------

# Site-wide admin views, by name (or route for the unnamed catch-all).
ADMIN_SITE: dict[str, Entry] = {
    "admin:index": Entry(ADMIN_ONLY),
    "admin:login": Entry(
        roles(200, 200, 200, 200, 200, Redirect("/admin/")),
        note="a signed-in account without admin access is told so on the admin's login page",
    ),
    "admin:logout": Entry(
        roles(*[Redirect("/admin/")] * 5, Redirect("/")),
        method="POST",
        note="someone without admin access is only sent to the admin's door (then its login page)",
    ),
    "admin:password_change": Entry(ADMIN_ONLY),
    "admin:password_change_done": Entry(ADMIN_ONLY),
    "admin:autocomplete": Entry(admin_only(403), note="no field named: refused"),
    "admin:jsi18n": Entry(ADMIN_ONLY),
    "admin:view_on_site": Entry(
        admin_only(Redirect(lambda w: "http://testserver" + w.accompaniment.get_absolute_url())),
        kwargs=lambda w: {
            "content_type_id": w.content_type_id("accompaniment.accompaniment"),
            "object_id": w.accompaniment.pk,
        },
    ),
    "admin:app_list": Entry(ADMIN_ONLY, kwargs=lambda w: {"app_label": "actors"}),
    "route:admin/(?P<url>.*)$": Entry(
        admin_only(404), kwargs=lambda w: {"url": "page-inconnue/"}, note="the catch-all: unknown admin page"
    ),
}

# Views a ModelAdmin adds to the five standard ones.
ADMIN_EXTRA: dict[str, Entry] = {
    "admin:auth_user_password_change": Entry(
        ADMIN_ONLY, kwargs=lambda w: {"id": w.users["partner"].pk}, note="set another account's password"
    ),
    "admin:selfassess_framework_new_version": Entry(
        admin_only(Redirect("/admin/selfassess/framework/", prefix=True)),
        kwargs=lambda w: {"object_id": w.assessment_session.framework_id},
        method="POST",
    ),
}

# What the administrator gets where a ModelAdmin departs from the defaults (label → view → status).
ADMIN_MODEL_EXCEPTIONS: dict[str, dict[str, Expected]] = {
    # Journals written by the platform only: nobody adds a row by hand.
    "accompaniment.phasetransition": {"add": 403},
    "axes.accessattempt": {"add": 403},
    "axes.accesslog": {"add": 403},
    "axes.accessfailurelog": {"add": 403},
    "cops.reportjob": {"add": 403},
    # A subscription is the subscriber's own consent (a confirmed link, Mon espace): nobody adds one by hand.
    "actors.newslettersubscription": {"add": 403},
    # contact relay: messages are written by the relay's services and purged with their retention.
    "directory.contactmessage": {"add": 403, "delete": 403},
    # Resources are proposed through the site (file checks, search vector), not added in the admin.
    "directory.resource": {"add": 403},
    "directory.project": {"add": 403},
    # A framework that sessions use cannot be deleted (the world's framework has one session).
    "selfassess.framework": {"delete": 403},
}


def _admin_object(label: str) -> Callable[..., dict]:
    return lambda w: {"object_id": w.admin_object_pk(label)}


def admin_model_entries(registry) -> dict[str, Entry]:
    """For every model registered in the admin: changelist, add, change, delete, history, and the
    old change address that redirects to the new one."""
    entries = {}
    for model in registry:
        app_label, model_name = model._meta.app_label, model._meta.model_name
        label = f"{app_label}.{model_name}"
        exceptions = ADMIN_MODEL_EXCEPTIONS.get(label, {})
        prefix = f"admin:{app_label}_{model_name}"
        obj = _admin_object(label)

        def status(view: str, default: Expected = 200, exceptions=exceptions) -> dict[str, Expected]:
            return admin_only(exceptions.get(view, default))

        change_url = Redirect(
            lambda w, prefix=prefix, obj=obj: _admin_change_url(prefix, obj(w)),
        )
        entries.update(
            {
                f"{prefix}_changelist": Entry(status("changelist")),
                f"{prefix}_add": Entry(status("add")),
                f"{prefix}_change": Entry(status("change"), kwargs=obj),
                f"{prefix}_delete": Entry(status("delete"), kwargs=obj),
                f"{prefix}_history": Entry(status("history"), kwargs=obj),
                f"route:admin/{app_label}/{model_name}/<path:object_id>/": Entry(
                    status("redirect", change_url), kwargs=obj
                ),
            }
        )
    return entries


def _admin_change_url(prefix: str, kwargs: dict) -> str:
    from django.urls import reverse

    return reverse(f"{prefix}_change", kwargs=kwargs)


def full_matrix() -> dict[str, Entry]:
    from django.contrib import admin

    return {**MATRIX, **ADMIN_SITE, **ADMIN_EXTRA, **admin_model_entries(admin.site._registry)}
