"""Demo news and subscriptions (called from actors/demo.py), built through the services: six
published items and a draft, about forty confirmed subscriptions and five waiting for their
confirmation, with varied topics."""

from datetime import timedelta
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from actors.events.selectors import public_events
from actors.models import NewsItem, NewsletterSubscription, NewsletterTopic
from actors.newsletter import news as news_services
from actors.newsletter import subscriptions as subs
from actors.newsletter.sources import all_sources

# (days ago, title, summary, body, topic slugs, image colours, event title contains, linked kinds)
NEWS = [
    (
        40,
        "JRPS 2023 : retour sur la 2e Journée Régionale du Partenariat en Santé",
        "Plus de 400 participants, 4 ateliers, des pitchs de projets et les premiers résultats du baromètre : "
        "retour sur une journée qui a fait vivre le partenariat en santé en Occitanie.",
        "Patients partenaires, proches-aidants, représentants des usagers, soignants, directions et "
        "formateurs se sont retrouvés pour la deuxième Journée Régionale du Partenariat en Santé.\n\n"
        "Au programme : des projets présentés en quelques minutes par leurs binômes, quatre ateliers "
        "d'échanges de pratiques et la présentation de la méthode du baromètre régional.\n\n"
        "Merci à toutes et à tous ! Les supports des interventions sont disponibles sur la page de "
        "l'événement.",
        ("evenements", "projets"),
        ((11, 92, 99), (227, 241, 241)),
        "JRPS 2023",
        ("projet",),
    ),
    (
        30,
        "Baromètre régional 2023 : les premiers résultats sont publiés",
        "Cinq questionnaires, cinq publics, plus de 130 répondants prêts à rejoindre la dynamique régionale : "
        "découvrez les freins, les leviers et les besoins exprimés.",
        "La première édition du Baromètre régional du partenariat en santé s'est tenue de janvier à mars 2023, "
        "auprès des patients partenaires, des associations d'usagers, des structures de formation, des "
        "directions d'établissements et des équipes de soins.\n\n"
        "Parmi les freins : le manque de disponibilité, les limites du bénévolat, la difficulté à recruter "
        "des patients partenaires. Parmi les leviers : la confiance mutuelle et la volonté institutionnelle.\n\n"
        "Le rapport complet est envoyé aux répondants qui l'ont demandé et consultable sur la plateforme.",
        ("barometre",),
        ((42, 93, 159), (250, 247, 242)),
        "",
        (),
    ),
    (
        21,
        "Nouvel atelier d'échanges de pratiques : accueillir un patient partenaire dans une équipe",
        "Trois heures pour partager ce qui marche, et ce qui coince, quand une équipe accueille un patient "
        "partenaire. Inscriptions ouvertes, places limitées.",
        "Le COPS ouvre un nouvel atelier d'échanges de pratiques, animé en binôme par un professionnel de "
        "santé et un patient partenaire.\n\n"
        "Il s'adresse aux équipes qui accueillent, ou souhaitent accueillir, un patient partenaire : "
        "recrutement, place dans les réunions, reconnaissance, indemnisation.\n\n"
        "L'inscription est gratuite, avec ou sans compte sur la plateforme.",
        ("evenements",),
        ((181, 63, 37), (251, 233, 228)),
        "accueillir un patient partenaire",
        (),
    ),
    (
        14,
        "Nouvelle ressource : « Des mots pour se comprendre », le lexique du partenariat",
        "Patient partenaire, pair-aidant, co-construction, co-décision : le lexique du COPS donne des "
        "définitions partagées pour parler le même langage.",
        "Le lexique « Des mots pour se comprendre » rassemble les termes du partenariat en santé, du "
        "patient expert au représentant des usagers.\n\n"
        "Il accompagne la cible d'auto-évaluation, que les équipes utilisent pour situer ensemble leur "
        "partenariat, de la co-expression à la co-mise en œuvre.",
        ("ressources",),
        ((61, 122, 58), (240, 246, 238)),
        "",
        ("ressource",),
    ),
    (
        7,
        "Appel à projets 2024 : faites connaître vos projets en partenariat",
        "Vous menez un projet avec des patients partenaires ? Présentez-le dans l'annuaire des projets et "
        "candidatez pour le présenter à la prochaine journée régionale.",
        "Le COPS invite les structures et les binômes de la région à décrire leurs projets menés en "
        "partenariat : objectifs, publics, résultats, personnes ressources.\n\n"
        "Les projets publiés sont visibles de tous dans l'annuaire et pourront être présentés lors de la "
        "prochaine Journée Régionale du Partenariat en Santé.\n\n"
        "Date limite des candidatures pour la journée : le 15 mars.",
        ("projets", "vie-du-cops"),
        ((160, 82, 45), (250, 240, 230)),
        "",
        ("projet",),
    ),
    (
        2,
        "Charte d'engagement : 46 structures et 75 personnes signataires",
        "La charte d'engagement pour le partenariat en santé continue de rassembler : ses signataires "
        "forment le Comité des Partenaires (CoPart).",
        "Chaque signature engage une structure ou une personne à faire vivre le partenariat en santé. Les "
        "signataires forment le Comité des Partenaires, qui se réunit pour partager ses expériences et "
        "orienter la feuille de route du COPS.\n\n"
        "Vous souhaitez rejoindre la dynamique ? La charte se signe en ligne, depuis la plateforme.",
        ("vie-du-cops",),
        ((7, 63, 68), (227, 241, 241)),
        "",
        (),
    ),
]

DRAFT = (
    "Webinaire « Signer la charte, et après ? » : les questions des structures",
    "Ce que les structures signataires ont demandé pendant le webinaire, et les réponses du COPS.",
    "Brouillon : compléter avec les questions posées pendant le webinaire.",
)

FIRST_NAMES = [
    "camille",
    "dominique",
    "sacha",
    "alix",
    "lou",
    "claude",
    "morgane",
    "yann",
    "nadia",
    "karim",
    "julie",
    "thomas",
    "ines",
    "paul",
    "lea",
    "hugo",
    "sarah",
    "malik",
    "emma",
    "louis",
]


def _image(colours: tuple, seed: int) -> SimpleUploadedFile:
    """A calm abstract picture (no text): a soft background and a few discs in the COPS colours."""
    strong, soft = colours
    image = Image.new("RGB", (1200, 675), soft)
    draw = ImageDraw.Draw(image)
    for n in range(5):
        radius = 90 + (seed * 37 + n * 53) % 160
        x = (seed * 131 + n * 251) % 1200
        y = (seed * 71 + n * 173) % 675
        shade = tuple(min(255, c + n * 22) for c in strong)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=shade)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("illustration.png", buffer.getvalue(), content_type="image/png")


def seed_news(ctx) -> None:
    if NewsItem.objects.exists():
        ctx.log("Actualités : déjà présentes")
        return
    staff = ctx.shared.get("accounts", {}).get("equipe@cops.demo")
    topics = {topic.slug: topic for topic in NewsletterTopic.objects.all()}
    sources = all_sources()
    now = timezone.now()
    for index, (days, title, summary, body, topic_slugs, colours, event_hint, kinds) in enumerate(NEWS):
        events = (
            list(public_events().filter(title__icontains=event_hint).values_list("pk", flat=True)[:1])
            if event_hint
            else []
        )
        links = {}
        for kind in kinds:
            source = sources.get(kind)
            if source is not None and source.set_news_links is not None:
                links[kind] = [entry.source_id for entry in source.recent(since=None, limit=2)]
        item = news_services.news_save(
            item=None,
            by=staff,
            title=title,
            summary=summary,
            body=body,
            image=_image(colours, index + 1),
            image_alt="Illustration abstraite aux couleurs du COPS",
            topics=[topics[slug] for slug in topic_slugs if slug in topics],
            event_ids=events,
            links=links,
        )
        news_services.news_publish(item=item, now=now - timedelta(days=days, hours=index))
    title, summary, body = DRAFT
    news_services.news_save(
        item=None, by=staff, title=title, summary=summary, body=body, topics=[topics["vie-du-cops"]]
    )
    seed_subscriptions(ctx, now=now)
    ctx.log(
        f"Actualités : {len(NEWS)} publiées, 1 brouillon ; lettre : "
        f"{NewsletterSubscription.objects.filter(status='confirmed').count()} abonnés confirmés, "
        f"{NewsletterSubscription.objects.filter(status='pending').count()} en attente"
    )


def seed_subscriptions(ctx, *, now) -> None:
    topics = list(NewsletterTopic.objects.order_by("position"))
    for number in range(45):
        email = f"{FIRST_NAMES[number % len(FIRST_NAMES)]}.lecteur{number + 1}@exemple.org"
        # Varied topics: everyone, or a few chosen ones.
        chosen = (
            topics if number % 3 == 0 else [topic for n, topic in enumerate(topics) if (number + n) % 2 == 0]
        )
        asked = now - timedelta(days=2 + number % 25, hours=number)
        outcome = subs.subscription_request(email=email, topics=chosen or topics, now=asked)
        if number < 40:
            # Confirmed as the subscriber does it: through the link of the email they received.
            subs.subscription_confirm(token=outcome.confirm_token, now=asked + timedelta(minutes=10 + number))
