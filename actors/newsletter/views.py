"""News (« Actualités »): the public list and pages, the staff's editing (/equipe/actualites/);
the newsletter's subscriptions: the form, the confirmation, preferences and unsubscribe links
(secret links, guarded against guessing), and the signed-in person's own subscription."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from actors.models import NewsItem
from actors.models.newsletter import SubscriptionStatus
from actors.newsletter import news as news_services
from actors.newsletter import subscriptions as subs
from actors.newsletter.forms import NewsForm, SubscribeForm, TopicsForm
from actors.permissions import staff_required
from cops.ratelimit import Rate, hit, limit_secret_guesses, rate_limit, secret_link_found, too_many_requests
from cops.views_helpers import add_service_errors, apply_service

NEWS_PER_PAGE = 9
STAFF_PER_PAGE = 50
# Per address typed in the form (on top of the per-client limit of the view): a robot cycling
# through addresses from many clients still cannot flood one inbox.
SUBSCRIBE_EMAIL_RATE = Rate.parse("5/h")


# --- News, public -----------------------------------------------------------------------------------------


@require_GET
def news_list(request):
    page = Paginator(news_services.published_news(), NEWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "news/list.html",
        {
            "page": page,
            "items": list(page),
            "can_manage": request.user.is_authenticated and request.user.is_cops_staff,
        },
    )


@require_GET
def news_detail(request, slug: str):
    item = news_services.news_for_reader(slug, user=request.user)
    if item is None:
        raise Http404
    paragraphs = [part.strip() for part in item.body.replace("\r\n", "\n").split("\n\n") if part.strip()]
    linked = news_services.linked_items(item)
    return render(
        request,
        "news/detail.html",
        {
            "item": item,
            "paragraphs": paragraphs,
            "events": news_services.linked_events(item),
            "projects": linked.get("projet", []),
            "resources": linked.get("ressource", []),
            "can_manage": request.user.is_authenticated and request.user.is_cops_staff,
            "state": news_services.news_state(item),
        },
    )


# --- Subscribing -----------------------------------------------------------------------------------------


@never_cache
@rate_limit(key="ip", rate="10/h", methods=("POST",), group="newsletter.subscribe")
@require_http_methods(["GET", "POST"])
def subscribe(request):
    initial = {"email": request.user.email} if request.user.is_authenticated else {}
    form = SubscribeForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if form.is_robot:
            # Robots get the answer people get, and nothing is kept nor sent.
            return render(request, "news/subscribe_done.html", {"days": _days()})
        if form.is_valid():
            email = subs.normalise_email(form.cleaned_data["email"])
            over, retry_after = hit(
                group="newsletter.subscribe.email",
                who=f"email:{email}",
                rate=SUBSCRIBE_EMAIL_RATE,
            )
            if over:
                return too_many_requests(request, retry_after)
            try:
                subs.subscription_request(email=email, topics=form.cleaned_data["topics"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                # The same page whether the address is new, pending or already subscribed.
                return render(request, "news/subscribe_done.html", {"days": _days()})
        return render(request, "news/subscribe.html", {"form": form, "days": _days()}, status=400)
    return render(request, "news/subscribe.html", {"form": form, "days": _days()})


def _link_invalid(request, status: int = 404):
    return render(request, "news/link_invalid.html", {"days": _days()}, status=status)


def _days() -> int:
    """How long a confirmation link stays valid (and an unconfirmed request is kept)."""
    return settings.RETENTION_NEWSLETTER_UNCONFIRMED_DAYS


@never_cache
@limit_secret_guesses
@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    """GET shows a button (mail scanners open links, they do not post forms); POST confirms."""
    subscription = subs.subscription_for_confirm_token(token)
    if subscription is None:
        return _link_invalid(request)
    secret_link_found(request)
    if request.method == "POST":
        outcome = subs.subscription_confirm(token=token)
        if outcome is None:
            return _link_invalid(request)
        return render(
            request,
            "news/confirmed.html",
            {
                "subscription": outcome.subscription,
                "already": outcome.already,
                "topics": _topics(outcome.subscription),
            },
        )
    return render(
        request,
        "news/confirm.html",
        {
            "subscription": subscription,
            "topics": _topics(subscription),
            "already": subscription.status == SubscriptionStatus.CONFIRMED,
            "days": _days(),
        },
    )


def _topics(subscription) -> list:
    return list(subscription.topics.order_by("position", "name"))


@never_cache
@limit_secret_guesses
@require_http_methods(["GET", "POST"])
def preferences(request, token: str):
    """The preferences link of every email: change topics, or go to the unsubscribe button."""
    found = subs.subscription_for_token(token)
    if found is None:
        return _link_invalid(request)
    secret_link_found(request)
    subscription = found.subscription
    form = TopicsForm(
        request.POST if request.method == "POST" else None, initial={"topics": _topics(subscription)}
    )
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: subs.subscription_update_topics(
                subscription=subscription, topics=form.cleaned_data["topics"]
            ),
            form=form,
            success_message=_("Vos thèmes sont enregistrés."),
            redirect_to=reverse("news:preferences", kwargs={"token": token}),
        )
        if response:
            return response
    return render(
        request,
        "news/preferences.html",
        {
            "subscription": subscription,
            "form": form,
            "topics_url": reverse("news:preferences", kwargs={"token": token}),
            "unsubscribe_url": reverse("news:unsubscribe", kwargs={"token": token}),
            "is_unsubscribed": subscription.status == SubscriptionStatus.UNSUBSCRIBED,
            "is_pending": subscription.status == SubscriptionStatus.PENDING,
        },
        status=400 if request.method == "POST" else 200,
    )


@csrf_exempt  # RFC 8058: mail providers post « List-Unsubscribe=One-Click » without any cookie
@never_cache
@limit_secret_guesses
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET: one button (a link opened by a scanner unsubscribes nobody); POST: unsubscribed."""
    found = subs.subscription_for_token(token)
    if found is None:
        return _link_invalid(request)
    secret_link_found(request)
    subscription = found.subscription
    context = {"subscription": subscription, "token": token}
    if request.method == "POST":
        changed = subs.subscription_unsubscribe(subscription=subscription)
        return render(request, "news/unsubscribed.html", {**context, "already": not changed})
    context["already"] = subscription.status == SubscriptionStatus.UNSUBSCRIBED
    return render(request, "news/unsubscribe.html", context)


# --- The signed-in person's own subscription (Mon espace) ----------------------------------------------


def _next_or(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
@require_POST
def space_subscribe(request):
    """« M'abonner » in one click: the account's address is verified, no email to confirm."""
    topics = None
    if request.POST.getlist("topics"):
        form = TopicsForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("news:my_subscription")
        topics = form.cleaned_data["topics"]
    return apply_service(
        request,
        lambda: subs.subscription_from_space(user=request.user, topics=topics),
        success_message=_("Vous êtes abonné·e à « La lettre du COPS ». Elle arrivera à %(email)s.")
        % {"email": request.user.email},
        redirect_to=_next_or(request, reverse("news:my_subscription")),
    ) or redirect(_next_or(request, reverse("news:my_subscription")))


@login_required
@require_http_methods(["GET", "POST"])
def my_subscription(request):
    subscription = subs.subscription_of_user(request.user)
    subscribed = subscription is not None and subscription.status == SubscriptionStatus.CONFIRMED
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "unsubscribe":
        if subscription is None or not subs.subscription_unsubscribe(subscription=subscription):
            messages.info(request, _("Cette adresse était déjà désinscrite."))
        else:
            messages.success(
                request, _("Vous êtes désabonné·e : vous ne recevrez plus « La lettre du COPS ».")
            )
        return redirect("news:my_subscription")
    initial = _topics(subscription) if subscribed else subs.topics_all()
    form = TopicsForm(request.POST if request.method == "POST" else None, initial={"topics": initial})
    if not subscribed:
        form.fields["topics"].label = _("Les thèmes qui vous intéressent")
    if request.method == "POST" and subscribed and form.is_valid():
        response = apply_service(
            request,
            lambda: subs.subscription_update_topics(
                subscription=subscription, topics=form.cleaned_data["topics"]
            ),
            form=form,
            success_message=_("Vos thèmes sont enregistrés."),
            redirect_to=reverse("news:my_subscription"),
        )
        if response:
            return response
    return render(
        request,
        "news/my_subscription.html",
        {"subscription": subscription, "subscribed": subscribed, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- Staff --------------------------------------------------------------------------------------------------


@staff_required
@require_GET
def staff_list(request):
    # Drafts first (they wait for someone), then scheduled and published ones, newest first.
    items = NewsItem.objects.select_related("author").order_by(
        F("published_at").desc(nulls_first=True), "-created_at", "-pk"
    )
    page = Paginator(items, STAFF_PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"item": item, "state": news_services.news_state(item)} for item in page]
    return render(request, "news/staff/list.html", {"page": page, "rows": rows})


def _linked_ids(item: NewsItem | None) -> dict[str, list[int]]:
    if item is None or item.pk is None:
        return {}
    linked = {"evenement": list(item.events.values_list("pk", flat=True))}
    for kind, entries in news_services.linked_items(item).items():
        linked[kind] = [entry.source_id for entry in entries]
    return linked


@staff_required
@require_http_methods(["GET", "POST"])
def staff_edit(request, pk: int | None = None):
    item = get_object_or_404(NewsItem, pk=pk) if pk else None
    form = NewsForm(
        request.POST if request.method == "POST" else None,
        request.FILES or None,
        instance=item,
        choices=news_services.linkable_choices(),
        linked=_linked_ids(item),
    )
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: news_services.news_save(item=item, by=request.user, **form.service_kwargs()),
            form=form,
            success_message=_("L'actualité est enregistrée."),
            redirect_to=lambda saved: reverse("news:staff_edit", args=[saved.pk]),
        )
        if response:
            return response
    return render(
        request,
        "news/staff/form.html",
        {
            "form": form,
            "item": item,
            "state": news_services.news_state(item) if item else None,
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_POST
def staff_publish(request, pk: int):
    item = get_object_or_404(NewsItem, pk=pk)
    if request.POST.get("action") == "publish":
        news_services.news_publish(item=item)
        messages.success(request, _("L'actualité est publiée : elle est en ligne et dans les flux."))
    else:
        news_services.news_unpublish(item=item)
        messages.success(request, _("L'actualité est retirée du site : elle redevient un brouillon."))
    return redirect("news:staff_edit", pk=item.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def staff_delete(request, pk: int):
    item = get_object_or_404(NewsItem, pk=pk)
    if request.method == "POST":
        title = item.title
        news_services.news_delete(item=item)
        messages.success(request, _("L'actualité « %(title)s » est supprimée.") % {"title": title})
        return redirect("news:staff_list")
    return render(request, "news/staff/delete.html", {"item": item})
