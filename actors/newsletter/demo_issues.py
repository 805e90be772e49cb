"""Demo issues of « La lettre du COPS », built through the services after the demo news, events
and subscribers (actors/newsletter/demo.py): n° 1 sent to the demo subscribers (through the bulk
sending engine, into an in-memory mailbox: a demo sends no real email), n° 2 a draft."""

from datetime import timedelta

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from actors.models import NewsletterIssue, NewsletterTopic
from actors.models.newsletter import IssueItemKind
from actors.newsletter import issues
from actors.newsletter.sending import issue_send
from actors.newsletter.sources import all_sources

FIRST = {
    "title": "Le partenariat en santé fait sa rentrée",
    "editorial": (
        "Bonjour à toutes et à tous,\n\n"
        "Voici le premier numéro de « La lettre du COPS ». Chaque mois, elle vous présente les "
        "actualités du partenariat en santé en Occitanie, les événements à venir, les nouveaux "
        "projets de l'annuaire et les ressources à partager.\n\n"
        "Bonne lecture, et n'hésitez pas à nous écrire !\nL'équipe du COPS Occitanie"
    ),
}
SECOND = {
    "title": "Préparer la JRPS ensemble",
    "editorial": "Bonjour,\n\nLa prochaine Journée Régionale du Partenariat en Santé se prépare : ce numéro fait le point.",
}
# How many items each source gives to each issue (news first, then events, projects, resources).
PICKS = {IssueItemKind.NEWS: 2, IssueItemKind.EVENT: 2, IssueItemKind.PROJECT: 1, IssueItemKind.RESOURCE: 1}


def _picks(offset: int) -> list[tuple[str, int]]:
    sources = all_sources()
    picks = []
    for kind, count in PICKS.items():
        if kind in sources:
            found = sources[kind].recent(since=None, limit=offset + count)
            picks += [(item.kind, item.source_id) for item in found[offset : offset + count]]
    return picks


def seed_issues(ctx) -> None:
    if NewsletterIssue.objects.exists():
        ctx.log("Lettre : numéros déjà présents")
        return
    staff = ctx.shared.get("accounts", {}).get("equipe@cops.demo")
    topics = list(NewsletterTopic.objects.all())
    first = issues.issue_create(**FIRST, topics=topics, by=staff)
    issues.issue_add_items(issue=first, picks=_picks(0))
    # A demo sends no real email: the engine's messages go to an in-memory mailbox, and the task
    # the request queues leaves after this block, when the issue is already sent (it does nothing).
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        transaction.atomic(),
    ):
        recipients = issues.issue_send_request(issue=first, by=staff)
        result = issue_send(issue_id=first.pk)
    # Dated a few weeks back, so that the draft's « since the last issue » offers what came after.
    sent_at = timezone.now() - timedelta(days=21)
    NewsletterIssue.objects.filter(pk=first.pk).update(
        send_requested_at=sent_at,
        sent_at=sent_at + timedelta(minutes=2),
        test_sent_at=sent_at - timedelta(hours=3),
    )
    second = issues.issue_create(**SECOND, topics=topics[:3], by=staff)
    issues.issue_add_items(issue=second, picks=_picks(2))
    ctx.log(f"Lettre : n° 1 envoyé à {result.sent} abonnés sur {recipients}, n° 2 en préparation")
