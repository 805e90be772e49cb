"""Answering without an account: personal link → session → token-free pages."""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from barometer import selectors
from barometer.enums import CampaignStatus, ResponseStatus
from barometer.forms import ConsentForm, PageForm, field_name, other_name
from barometer.logic import visible_ids
from barometer.models import Delivery, Invitation, Questionnaire, Response, Section
from barometer.services import answering as services
from barometer.services import invitations
from cops import tokens
from cops.ratelimit import limit_secret_guesses, secret_link_found

SESSION_KEY = "barometer"


# --- Session state: which draft (and invitation) this browser is answering ----------------------


def _state(request, questionnaire_id: int) -> dict:
    return dict(request.session.get(SESSION_KEY, {}).get(str(questionnaire_id), {}))


def _set_state(request, questionnaire: Questionnaire, state: dict) -> None:
    data = dict(request.session.get(SESSION_KEY, {}))
    if state:
        data[str(questionnaire.pk)] = state
    else:
        data.pop(str(questionnaire.pk), None)
    request.session[SESSION_KEY] = data


def _closed(request, questionnaire: Questionnaire):
    campaign = questionnaire.campaign
    not_yet = campaign.opens_on > timezone.localdate() or campaign.status == "draft"
    return render(
        request,
        "barometer/answer/closed.html",
        {"questionnaire": questionnaire, "not_yet": not_yet},
        status=410,
    )


def _invalid_link(request):
    return render(request, "barometer/answer/invalid_link.html", status=404)


# Public key → questionnaire id, learnt by this process from the questionnaire's first request: an
# answered page then finds its draft in the session before any query (see _questionnaire_and_draft).
_questionnaire_ids: dict[str, int] = {}


def _questionnaire(key: str) -> Questionnaire:
    # Read on every request: the campaign's status and dates decide whether answers are accepted.
    questionnaire = get_object_or_404(Questionnaire.objects.select_related("campaign"), public_key=key)
    if len(_questionnaire_ids) > 1000:
        _questionnaire_ids.clear()
    _questionnaire_ids[key] = questionnaire.pk
    return questionnaire


# The pages of a questionnaire, like its questions (barometer.selectors.questions_for): fixed once
# its campaign left the draft state, so kept per process instead of read on every answered page.
_frozen_sections: dict[int, list[Section]] = {}


def _sections(questionnaire: Questionnaire) -> list[Section]:
    cached = _frozen_sections.get(questionnaire.pk)
    if cached is not None:
        return cached
    sections = list(questionnaire.sections.all())
    if questionnaire.campaign.status != CampaignStatus.DRAFT:
        if len(_frozen_sections) > 100:
            _frozen_sections.clear()
        _frozen_sections[questionnaire.pk] = sections
    return sections


def _draft(request, questionnaire: Questionnaire) -> tuple[Response | None, dict]:
    state = _state(request, questionnaire.pk)
    response = None
    if state.get("response"):
        response = Response.objects.filter(pk=state["response"], questionnaire=questionnaire).first()
    elif state.get("invitation"):
        response = Response.objects.filter(
            invitation_id=state["invitation"], questionnaire=questionnaire
        ).first()
        if response is not None:
            state["response"] = response.pk
            _set_state(request, questionnaire, state)
    return response, state


def _questionnaire_and_draft(request, key: str) -> tuple[Questionnaire, Response | None, dict]:
    """The questionnaire (with its campaign, read afresh) and this browser's draft.

    One query when the session already names the draft, as on every page after the consent: the
    draft is read with its questionnaire and campaign, under the public key of the address (a
    draft of another questionnaire, or a key that changed, falls back to the two reads).
    """
    questionnaire_id = _questionnaire_ids.get(key)
    if questionnaire_id is not None:
        state = _state(request, questionnaire_id)
        if state.get("response"):
            response = selectors.draft_for_answering(
                response_id=state["response"], questionnaire_id=questionnaire_id, public_key=key
            )
            if response is not None:
                return response.questionnaire, response, state
    questionnaire = _questionnaire(key)
    response, state = _draft(request, questionnaire)
    return questionnaire, response, state


def _already_submitted(response: Response | None, state: dict) -> bool:
    """The draft of this browser is submitted, or was: after a submit the session keeps only
    "submitted", so a repeat (a double click, the back button) must end on the thank-you page,
    never on a blank form from which the same person could answer a second time."""
    return response.is_submitted if response is not None else bool(state.get("submitted"))


# --- Entry points --------------------------------------------------------------------------------


@never_cache
@require_GET
@limit_secret_guesses
def personal_link(request, token: str):
    """The emailed link: checked against the stored hash, swapped for the session, then
    redirected so that the token does not stay in the address bar or the history."""
    if not tokens.is_well_formed(token):
        return _invalid_link(request)
    delivery = (
        Delivery.objects.select_related("invitation__questionnaire__campaign")
        .filter(token_hash=tokens.hash_token(token))
        .first()
    )
    if delivery is None or not tokens.matches(token, delivery.token_hash):
        return _invalid_link(request)
    secret_link_found(request)
    invitation = delivery.invitation
    questionnaire = invitation.questionnaire
    if invitation.has_responded:
        return render(request, "barometer/answer/already_answered.html", {"questionnaire": questionnaire})
    if not questionnaire.campaign.is_accepting_answers:
        return _closed(request, questionnaire)
    draft = Response.objects.filter(invitation=invitation, status=ResponseStatus.DRAFT).first()
    _set_state(request, questionnaire, {"invitation": invitation.pk, "response": draft.pk if draft else None})
    return redirect("barometer:answer_start", key=questionnaire.public_key)


@never_cache
@require_GET
@limit_secret_guesses
def resume_link(request, key: str):
    """The "resume later" link of a draft started from a public link."""
    if not tokens.is_well_formed(key):
        return _invalid_link(request)
    response = (
        Response.objects.select_related("questionnaire__campaign")
        .filter(resume_key_hash=tokens.hash_token(key), status=ResponseStatus.DRAFT)
        .first()
    )
    if response is None:
        return _invalid_link(request)
    secret_link_found(request)
    questionnaire = response.questionnaire
    if not questionnaire.campaign.is_accepting_answers:
        return _closed(request, questionnaire)
    _set_state(request, questionnaire, {"response": response.pk, "resume": key})
    return redirect("barometer:answer_start", key=questionnaire.public_key)


@never_cache
@require_http_methods(["GET", "POST"])
def answer_start(request, key: str):
    questionnaire = _questionnaire(key)
    if not questionnaire.campaign.is_accepting_answers:
        return _closed(request, questionnaire)
    response, state = _draft(request, questionnaire)
    if _already_submitted(response, state):
        return redirect("barometer:answer_thanks", key=key)
    invitation = None
    if state.get("invitation"):
        invitation = Invitation.objects.filter(pk=state["invitation"]).first()
    form = ConsentForm(request.POST or None, initial={"client_key": uuid.uuid4()})
    if request.method == "POST" and response is None and form.is_valid():
        try:
            response = services.response_start(
                questionnaire=questionnaire, client_key=form.cleaned_data["client_key"], invitation=invitation
            )
        except services.AlreadySubmitted:
            return render(request, "barometer/answer/already_answered.html", {"questionnaire": questionnaire})
        except services.AnsweringClosed:
            return _closed(request, questionnaire)
        state["response"] = response.pk
        if response.invitation_id is None and "resume" not in state:
            state["resume"] = services.response_issue_resume_key(response=response)
        _set_state(request, questionnaire, state)
        return redirect("barometer:answer_page", key=key, number=1)
    sections = _sections(questionnaire)
    return render(
        request,
        "barometer/answer/start.html",
        {
            "questionnaire": questionnaire,
            "campaign": questionnaire.campaign,
            "form": form,
            "response": response,
            "page_count": len(sections),
            "invited": invitation is not None,
        },
    )


# --- Pages -------------------------------------------------------------------------------------------


def _page_context(
    questionnaire, sections, number, questions, form, *, preview=False, response=None, state=None
):
    section = sections[number - 1]
    page_ids = {q.pk for q in questions if q.section_id == section.pk}
    known = dict(form.other_values)
    visible = visible_ids(questions, known) if not hasattr(form, "visible") else form.visible
    blocks = []
    for question in questions:
        if question.pk not in page_ids:
            continue
        controller_here = question.is_conditional and question.show_if_question_id in page_ids
        if question.is_conditional and not controller_here and question.pk not in visible and not preview:
            continue  # hidden by an answer given on another page
        controller = next((q for q in questions if q.pk == question.show_if_question_id), None)
        blocks.append(
            {
                "question": question,
                "field": form[field_name(question)],
                "other": form[other_name(question)] if other_name(question) in form.fields else None,
                "controller": controller if controller_here or preview else None,
                "condition_labels": [
                    c.label
                    for c in (controller.choices.all() if controller else [])
                    if c.value in question.show_if_values
                ],
            }
        )
    return {
        "questionnaire": questionnaire,
        "campaign": questionnaire.campaign,
        "section": section,
        "number": number,
        "page_count": len(sections),
        "progress": round(100 * number / len(sections)),
        "blocks": blocks,
        "form": form,
        "preview": preview,
        "response": response,
        "resume_url": (
            request_absolute(reverse("barometer:resume_link", kwargs={"key": state["resume"]}))
            if state and state.get("resume")
            else ""
        ),
    }


def request_absolute(path: str) -> str:
    from django.conf import settings

    return settings.SITE_URL + path


def _build_form(questionnaire, questions, section, saved, data=None, enforce_required=True):
    page_questions = [q for q in questions if q.section_id == section.pk]
    page_ids = {q.pk for q in page_questions}
    form = PageForm(
        data,
        questions=page_questions,
        all_questions=questions,
        other_values={k: v for k, v in saved.items() if k not in page_ids},
        enforce_required=enforce_required,
    )
    if data is None:
        form.initial = form.initial_from(saved)
    return form


def _next_number(questions, sections, saved, number: int, step: int) -> int | None:
    """The next page in this direction that shows at least one question (None past the end)."""
    visible = visible_ids(questions, saved)
    candidate = number + step
    while 1 <= candidate <= len(sections):
        section = sections[candidate - 1]
        if any(q.section_id == section.pk and q.pk in visible for q in questions):
            return candidate
        candidate += step
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def answer_page(request, key: str, number: int):
    questionnaire, response, state = _questionnaire_and_draft(request, key)
    if not questionnaire.campaign.is_accepting_answers:
        return _closed(request, questionnaire)
    if _already_submitted(response, state):
        return redirect("barometer:answer_thanks", key=key)
    if response is None:
        messages.info(request, _("Commencez par lire les informations ci-dessous et donner votre accord."))
        return redirect("barometer:answer_start", key=key)
    sections = _sections(questionnaire)
    if not 1 <= number <= len(sections):
        raise Http404
    questions = selectors.questions_for(questionnaire)
    section = sections[number - 1]
    saved = services.response_values(response)
    if request.method == "POST":
        action = request.POST.get("action", "next")
        form = _build_form(
            questionnaire, questions, section, saved, request.POST, enforce_required=action == "next"
        )
        if form.is_valid():
            page_ids = {q.pk for q in form.questions}
            try:
                services.response_save_page(
                    response=response,
                    section=section,
                    values=form.values,
                    questionnaire=questionnaire,
                    page_ids=page_ids,
                )
            except services.AlreadySubmitted:
                return redirect("barometer:answer_thanks", key=key)
            except services.AnsweringClosed:
                return _closed(request, questionnaire)
            # The answers as now saved, without reading them again.
            saved = {qid: v for qid, v in saved.items() if qid not in page_ids}
            saved.update({qid: v for qid, v in form.values.items() if v is not None and not v.is_empty})
            if action == "later":
                return render(
                    request,
                    "barometer/answer/saved_later.html",
                    {
                        "questionnaire": questionnaire,
                        "campaign": questionnaire.campaign,
                        "invited": bool(state.get("invitation")),
                        "resume_url": _page_context(
                            questionnaire, sections, number, questions, form, state=state
                        )["resume_url"],
                    },
                )
            step = -1 if action == "previous" else 1
            target = _next_number(questions, sections, saved, number, step)
            if target is None:
                if step < 0:
                    return redirect("barometer:answer_start", key=key)
                return redirect("barometer:answer_review", key=key)
            return redirect("barometer:answer_page", key=key, number=target)
        status = 200
    else:
        form = _build_form(questionnaire, questions, section, saved)
        status = 200
    context = _page_context(questionnaire, sections, number, questions, form, response=response, state=state)
    return render(request, "barometer/answer/page.html", context, status=status)


@never_cache
@require_POST
def answer_autosave(request, key: str, number: int):
    """Called by htmx when an answer changes: saves the page without enforcing required answers."""
    questionnaire, response, _state_ = _questionnaire_and_draft(request, key)
    sections = _sections(questionnaire)
    if response is None or not 1 <= number <= len(sections):
        raise Http404
    if not questionnaire.campaign.is_accepting_answers or response.is_submitted:
        return render(
            request, "barometer/answer/partials/_saved.html", {"error": _("La campagne est close.")}
        )
    questions = selectors.questions_for(questionnaire)
    section = sections[number - 1]
    saved = services.response_values(response)
    form = _build_form(questionnaire, questions, section, saved, request.POST, enforce_required=False)
    if not form.is_valid():
        return render(
            request,
            "barometer/answer/partials/_saved.html",
            {"error": _("Non enregistré : une réponse n'est pas valide (voir le message sous la question).")},
        )
    services.response_save_page(
        response=response,
        section=section,
        values=form.values,
        questionnaire=questionnaire,
        page_ids={q.pk for q in form.questions},
    )
    return render(request, "barometer/answer/partials/_saved.html", {"saved_at": timezone.localtime()})


@never_cache
@require_http_methods(["GET", "POST"])
def answer_review(request, key: str):
    questionnaire, response, state = _questionnaire_and_draft(request, key)
    if not questionnaire.campaign.is_accepting_answers:
        return _closed(request, questionnaire)
    if response is None and state.get("submitted"):
        return redirect("barometer:answer_thanks", key=key)
    if response is None:
        return redirect("barometer:answer_start", key=key)
    if request.method == "POST":
        try:
            _response, _now = services.response_submit(response_id=response.pk)
        except services.IncompleteResponse as problem:
            messages.error(
                request,
                _("Il manque des réponses obligatoires : %(list)s")
                % {"list": " ; ".join(q.label for q in problem.questions)},
            )
            sections = _sections(questionnaire)
            number = next(i for i, s in enumerate(sections, start=1) if s.pk == problem.section.pk)
            return redirect("barometer:answer_page", key=key, number=number)
        except services.AnsweringClosed:
            return _closed(request, questionnaire)
        # Nothing of the draft stays in the session: the response is now on its own.
        _set_state(request, questionnaire, {"submitted": True})
        return redirect("barometer:answer_thanks", key=key)
    if response.is_submitted:
        return redirect("barometer:answer_thanks", key=key)
    sections = _sections(questionnaire)
    summary = selectors.response_summary(response, sections)
    return render(
        request,
        "barometer/answer/review.html",
        {
            "questionnaire": questionnaire,
            "campaign": questionnaire.campaign,
            "summary": summary,
            "page_count": len(sections),
        },
    )


@require_GET
def answer_thanks(request, key: str):
    questionnaire = _questionnaire(key)
    return render(
        request,
        "barometer/answer/thanks.html",
        {"questionnaire": questionnaire, "campaign": questionnaire.campaign},
    )


@csrf_exempt  # RFC 8058 one-click: mail clients POST here without a form; the token is the proof.
@never_cache
@require_http_methods(["GET", "POST"])
@limit_secret_guesses
def unsubscribe(request, token: str):
    invitation = None
    if tokens.is_well_formed(token):
        invitation = invitations.invitation_for_unsubscribe_token(tokens.hash_token(token))
    if invitation is None:
        return _invalid_link(request)
    secret_link_found(request)
    if request.method == "POST":
        invitations.invitation_unsubscribe(invitation=invitation)
        invitation.refresh_from_db()
    return render(
        request,
        "barometer/answer/unsubscribe.html",
        {"invitation": invitation, "campaign": invitation.campaign},
    )
