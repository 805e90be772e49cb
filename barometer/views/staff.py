"""Staff pages: campaigns, the questionnaire builder, invitations and sending rounds."""

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
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
from barometer.models import Delivery, Question, Questionnaire, Section
from barometer.permissions import get_campaign_or_404
from barometer.services import campaigns as services
from barometer.services import invitations as invitation_services
from barometer.services import retries
from barometer.views.answering import _page_context
from cops.views_helpers import apply_service


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
    # Sending transparency: who each round can still reach, and for a due round that can reach
    # nobody, why (computed from the data, as the sending engine decides).
    eligibility = selectors.round_eligibility(campaign, rounds)
    first_sent = selectors.first_invitation_sent_at(campaign) if rounds else None
    now = timezone.now()
    round_rows = [
        {
            "number": n,
            "label": ROUND_LABELS[n],
            "round": rounds.get(n),
            "counts": counts.get(n, {s.value: 0 for s in DeliveryStatus}),
            "eligible": eligibility[n]["eligible"] if n in eligibility else None,
            "reason": selectors.round_reason(n, eligibility[n], first_sent)
            if n in rounds and rounds[n].scheduled_at <= now
            else "",
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
            "uncertain": selectors.uncertain_deliveries(campaign)[:50],
            "uncertain_count": selectors.uncertain_deliveries(campaign).count(),
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
        response = apply_service(
            request,
            lambda: services.campaign_update(
                campaign=campaign,
                title=data["title"],
                intro=data["intro"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                anonymous=data["anonymous"],
                by=request.user,
            ),
            form=form,
            success_message=_("La campagne est enregistrée."),
            redirect_to=campaign,
        )
        if response:
            return response
    return render(request, "barometer/staff/campaign_form.html", {"campaign": campaign, "form": form})


@staff_required
@require_POST
def campaign_status(request, year: int):
    campaign = get_campaign_or_404(year)
    return apply_service(
        request,
        lambda: services.campaign_set_status(
            campaign=campaign, status=request.POST.get("status", ""), by=request.user
        ),
        success_message=lambda updated: _("La campagne est maintenant : %(s)s.")
        % {"s": updated.get_status_display()},
        redirect_to=campaign,
    ) or redirect(campaign)


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
            # Reading the file is the form's check, not a service: it answers with a result page.
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
    try:
        count = retries.deliveries_retry_failed(campaign=campaign, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(campaign)
    messages.success(
        request,
        ngettext(
            "%(n)s envoi en échec est renvoyé : il part dans quelques instants.",
            "%(n)s envois en échec sont renvoyés : ils partent dans quelques instants.",
            count,
        )
        % {"n": count},
    )
    return redirect(campaign)


@staff_required
@require_http_methods(["GET", "POST"])
def delivery_resend(request, year: int, pk: int):
    """One « uncertain » email sent again, after an explicit confirmation."""
    campaign = get_campaign_or_404(year)
    delivery = get_object_or_404(
        Delivery.objects.select_related("invitation__questionnaire"),
        pk=pk,
        invitation__campaign=campaign,
        status=DeliveryStatus.UNCERTAIN,
    )
    error = ""
    if request.method == "POST":
        try:
            retries.delivery_resend_uncertain(
                delivery=delivery, confirmed=request.POST.get("confirm") == "on", by=request.user
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("Le courriel à %(email)s est renvoyé : il part dans quelques instants.")
                % {"email": delivery.invitation.email},
            )
            return redirect(campaign)
    return render(
        request,
        "barometer/staff/campaign_resend.html",
        {
            "campaign": campaign,
            "delivery": delivery,
            "round_label": ROUND_LABELS[delivery.round],
            "error": error,
        },
        status=400 if error else 200,
    )


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
        back = reverse("barometer:staff_questionnaire", kwargs={"pk": pk})
        # A refusal (the campaign is no longer in preparation) is shown as a message on this page.
        return apply_service(
            request,
            lambda: services.questionnaire_update(
                questionnaire=questionnaire, by=request.user, **form.cleaned_data
            ),
            success_message=_("Le questionnaire est enregistré."),
            redirect_to=back,
        ) or redirect(back)
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
    back = reverse("barometer:staff_questionnaire", kwargs={"pk": pk})
    if not form.is_valid():
        messages.error(request, _("Donnez un titre à la page."))
        return redirect(back)
    return apply_service(
        request,
        lambda: services.section_create(questionnaire=questionnaire, by=request.user, **form.cleaned_data),
        success_message=_("La page est ajoutée."),
        redirect_to=back,
    ) or redirect(back)


@staff_required
@require_http_methods(["GET", "POST"])
def section_edit(request, pk: int):
    section = get_object_or_404(Section.objects.select_related("questionnaire__campaign"), pk=pk)
    form = SectionForm(request.POST or None, initial={"title": section.title, "intro": section.intro})
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "delete":
            call = partial(services.section_delete, section=section, by=request.user)
            success = _("La page et ses questions sont supprimées.")
        elif action in {"up", "down"}:
            direction = -1 if action == "up" else 1
            call = partial(services.section_move, section=section, direction=direction, by=request.user)
            success = ""
        elif form.is_valid():
            call = partial(services.section_update, section=section, by=request.user, **form.cleaned_data)
            success = _("La page est enregistrée.")
        else:
            call = None
        if call is not None:
            back = reverse("barometer:staff_questionnaire", kwargs={"pk": section.questionnaire_id})
            # A refusal (the last page, a campaign no longer in preparation) shows on the builder page.
            return apply_service(request, call, success_message=success, redirect_to=back) or redirect(back)
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


def _save_question(request, form, question=None):
    data = _question_data(form.cleaned_data)
    try:
        if question is None:
            services.question_create(section=form.cleaned_data["section"], data=data, by=request.user)
        else:
            services.question_update(
                question=question, data=data, section=form.cleaned_data["section"], by=request.user
            )
    except IntegrityError:
        # The same code saved by someone else meanwhile: the unique constraint had the last word.
        raise ValidationError({"code": _("Ce code est déjà utilisé dans ce questionnaire.")}) from None


@staff_required
@require_http_methods(["GET", "POST"])
def question_add(request, pk: int):
    questionnaire = _questionnaire_or_404(pk)
    initial = {"section": request.GET.get("page"), "type": QuestionType.SINGLE}
    form = QuestionForm(request.POST or None, questionnaire=questionnaire, initial=initial)
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: _save_question(request, form),
            form=form,
            success_message=_("La question est ajoutée."),
            redirect_to=reverse("barometer:staff_questionnaire", kwargs={"pk": pk}),
        )
        if response:
            return response
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
    back = reverse("barometer:staff_questionnaire", kwargs={"pk": questionnaire.pk})
    if request.method == "POST" and request.POST.get("action") in {"delete", "up", "down"}:
        action = request.POST["action"]
        if action == "delete":
            call = partial(services.question_delete, question=question, by=request.user)
            success = _("La question est supprimée.")
        else:
            direction = -1 if action == "up" else 1
            call = partial(services.question_move, question=question, direction=direction, by=request.user)
            success = ""
        # A refusal (a campaign no longer in preparation) shows as a message on the builder page.
        return apply_service(request, call, success_message=success, redirect_to=back) or redirect(back)
    form = QuestionForm(
        request.POST or None,
        questionnaire=questionnaire,
        question=question,
        initial=_question_initial(question),
    )
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: _save_question(request, form, question),
            form=form,
            success_message=_("La question est enregistrée."),
            redirect_to=back,
        )
        if response:
            return response
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
