"""Staff pages: campaigns, the questionnaire builder, invitations and sending rounds."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from actors.permissions import staff_required
from barometer import selectors
from barometer.enums import ROUND_LABELS, CampaignStatus, DeliveryStatus, QuestionType
from barometer.forms import (
    CampaignCopyForm,
    CampaignForm,
    ImportForm,
    PageForm,
    QuestionForm,
    QuestionnaireForm,
    RoundsForm,
    SectionForm,
    parse_contacts,
)
from barometer.models import Question, Questionnaire, Section
from barometer.permissions import get_campaign_or_404
from barometer.services import campaigns as services
from barometer.services import invitations as invitation_services
from barometer.views.answering import _page_context


def _errors_to_messages(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@staff_required
@require_http_methods(["GET", "POST"])
def campaigns(request):
    latest = selectors.campaigns_with_counts().first()
    initial = {}
    if latest is not None:
        initial = {
            "source": latest.pk,
            "year": latest.year + 1,
            "title": latest.title.replace(str(latest.year), str(latest.year + 1)),
            "anonymous": latest.anonymous,
        }
    form = CampaignCopyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {k: data[k] for k in ("year", "title", "opens_on", "closes_on", "anonymous")}
        if data["source"] is not None:
            campaign = services.campaign_copy(source=data["source"], by=request.user, **fields)
            messages.success(
                request,
                _(
                    "L'édition %(year)s est créée à partir de l'édition %(source)s : ses questions gardent leurs codes."
                )
                % {"year": campaign.year, "source": data["source"].year},
            )
        else:
            campaign = services.campaign_create(intro=data["intro"], by=request.user, **fields)
            messages.success(request, _("L'édition %(year)s est créée.") % {"year": campaign.year})
        return redirect(campaign)
    return render(
        request,
        "barometer/staff/campaigns.html",
        {"campaigns": selectors.campaigns_with_counts(), "form": form},
    )


@staff_required
@require_GET
def campaign(request, year: int):
    campaign = get_campaign_or_404(year)
    rounds = {r.number: r for r in campaign.rounds.all()}
    counts = selectors.delivery_counts(campaign)
    round_rows = [
        {
            "number": n,
            "label": ROUND_LABELS[n],
            "round": rounds.get(n),
            "counts": counts.get(n, {s.value: 0 for s in DeliveryStatus}),
        }
        for n in range(4)
    ]
    rounds_form = RoundsForm(
        initial={f"round_{n}": timezone.localtime(r.scheduled_at) for n, r in rounds.items()}
    )
    questionnaires = selectors.questionnaires_with_counts(campaign)
    return render(
        request,
        "barometer/staff/campaign.html",
        {
            "campaign": campaign,
            "questionnaires": questionnaires,
            "round_rows": round_rows,
            "rounds_form": rounds_form,
            "import_form": ImportForm(),
            "failures": selectors.failed_deliveries(campaign)[:50],
            "failure_count": selectors.failed_deliveries(campaign).count(),
            "invitation_stats": selectors.invitation_stats(campaign),
            "transitions": [CampaignStatus(s) for s in sorted(services.ALLOWED_TRANSITIONS[campaign.status])],
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request, year: int):
    campaign = get_campaign_or_404(year)
    form = CampaignForm(request.POST or None, instance=campaign)
    form.fields["year"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.campaign_update(
                campaign=campaign,
                title=data["title"],
                intro=data["intro"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                anonymous=data["anonymous"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error("anonymous", error)
        else:
            messages.success(request, _("La campagne est enregistrée."))
            return redirect(campaign)
    return render(request, "barometer/staff/campaign_form.html", {"campaign": campaign, "form": form})


@staff_required
@require_POST
def campaign_status(request, year: int):
    campaign = get_campaign_or_404(year)
    try:
        services.campaign_set_status(
            campaign=campaign, status=request.POST.get("status", ""), by=request.user
        )
    except (ValidationError, ValueError) as error:
        _errors_to_messages(
            request, error if isinstance(error, ValidationError) else ValidationError(str(error))
        )
    else:
        campaign.refresh_from_db()
        messages.success(
            request, _("La campagne est maintenant : %(s)s.") % {"s": campaign.get_status_display()}
        )
    return redirect(campaign)


@staff_required
@require_POST
def campaign_rounds(request, year: int):
    campaign = get_campaign_or_404(year)
    form = RoundsForm(request.POST)
    if form.is_valid():
        services.campaign_schedule_rounds(
            campaign=campaign, moments=form.cleaned_data["moments"], by=request.user
        )
        messages.success(request, _("Les dates d'envoi sont enregistrées."))
    else:
        for error in form.non_field_errors():
            messages.error(request, error)
        for field in form:
            for error in field.errors:
                messages.error(request, f"{field.label} : {error}")
    return redirect(campaign)


@staff_required
@require_POST
def invitations_import(request, year: int):
    campaign = get_campaign_or_404(year)
    form = ImportForm(request.POST, request.FILES)
    result = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows, errors = parse_contacts(upload.name, upload.read())
        except ValidationError as error:
            form.add_error("file", error)
        else:
            result = invitation_services.invitations_import(
                campaign=campaign, rows=rows, errors=errors, by=request.user
            )
    return render(
        request,
        "barometer/staff/import_result.html",
        {"campaign": campaign, "form": form, "result": result},
        status=200 if result is not None else 400,
    )


@staff_required
@require_GET
def invitations(request, year: int):
    campaign = get_campaign_or_404(year)
    queryset = selectors.invitations_with_rounds(campaign)
    query = request.GET.get("q", "").strip()
    if query:
        queryset = queryset.filter(email__icontains=query) | queryset.filter(name__icontains=query)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(
        request, "barometer/staff/invitations.html", {"campaign": campaign, "page": page, "query": query}
    )


@staff_required
@require_POST
def deliveries_retry(request, year: int):
    campaign = get_campaign_or_404(year)
    count = invitation_services.deliveries_retry_failed(campaign=campaign, by=request.user)
    messages.success(
        request,
        ngettext(
            "%(n)s envoi en échec sera retenté au prochain passage de son envoi.",
            "%(n)s envois en échec seront retentés au prochain passage de leur envoi.",
            count,
        )
        % {"n": count},
    )
    return redirect(campaign)


# --- Questionnaire builder -------------------------------------------------------------------------


def _questionnaire_or_404(pk: int) -> Questionnaire:
    return get_object_or_404(Questionnaire.objects.select_related("campaign"), pk=pk)


@staff_required
@require_http_methods(["GET", "POST"])
def questionnaire(request, pk: int):
    questionnaire = _questionnaire_or_404(pk)
    form = QuestionnaireForm(
        request.POST or None, initial={"title": questionnaire.title, "intro": questionnaire.intro}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.questionnaire_update(questionnaire=questionnaire, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_messages(request, error)
        else:
            messages.success(request, _("Le questionnaire est enregistré."))
        return redirect("barometer:staff_questionnaire", pk=pk)
    questions = selectors.questions_for(questionnaire)
    sections = [
        {"section": s, "questions": [q for q in questions if q.section_id == s.pk]}
        for s in questionnaire.sections.all()
    ]
    return render(
        request,
        "barometer/staff/questionnaire.html",
        {
            "questionnaire": questionnaire,
            "campaign": questionnaire.campaign,
            "sections": sections,
            "form": form,
            "section_form": SectionForm(),
            "editable": questionnaire.campaign.is_editable,
        },
    )


@staff_required
@require_POST
def section_add(request, pk: int):
    questionnaire = _questionnaire_or_404(pk)
    form = SectionForm(request.POST)
    if form.is_valid():
        try:
            services.section_create(questionnaire=questionnaire, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_messages(request, error)
        else:
            messages.success(request, _("La page est ajoutée."))
    else:
        messages.error(request, _("Donnez un titre à la page."))
    return redirect("barometer:staff_questionnaire", pk=pk)


@staff_required
@require_http_methods(["GET", "POST"])
def section_edit(request, pk: int):
    section = get_object_or_404(Section.objects.select_related("questionnaire__campaign"), pk=pk)
    form = SectionForm(request.POST or None, initial={"title": section.title, "intro": section.intro})
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "delete":
                services.section_delete(section=section, by=request.user)
                messages.success(request, _("La page et ses questions sont supprimées."))
                return redirect("barometer:staff_questionnaire", pk=section.questionnaire_id)
            if action in {"up", "down"}:
                services.section_move(section=section, direction=-1 if action == "up" else 1, by=request.user)
                return redirect("barometer:staff_questionnaire", pk=section.questionnaire_id)
            if form.is_valid():
                services.section_update(section=section, by=request.user, **form.cleaned_data)
                messages.success(request, _("La page est enregistrée."))
                return redirect("barometer:staff_questionnaire", pk=section.questionnaire_id)
        except ValidationError as error:
            _errors_to_messages(request, error)
            return redirect("barometer:staff_questionnaire", pk=section.questionnaire_id)
    return render(
        request,
        "barometer/staff/section_form.html",
        {"section": section, "questionnaire": section.questionnaire, "form": form},
    )


def _question_data(cleaned: dict) -> services.QuestionData:
    return services.QuestionData(
        code=cleaned["code"],
        type=cleaned["type"],
        label=cleaned["label"],
        help_text=cleaned["help_text"],
        required=cleaned["required"],
        allow_other=cleaned["allow_other"],
        min_value=cleaned["min_value"],
        max_value=cleaned["max_value"],
        role=cleaned.get("role") or "",
        show_if_question=cleaned["show_if_question"],
        show_if_values=cleaned["show_if_values"],
        choices=cleaned["choices"],
    )


def _question_initial(question: Question) -> dict:
    choices = "\n".join(f"{c.value} | {c.label}" for c in question.choices.all())
    return {
        "section": question.section_id,
        "code": question.code,
        "type": question.type,
        "label": question.label,
        "help_text": question.help_text,
        "required": question.required,
        "allow_other": question.allow_other,
        "choices": "" if question.type == QuestionType.YES_NO else choices,
        "min_value": question.min_value,
        "max_value": question.max_value,
        "role": question.role,
        "show_if_question": question.show_if_question_id,
        "show_if_values": ", ".join(question.show_if_values),
    }


def _save_question(request, form, questionnaire, question=None):
    data = _question_data(form.cleaned_data)
    try:
        if question is None:
            services.question_create(section=form.cleaned_data["section"], data=data, by=request.user)
        else:
            services.question_update(
                question=question, data=data, section=form.cleaned_data["section"], by=request.user
            )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                for item in errors:
                    form.add_error(field if field in form.fields else None, item)
        else:
            form.add_error(None, error)
        return False
    except IntegrityError:
        form.add_error("code", _("Ce code est déjà utilisé dans ce questionnaire."))
        return False
    return True


@staff_required
@require_http_methods(["GET", "POST"])
def question_add(request, pk: int):
    questionnaire = _questionnaire_or_404(pk)
    initial = {"section": request.GET.get("page"), "type": QuestionType.SINGLE}
    form = QuestionForm(request.POST or None, questionnaire=questionnaire, initial=initial)
    if request.method == "POST" and form.is_valid() and _save_question(request, form, questionnaire):
        messages.success(request, _("La question est ajoutée."))
        return redirect("barometer:staff_questionnaire", pk=pk)
    return render(
        request,
        "barometer/staff/question_form.html",
        {"questionnaire": questionnaire, "form": form, "question": None},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def question_edit(request, pk: int):
    question = get_object_or_404(Question.objects.select_related("questionnaire__campaign", "section"), pk=pk)
    questionnaire = question.questionnaire
    if request.method == "POST" and request.POST.get("action") in {"delete", "up", "down"}:
        action = request.POST["action"]
        try:
            if action == "delete":
                services.question_delete(question=question, by=request.user)
                messages.success(request, _("La question est supprimée."))
            else:
                services.question_move(
                    question=question, direction=-1 if action == "up" else 1, by=request.user
                )
        except ValidationError as error:
            _errors_to_messages(request, error)
        return redirect("barometer:staff_questionnaire", pk=questionnaire.pk)
    form = QuestionForm(
        request.POST or None,
        questionnaire=questionnaire,
        question=question,
        initial=_question_initial(question),
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _save_question(request, form, questionnaire, question)
    ):
        messages.success(request, _("La question est enregistrée."))
        return redirect("barometer:staff_questionnaire", pk=questionnaire.pk)
    return render(
        request,
        "barometer/staff/question_form.html",
        {"questionnaire": questionnaire, "form": form, "question": question},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_GET
def preview(request, pk: int):
    questionnaire = _questionnaire_or_404(pk)
    sections = list(questionnaire.sections.all())
    try:
        number = int(request.GET.get("page", 1))
    except ValueError:
        number = 1
    if not sections or not 1 <= number <= len(sections):
        raise Http404
    questions = selectors.questions_for(questionnaire)
    section = sections[number - 1]
    page_questions = [q for q in questions if q.section_id == section.pk]
    form = PageForm(
        questions=page_questions, all_questions=questions, other_values={}, enforce_required=False
    )
    context = _page_context(questionnaire, sections, number, questions, form, preview=True)
    # In the preview every question shows, with its condition spelled out.
    return render(request, "barometer/answer/page.html", context)
