"""Demo persons, structures and memberships for the directory, realistic for Occitanie.

`ctx.scale` is the number of actors; about three in four are persons. Communes are drawn
weighted by population, so Toulouse and Montpellier have many actors and small villages few.
Everything goes through the bulk services, so published profiles are indexed like real ones.
"""

import time
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.text import slugify

from actors.enums import ModerationStatus, Side, Visibility
from actors.models import (
    Activity,
    ActorProfile,
    Availability,
    Commune,
    Departement,
    Domain,
    Person,
    Qualification,
    Structure,
    StructureType,
    User,
)
from actors.validators import luhn_is_valid
from directory.indexing import fold, index_persons, index_projects, index_structures, indexes_deferred
from directory.models import ContactPurpose
from directory.services.bulk import (
    ProfileRow,
    memberships_bulk_create,
    persons_bulk_create,
    structures_bulk_create,
)
from directory.services.contact import (
    contact_message_reply,
    contact_message_report_abuse,
    contact_message_send,
    contact_preferences_save,
)
from directory.services.profiles import person_save, profile_approve, profile_submit, structure_save

# Seeded before every other app's data (cops/demo.py): the charter signs these persons and
# structures, the self-assessments and accompaniments use them.
SEED_ORDER = -1
# Drawn from the generator it used when actors seeded the directory, so that the demo data (and
# the charter's, drawn after it from the same generator) stayed the same when it moved here.
SEED_STREAM = "actors"

FIRST_NAMES = (
    "Marie Nathalie Isabelle Sylvie Catherine Françoise Valérie Christine Sandrine Sophie Céline Stéphanie "
    "Émilie Julie Aurélie Camille Laura Manon Léa Chloé Inès Sarah Clémence Agnès Hélène Mireille Josiane "
    "Jean Pierre Michel Philippe Alain Nicolas Christophe Patrick Laurent Frédéric Éric Stéphane David Julien "
    "Thomas Sébastien Olivier Mathieu Guillaume Antoine Hugo Lucas Théo Rémi Benoît Gérard Jérôme Yannick "
    "Noémie Maëlle Océane Anaïs Lucie Margaux Élodie Joëlle Martine Monique Bernadette Dominique Claude "
    "Karim Mohamed Yasmina Leïla Nadia Samir Fatima Rachid Amandine Pascale Régis Thierry Hervé Bruno"
).split()
LAST_NAMES = (
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel "
    "Garcia David Bertrand Roux Vincent Fournier Morel Girard André Lefèvre Mercier Dupont Lambert Bonnet "
    "François Martinez Legrand Garnier Faure Rousseau Blanc Guérin Muller Henry Roussel Nicolas Perrin "
    "Morin Mathieu Clément Gauthier Dumont Lopez Fontaine Chevalier Robin Masson Sanchez Gérard Nguyen "
    "Boyer Denis Lemaire Duval Joly Gautier Roger Roche Roy Noël Meyer Lucas Meunier Jean Perez Marchand "
    "Dufour Blanchard Marie Barbier Brun Dumas Brunet Schmitt Leroux Colin Fernandez Pierre Renard Arnaud "
    "Rolland Caron Aubert Giraud Leclerc Vidal Bourgeois Renaud Lemoine Picard Gaillard Philippe Lacroix "
    "Fabre Cazals Castan Sabatier Vidalenc Bousquet Delmas Cassagne Escande Marty Pujol Rouquette Salvan "
    "Teulière Azéma Baylac Carrère Doumenc Estrade Fauré Galy Lafforgue Maurel Puech Sicard Tarbouriech"
).split()

FUNCTIONS = [
    "Cadre de santé",
    "Directrice des soins",
    "Chargé de mission qualité",
    "Patient partenaire",
    "Représentante des usagers",
    "Infirmière coordinatrice",
    "Médecin",
    "Formatrice",
    "Présidente",
    "Bénévole",
    "Coordinateur de parcours",
    "Psychologue",
]
BIO_OPENINGS = {
    Side.USER: [
        "Je vis avec une maladie chronique depuis plusieurs années et je partage mon expérience",
        "Proche-aidante de mon père, j'ai appris à naviguer dans le parcours de soins",
        "Représentant des usagers dans un établissement de santé, je porte la parole des patients",
        "Patiente partenaire, j'interviens auprès des équipes soignantes",
        "Engagé dans une association de patients, j'accompagne les personnes nouvellement diagnostiquées",
    ],
    Side.PROFESSIONAL: [
        "Professionnelle de santé, je crois à la co-construction des soins avec les patients",
        "Cadre de santé, je développe le partenariat patient dans mon service",
        "Formateur en institut de formation, j'associe des patients partenaires aux enseignements",
        "Médecin, je travaille en binôme avec des patients partenaires",
        "Chargée de mission qualité, j'implique les usagers dans nos démarches",
    ],
}
BIO_ENDINGS = [
    "pour améliorer la qualité des soins et de l'accompagnement.",
    "dans des programmes d'éducation thérapeutique du patient.",
    "en formation initiale et continue des professionnels de santé.",
    "dans des projets de recherche en santé.",
    "au sein des instances de gouvernance de mon établissement.",
    "pour faire connaître le partenariat en santé en Occitanie.",
]
STRUCTURE_PATTERNS = {
    "chu": ["Centre hospitalier universitaire de {commune}"],
    "ch": ["Centre hospitalier de {commune}", "Hôpital local de {commune}"],
    "clinique": ["Clinique {saint}", "Clinique du Parc de {commune}", "Polyclinique de {commune}"],
    "centre-lutte-cancer": ["Institut régional du cancer de {commune}"],
    "medico-social": [
        "EHPAD {saint}",
        "Maison de retraite de {commune}",
        "Foyer d'accueil médicalisé de {commune}",
    ],
    "soins-primaires": [
        "Maison de santé pluriprofessionnelle de {commune}",
        "Centre de santé de {commune}",
        "CPTS du pays de {commune}",
    ],
    "institut-formation": ["Institut de formation en soins infirmiers de {commune}", "IFRASS {commune}"],
    "association-usagers": [
        "Association des patients diabétiques de {commune}",
        "Association France Rein {departement}, antenne de {commune}",
        "Collectif des aidants de {commune}",
        "Association des insuffisants respiratoires de {commune}",
    ],
    "federation": ["Fédération régionale {fed} Occitanie"],
    "institution": ["Délégation départementale {departement}"],
    "universite-recherche": ["Laboratoire de recherche en santé publique de {commune}"],
}
STRUCTURE_DESCRIPTIONS = [
    "Nous associons des patients partenaires à nos projets depuis plusieurs années.",
    "Notre équipe construit ses parcours avec les usagers et leurs proches.",
    "Nous cherchons des patients partenaires pour nos formations et nos instances.",
    "Engagés dans le partenariat en santé, nous partageons nos pratiques avec le réseau du COPS.",
    "Nos comités d'usagers participent à la qualité et à la sécurité des soins.",
]
SAINTS = [
    "Saint-Jean",
    "Sainte-Marie",
    "Saint-Roch",
    "Les Tilleuls",
    "Les Oliviers",
    "Le Val Fleuri",
    "Pasteur",
]
FEDERATIONS = ["FHF", "FHP", "FEHAP", "FORMS", "URPS"]
STRUCTURE_TYPE_WEIGHTS = {
    "chu": 1,
    "ch": 8,
    "clinique": 8,
    "centre-lutte-cancer": 1,
    "medico-social": 25,
    "soins-primaires": 25,
    "institut-formation": 6,
    "association-usagers": 20,
    "federation": 1,
    "institution": 1,
    "universite-recherche": 2,
}


def _siret(rng) -> str:
    while True:
        base = "".join(rng.choice("0123456789") for _ in range(13))
        for check in "0123456789":
            if luhn_is_valid(base + check):
                return base + check


def _finess(rng, departement: str) -> str:
    base = departement + "".join(rng.choice("0123456789") for _ in range(6))
    for check in "0123456789":
        if luhn_is_valid(base + check):
            return base + check
    raise AssertionError("unreachable")


def _status(rng) -> str:
    roll = rng.random()
    if roll < 0.95:
        return ModerationStatus.PUBLISHED
    if roll < 0.956:
        return ModerationStatus.PENDING
    if roll < 0.99:
        return ModerationStatus.DRAFT
    return ModerationStatus.REJECTED


def _visibility(rng) -> dict:
    levels = {}
    for name, default in Person.RESTRICTABLE_FIELDS.items():
        roll = rng.random()
        if roll < 0.75:
            levels[name] = int(default)
        elif roll < 0.9:
            levels[name] = int(Visibility.PARTNERS)
        else:
            levels[name] = int(Visibility.STAFF if name not in ("commune",) else Visibility.PARTNERS)
    return levels


def seed(ctx) -> None:
    started = time.monotonic()
    rng = ctx.rng
    now = timezone.now()
    communes = list(Commune.objects.only("insee_code", "name", "departement_id", "population"))
    weights = [max(commune.population, 30) for commune in communes]
    departements = {d.code: d.name for d in Departement.objects.all()}
    dept_codes = sorted(departements)
    profiles = list(ActorProfile.objects.all())
    user_profiles = [p for p in profiles if p.side == Side.USER]
    pro_profiles = [p for p in profiles if p.side == Side.PROFESSIONAL]
    domains = list(Domain.objects.values_list("pk", flat=True))
    qualifications = list(Qualification.objects.values_list("pk", flat=True))
    activities = list(Activity.objects.values_list("pk", flat=True))
    availabilities = list(Availability.objects.values_list("pk", flat=True))
    types = {t.code: t for t in StructureType.objects.all()}

    n_structures = max(ctx.scale // 4, 2)
    n_persons = max(ctx.scale - n_structures, 2)

    def territories_for(commune) -> tuple[list[str], bool]:
        roll = rng.random()
        if roll < 0.08:
            return [], True
        codes = {commune.departement_id}
        if roll > 0.75:
            codes.add(rng.choice(dept_codes))
        return sorted(codes), False

    # --- Accounts of about half the persons (the others were registered by the staff) ---
    drawn = rng.choices(communes, weights=weights, k=n_persons + n_structures)
    person_communes, structure_communes = drawn[:n_persons], drawn[n_persons:]
    names = [(rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)) for _ in range(n_persons)]
    unusable = make_password(None)
    accounts = {}
    new_users = []
    for index, (first, last) in enumerate(names):
        if index % 2 == 0:
            email = f"{_ascii(first)}.{_ascii(last)}.{index}@exemple.fr"
            new_users.append(
                User(email=email, first_name=first, last_name=last, password=unusable, email_verified_at=now)
            )
            accounts[index] = email
    User.objects.bulk_create(new_users, batch_size=2000, ignore_conflicts=True)
    phases = {"comptes": time.monotonic() - started}
    user_ids = dict(User.objects.filter(email__in=accounts.values()).values_list("email", "pk"))

    rows = []
    for index, ((first, last), commune) in enumerate(zip(names, person_communes, strict=True)):
        side_is_user = rng.random() < 0.55
        pool = user_profiles if side_is_user else pro_profiles
        chosen_profiles = rng.sample(pool, k=rng.choice([1, 1, 2, 3]))
        side = Side.USER if side_is_user else Side.PROFESSIONAL
        territories, region_wide = territories_for(commune)
        published_days_ago = rng.randint(1, 900)
        email = accounts.get(index) or f"{_ascii(first)}.{_ascii(last)}.{index}@exemple.fr"
        rows.append(
            ProfileRow(
                fields={
                    "user_id": user_ids.get(accounts.get(index)),
                    "first_name": first,
                    "last_name": last,
                    "commune_id": commune.insee_code,
                    "region_wide": region_wide,
                    "bio": f"{rng.choice(BIO_OPENINGS[side])} {rng.choice(BIO_ENDINGS)}",
                    "experience": rng.choice(
                        [
                            "",
                            "Parcours de soins en cancérologie, aujourd'hui en rémission.",
                            "Vingt ans d'exercice en service hospitalier.",
                            "Aidant d'un proche atteint de la maladie d'Alzheimer.",
                            "Diabète de type 1 depuis l'enfance.",
                        ]
                    ),
                    "email": email,
                    "phone": f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                    "visibility": _visibility(rng),
                },
                many_to_many={
                    "profiles": [p.pk for p in chosen_profiles],
                    "domains": rng.sample(domains, k=rng.choice([1, 1, 2])),
                    "territories": territories,
                    "qualifications": rng.sample(qualifications, k=rng.choice([0, 1, 1, 2])),
                    "activities": rng.sample(activities, k=rng.choice([1, 2, 3])),
                    "availabilities": rng.sample(availabilities, k=rng.choice([1, 1, 2])),
                },
                status=_status(rng),
                at=now - timedelta(days=published_days_ago),
            )
        )
    persons = persons_bulk_create(rows=rows, index=False)
    phases["personnes"] = time.monotonic() - started - sum(phases.values())

    type_codes = list(STRUCTURE_TYPE_WEIGHTS)
    type_weights = [STRUCTURE_TYPE_WEIGHTS[code] for code in type_codes]
    structure_rows = []
    used_names = set()
    for commune in structure_communes:
        code = rng.choices(type_codes, weights=type_weights)[0]
        if code in ("chu", "centre-lutte-cancer") and commune.population < 100000:
            code = "ch"
        name = rng.choice(STRUCTURE_PATTERNS[code]).format(
            commune=commune.name,
            departement=departements[commune.departement_id],
            saint=rng.choice(SAINTS),
            fed=rng.choice(FEDERATIONS),
        )
        if name in used_names:
            # Large towns have several of a kind: number them as people do ("Centre de santé n° 2").
            number = 2
            while f"{name} n° {number}" in used_names:
                number += 1
            name = f"{name} n° {number}"
        used_names.add(name)
        health = code in ("chu", "ch", "clinique", "centre-lutte-cancer", "medico-social")
        territories, region_wide = territories_for(commune)
        structure_rows.append(
            ProfileRow(
                fields={
                    "name": name,
                    "structure_type_id": types[code].pk,
                    "siret": _siret(rng),
                    "finess": _finess(rng, commune.departement_id) if health else "",
                    "address": f"{rng.randint(1, 120)} {rng.choice(['rue', 'avenue', 'boulevard', 'chemin'])} "
                    f"{rng.choice(['de la République', 'Jean Jaurès', 'Pasteur', 'des Écoles', 'Victor Hugo'])}",
                    "commune_id": commune.insee_code,
                    "postal_code": "",
                    "region_wide": region_wide or code in ("federation", "institution"),
                    "description": rng.choice(STRUCTURE_DESCRIPTIONS),
                    "website": f"https://www.{_ascii(name.split(' de ')[-1])}.exemple.fr",
                    "email": f"contact@{_ascii(name.split(' de ')[-1])}.exemple.fr",
                },
                many_to_many={
                    "domains": rng.sample(domains, k=rng.choice([1, 2, 3])),
                    "territories": territories,
                },
                status=_status(rng),
                at=now - timedelta(days=rng.randint(1, 900)),
            )
        )
    # The postal code of a structure is its commune's first one.
    commune_postal = dict(
        Commune.objects.filter(insee_code__in={c.insee_code for c in structure_communes}).values_list(
            "insee_code", "postal_codes"
        )
    )
    for row in structure_rows:
        codes = commune_postal.get(row.fields["commune_id"]) or [""]
        row.fields["postal_code"] = codes[0]
    structures = structures_bulk_create(rows=structure_rows, index=False)
    phases["structures"] = time.monotonic() - started - sum(phases.values())

    # --- Memberships: persons belong to structures near them ---
    by_dept: dict[str, list[Structure]] = {}
    for structure, commune in zip(structures, structure_communes, strict=True):
        if structure.status == ModerationStatus.PUBLISHED:
            by_dept.setdefault(commune.departement_id, []).append(structure)
    links = []
    referents: set[int] = set()
    for person, commune in zip(persons, person_communes, strict=True):
        nearby = by_dept.get(commune.departement_id)
        if not nearby or rng.random() > 0.4:
            continue
        for structure in rng.sample(nearby, k=min(len(nearby), rng.choice([1, 1, 2]))):
            is_referent = structure.pk not in referents and rng.random() < 0.5
            if is_referent:
                referents.add(structure.pk)
            links.append((person.pk, structure.pk, rng.choice(FUNCTIONS), is_referent))
    memberships_bulk_create(links=links, at=now)
    phases["appartenances"] = time.monotonic() - started - sum(phases.values())
    project_ids = _demo_generated_projects(
        ctx,
        now,
        [s for s in structures if s.status == ModerationStatus.PUBLISHED],
        {commune.insee_code: commune for commune in structure_communes},
        links,
        {p.pk for p in persons if p.status == ModerationStatus.PUBLISHED},
    )
    phases["projets"] = time.monotonic() - started - sum(phases.values())

    with indexes_deferred():
        index_structures([s.pk for s in structures if s.status == ModerationStatus.PUBLISHED])
        index_persons([p.pk for p in persons if p.status == ModerationStatus.PUBLISHED])
        index_projects(project_ids)

    phases["index"] = time.monotonic() - started - sum(phases.values())
    _demo_accounts_profiles(ctx, now)
    _demo_contact(ctx, now)
    _demo_resources(ctx)
    _demo_jrps_projects(ctx)
    published_persons = [p for p in persons if p.status == ModerationStatus.PUBLISHED]
    published_structures = [s for s in structures if s.status == ModerationStatus.PUBLISHED]
    ctx.shared["persons"] = published_persons
    ctx.shared["structures"] = published_structures
    ctx.log(
        f"Annuaire : {len(persons)} personnes ({len(published_persons)} publiées), "
        f"{len(structures)} structures ({len(published_structures)} publiées), {len(links)} appartenances, "
        f"{len(project_ids)} projets publiés "
        f"en {time.monotonic() - started:.1f} s ("
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.items())
        + ")"
    )


def _demo_accounts_profiles(ctx, now) -> None:
    """The demo partner has a published profile and is référent of a structure; a pending edit
    and a new registration wait in the moderation queue."""
    accounts = ctx.shared.get("accounts", {})
    partner = accounts.get("partenaire@cops.demo")
    staff = accounts.get("equipe@cops.demo")
    if partner is None or staff is None or Person.objects.filter(user=partner).exists():
        return
    toulouse = Commune.objects.get(insee_code="31555")
    patient = ActorProfile.objects.get(code="patient-partenaire-formateur")
    domain = Domain.objects.get(code="formation-recherche-innovation")
    person = person_save(
        person=None,
        by=partner,
        changes={
            "first_name": partner.first_name,
            "last_name": partner.last_name,
            "commune": toulouse,
            "territories": ["31", "81"],
            "profiles": [patient],
            "domains": [domain],
            "activities": list(Activity.objects.filter(code__in=["enseignement-formation", "recherche"])),
            "availabilities": list(Availability.objects.filter(code="a-distance")),
            "bio": "Patiente partenaire formatrice, j'interviens à l'IFSI et à la faculté de médecine de Toulouse.",
            "experience": "Polyarthrite rhumatoïde depuis 2009.",
            "email": partner.email,
            "visibility": {"experience": int(Visibility.PARTNERS), "email": int(Visibility.PARTNERS)},
        },
    )
    profile_submit(profile=person, by=partner, consent=True)
    profile_approve(profile=person, by=staff)
    structure = structure_save(
        structure=None,
        by=partner,
        changes={
            "name": "Association Partenaires en santé du Tarn",
            "structure_type": StructureType.objects.get(code="association-usagers"),
            "commune": Commune.objects.get(insee_code="81004"),
            "address": "12 place du Vigan",
            "postal_code": "81000",
            "domains": [domain],
            "territories": ["81"],
            "description": "Une association qui forme et accompagne des patients partenaires dans le Tarn.",
        },
    )
    profile_submit(profile=structure, by=partner, consent=True)
    profile_approve(profile=structure, by=staff)
    # The moderation queue shows an edit (with its diff) and a new registration.
    person_save(
        person=person,
        by=partner,
        changes={
            "bio": "Patiente partenaire formatrice : j'interviens à l'IFSI, à la faculté de médecine de Toulouse "
            "et dans le programme d'ETP polyarthrite du CHU.",
            "availabilities": list(Availability.objects.filter(code__in=["a-distance", "en-semaine"])),
        },
    )
    profile_submit(profile=person, by=partner, consent=True)
    copil = accounts.get("copil@cops.demo")
    if copil is not None and not Person.objects.filter(user=copil).exists():
        newcomer = person_save(
            person=None,
            by=copil,
            changes={
                "first_name": copil.first_name,
                "last_name": copil.last_name,
                "commune": Commune.objects.get(insee_code="34172"),
                "territories": ["34", "30"],
                "profiles": list(ActorProfile.objects.filter(code="representant-usagers")),
                "domains": list(Domain.objects.filter(code="management-parcours-gouvernance")),
                "bio": "Représentant des usagers au CHU de Montpellier.",
            },
        )
        profile_submit(profile=newcomer, by=copil, consent=True)
    ctx.shared["demo_person"] = Person.objects.get(pk=person.pk)
    ctx.shared["demo_structure"] = Structure.objects.get(pk=structure.pk)


def _demo_patient_partner(
    ctx, now, *, email: str, first: str, last: str, profile: str, commune: str
) -> Person:
    """A patient partner with an account, published through the services."""
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email=email,
        password=ctx.shared.get("accounts_password"),
        first_name=first,
        last_name=last,
        email_verified_at=now,
    )
    person = Person.objects.filter(user=user).first()
    if person is not None:
        return person
    commune = Commune.objects.get(insee_code=commune)
    person = person_save(
        person=None,
        by=user,
        changes={
            "first_name": first,
            "last_name": last,
            "commune": commune,
            "territories": [commune.departement_id],
            "profiles": list(ActorProfile.objects.filter(code=profile)),
            "domains": list(Domain.objects.filter(code="soin-accompagnement")),
            "activities": list(Activity.objects.filter(code="education-therapeutique")),
            "availabilities": list(Availability.objects.filter(code="a-distance")),
            "bio": "Patient partenaire, j'interviens dans des programmes d'éducation thérapeutique.",
        },
    )
    profile_submit(profile=person, by=user, consent=True)
    profile_approve(profile=person, by=ctx.shared["accounts"]["equipe@cops.demo"])
    return Person.objects.get(pk=person.pk)


def _demo_contact(ctx, now) -> None:
    """The contact relay at work: a patient partner with the default policy (signed-in partners)
    who received two messages and answered one, another who receives none, and a message to a
    structure reported as abusive. No draw from ctx.rng: the charter draws after us."""
    accounts = ctx.shared.get("accounts", {})
    partner, copil = accounts.get("partenaire@cops.demo"), accounts.get("copil@cops.demo")
    structure = ctx.shared.get("demo_structure")
    if partner is None or copil is None or "equipe@cops.demo" not in accounts:
        return
    nadia = _demo_patient_partner(
        ctx, now, email="nadia.benali@cops.demo", first="Nadia", last="Benali",
        profile="patient-partenaire", commune="31555",
    )  # fmt: skip
    marc = _demo_patient_partner(
        ctx, now, email="marc.delmas@cops.demo", first="Marc", last="Delmas",
        profile="patient-partenaire-ressource", commune="34172",
    )  # fmt: skip
    contact_preferences_save(user=marc.user, person_policy="personne")
    if nadia.contact_messages.exists():
        return
    # Seeding is no visitor: the rate limits would only refuse a second seeding within the hour.
    first = contact_message_send(
        person=nadia,
        sender_user=partner,
        sender_name=partner.get_full_name(),
        sender_email=partner.email,
        purpose=ContactPurpose.TESTIMONY,
        body="Bonjour Nadia, nous préparons une formation des internes à l'annonce du diagnostic. "
        "Accepteriez-vous d'y témoigner de votre parcours, une demi-journée en mars ?",
        enforce_limits=False,
    )
    contact_message_reply(
        message=first,
        body="Bonjour, avec plaisir. Je suis disponible les mardis ; écrivez-moi pour fixer une date.",
        by=nadia.user,
    )
    contact_message_send(
        person=nadia,
        sender_user=copil,
        sender_name=copil.get_full_name(),
        sender_email=copil.email,
        purpose=ContactPurpose.PROJECT,
        body="Bonjour, le CHU de Montpellier monte un comité d'usagers en cancérologie : "
        "seriez-vous intéressée pour en faire partie ?",
        enforce_limits=False,
    )
    if structure is not None:
        spam = contact_message_send(
            structure=structure,
            sender_user=None,
            sender_name="Formations Express",
            sender_email="promo@formations-express.exemple.com",
            purpose=ContactPurpose.OTHER,
            body="Découvrez nos formations certifiantes à prix cassés ! Offre valable 48 h.",
            enforce_limits=False,
        )
        contact_message_report_abuse(message=spam, reason="Publicité sans rapport avec l'association.")
    ctx.shared["demo_contact_person"] = nadia


def _ascii(text: str) -> str:
    return "".join(char for char in fold(text) if char.isalnum()) or "x"


# --- The resource library: what the COPS's documents name (seeds 001, 002, 003) -----------------

SELF_ASSESSMENT_SECTORS = [
    (
        "Co-expression",
        [
            "Solliciter et prendre en compte les différents points de vue exprimés au sein du collectif",
            "Partager des informations claires et compréhensibles",
        ],
    ),
    (
        "Co-construction",
        [
            "Mobiliser les ressources et compétences spécifiques des différents participants",
            "Explorer conjointement toutes les options possibles",
            "Formuler conjointement les objectifs prioritaires, le plan d'actions et les indicateurs d'évaluation",
        ],
    ),
    (
        "Co-décision",
        [
            "Fixer conjointement les objectifs",
            "Élaborer conjointement le plan d'action",
            "Promouvoir les décisions partagées",
        ],
    ),
    (
        "Co-mise en œuvre",
        [
            "Partager les rôles et les responsabilités",
            "Exercer un leadership partagé et collaboratif",
            "Évaluer conjointement le projet",
        ],
    ),
]


def _demo_pdf(name: str, title: str, subtitle: str, sections: list[dict]):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cops.pdf import render_pdf

    content = render_pdf(
        "directory/resources/pdf_sheet.html", {"title": title, "subtitle": subtitle, "sections": sections}
    )
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _demo_resources(ctx) -> None:
    """The COPS's own documents (the leaflet, the self-assessment target, guides cited by its
    slides and bibliography) published by the staff, and a référent's proposal waiting for them."""
    from datetime import date

    from actors.enums import MembershipStatus
    from actors.models import Membership
    from directory.models import Resource, ResourceAudience, ResourceKind, ResourceLicence
    from directory.services.resources import resource_propose

    accounts = ctx.shared.get("accounts", {})
    staff = accounts.get("equipe@cops.demo")
    if staff is None or Resource.objects.exists():
        return
    domains = {domain.code: domain for domain in Domain.objects.all()}
    training, management, care = (
        domains.get("formation-recherche-innovation"),
        domains.get("management-parcours-gouvernance"),
        domains.get("soin-accompagnement"),
    )
    leaflet = _demo_pdf(
        "agir-pour-le-partenariat.pdf",
        "Agir ! pour le partenariat en santé au sein des établissements de santé",
        "Management et dynamique du partenariat en santé",
        [
            {
                "title": "Enjeu du partenariat",
                "text": "Améliorer la qualité des soins, les parcours de santé et la qualité de vie au travail.",
            },
            {
                "title": "Réussir le partenariat en santé",
                "items": [
                    "Rassembler deux partenaires ou plus : professionnels du système de santé, patients "
                    "partenaires et usagers volontaires pour collaborer ensemble.",
                    "Être en mode « gestion de projet ».",
                    "S'inscrire dans une démarche participative.",
                    "Créer et participer à un climat de confiance dans le groupe.",
                    "S'engager dans le sens de l'action partagé.",
                    "Participer à la dynamique avec une pratique réflexive.",
                ],
            },
            {
                "title": "En pratique",
                "items": [
                    "Engager la structure",
                    "Engager une démarche participative",
                    "Constituer un groupe de travail partenarial équilibré",
                ],
            },
        ],
    )
    target = _demo_pdf(
        "cible-auto-evaluation.pdf",
        "S'auto-évaluer dans le partenariat en santé : la cible",
        "Baromètre de la relation du partenariat en santé",
        [
            {
                "title": "Comment l'utiliser",
                "text": "Pour chaque critère, chaque membre du groupe de travail place son niveau "
                "d'engagement de 0 (action non réalisée conjointement) à 4 (action pleinement réalisée "
                "ensemble) ; puis le groupe compare les estimations et évalue le partenariat conjointement.",
            },
            *({"title": sector, "items": criteria} for sector, criteria in SELF_ASSESSMENT_SECTORS),
        ],
    )
    published = [
        {
            "title": "Agir pour le partenariat en santé au sein des établissements de santé",
            "kind": ResourceKind.LEAFLET,
            "summary": "Le dépliant du comité régional : l'enjeu du partenariat en santé, ses plus-values "
            "pour les patients, les professionnels et les structures, et les étapes pour déployer une "
            "culture partagée du partenariat dans un établissement (engager la structure, constituer un "
            "comité de pilotage et un groupe de travail partenarial).",
            "file": leaflet,
            "audience": ResourceAudience.STRUCTURES,
            "themes": [management],
            "licence": ResourceLicence.OTHER,
            "published_on": date(2022, 1, 15),
        },
        {
            "title": "S'auto-évaluer dans le partenariat en santé : la cible",
            "kind": ResourceKind.TARGET,
            "summary": "La cible d'auto-évaluation : chaque membre d'un groupe de travail situe son "
            "engagement de 0 à 4 sur les critères de co-expression, co-construction, co-décision et "
            "co-mise en œuvre, puis professionnels et patients comparent leurs estimations.",
            "file": target,
            "audience": ResourceAudience.ALL,
            "themes": [management, care],
            "licence": ResourceLicence.OTHER,
            "published_on": date(2022, 1, 15),
        },
        {
            "title": "Communiquer, impliquer le patient",
            "kind": ResourceKind.GUIDE,
            "summary": "La brochure de la Haute Autorité de santé « Faire dire » : des outils pour "
            "communiquer avec le patient et l'impliquer dans ses soins.",
            "link": "https://www.has-sante.fr/upload/docs/application/pdf/2016-02/"
            "brochure_fairedire_communiquer_avec_son_patient.pdf",
            "audience": ResourceAudience.PROFESSIONALS,
            "themes": [care],
            "licence": ResourceLicence.ALL_RIGHTS,
            "published_on": date(2017, 1, 1),
        },
        {
            "title": "Programme d'amélioration continue du travail en équipe (Pacte)",
            "kind": ResourceKind.TOOL,
            "summary": "Le programme Pacte de la Haute Autorité de santé, pour améliorer le travail en "
            "équipe, y compris avec le patient.",
            "link": "https://www.has-sante.fr/jcms/c_2831393/fr/programme-d-amelioration-continue-du-travail-en-equipe-pacte",
            "audience": ResourceAudience.STRUCTURES,
            "themes": [management],
            "licence": ResourceLicence.ALL_RIGHTS,
            "published_on": date(2018, 9, 1),
        },
        {
            "title": "Pitch JRPS 2023 : Association Après J20 Covid long",
            "kind": ResourceKind.TRAINING,
            "summary": "Le support présenté à la 2e Journée régionale du partenariat en santé (2023) : "
            "un projet mené en partenariat par une association de patients atteints de Covid long.",
            "link": "https://partenariat-en-sante.org/wp-content/uploads/2023/05/"
            "COPS-JRPS2023-Pitch01-AssociationApresJ20CovidLong-Occitanair.pdf",
            "audience": ResourceAudience.ALL,
            "themes": [training, care],
            "licence": ResourceLicence.ALL_RIGHTS,
            "published_on": date(2023, 5, 1),
        },
    ]
    for changes in published:
        file = changes.get("file")
        resource_propose(by=staff, changes=changes, file_format="pdf" if file else "", publish=True)
    # A référent's proposal waits for the staff (the demo partner is référent of her association).
    referent = (
        Membership.objects.filter(
            person__user=accounts.get("partenaire@cops.demo"),
            is_referent=True,
            status=MembershipStatus.ACCEPTED,
            structure__status=ModerationStatus.PUBLISHED,
        )
        .select_related("person__user", "structure")
        .order_by("pk")
        .first()
    )
    if referent is not None:
        resource_propose(
            by=referent.person.user,
            changes={
                "title": "Guide de l'implication de l'usager dans les soins primaires",
                "kind": ResourceKind.GUIDE,
                "summary": "Le guide de la FECOP et de France Assos Santé pour associer les usagers aux "
                "projets des maisons et centres de santé, présenté parmi les appuis du COPS.",
                "link": "https://www.partenariat-en-sante.org/",
                "audience": ResourceAudience.PROFESSIONALS,
                "themes": [care],
                "author_structure": referent.structure,
                "licence": ResourceLicence.OTHER,
            },
        )
    ctx.log(f"Ressources : {Resource.objects.count()} (dont les propositions en attente)")


# --- Projects: the ten pitches of the JRPS 2023 (seed 002) and generated ones at every scale -------

# The ten « Pitchs Projets » of the 2nd Journée régionale du partenariat en santé (2023), with the
# structures that carried them as the seed names them. Structures the demo lacks are created.
JRPS_STRUCTURES = {
    "Association AprèsJ20 Covid Long": ("association-usagers", "31555", "soin-accompagnement"),
    "Occitan’Air": ("association-usagers", "34172", "soin-accompagnement"),
    "Maladies rares Occitanie": ("soins-primaires", "34172", "management-parcours-gouvernance"),
    "Maison de Retraite Protestante Montpellier": (
        "medico-social",
        "34172",
        "management-parcours-gouvernance",
    ),
    "Human Santé": ("soins-primaires", "34172", "soin-accompagnement"),
    "Association Tremplin Pierre Robin": ("association-usagers", "31555", "soin-accompagnement"),
    "CHU de Toulouse": ("chu", "31555", "soin-accompagnement"),
    "Institut du Cancer de Montpellier (ICM)": ("centre-lutte-cancer", "34172", "soin-accompagnement"),
    "IFRASS": ("institut-formation", "31555", "formation-recherche-innovation"),
    "UTEP CHU Nîmes": ("chu", "30189", "formation-recherche-innovation"),
    "Centre Hémodialyse St Guilhem Sète": ("ch", "34301", "soin-accompagnement"),
    "MDPH 11": ("institution", "11069", "management-parcours-gouvernance"),
}
# The demo's own generated CHU stands for the seed's when it exists.
JRPS_ALIASES = {"CHU de Toulouse": ["Centre hospitalier universitaire de Toulouse"]}
JRPS_PROJECTS = [
    {
        "title": "Programme d’Accompagnement Covid Long occitanie - PACLO",
        "structure": "Association AprèsJ20 Covid Long",
        "others": ["Occitan’Air"],
        "summary": "Un programme d'accompagnement des personnes atteintes de Covid long en Occitanie, "
        "construit par une association de patients avec les professionnels qui les soignent.",
        "state": "en_cours",
        "domains": ["soin-accompagnement"],
        "practices": ["accompagnement-pairs", "education-therapeutique"],
        "brakes": ["reconnaissance", "financement"],
        "levers": ["confiance", "personnes_ressources"],
        "person": ("demo_contact_person", "Patiente partenaire"),
    },
    {
        "title": "Itinéraire maladies rares : une carte mentale pour trouver le chemin simple vers des solutions",
        "structure": "Maladies rares Occitanie",
        "summary": "Une carte mentale conçue avec des patients et des proches pour aider les personnes "
        "concernées par une maladie rare à trouver simplement les bons interlocuteurs.",
        "state": "termine",
        "domains": ["management-parcours-gouvernance", "soin-accompagnement"],
        "practices": ["co-construction-projets", "communication-temoignage"],
        "brakes": ["valeur_ajoutee"],
        "levers": ["confiance", "appui_methodo"],
    },
    {
        "title": "La participation des résidants au processus de recrutement des professionnels : "
        "la Maison (au service) des résidants",
        "structure": "Maison de Retraite Protestante Montpellier",
        "summary": "Les résidants participent au recrutement des professionnels de leur maison de "
        "retraite : ils rencontrent les candidats et donnent leur avis.",
        "state": "en_cours",
        "domains": ["management-parcours-gouvernance"],
        "practices": ["recrutement-integration", "instances-gouvernance"],
        "brakes": ["representations"],
        "levers": ["volonte_institutionnelle", "confiance"],
    },
    {
        "title": "Centre de santé communautaire Human Santé",
        "structure": "Human Santé",
        "summary": "Un centre de santé communautaire et associatif où les patients participent à la "
        "gouvernance et à la construction de l'offre de soins de leur quartier.",
        "state": "en_cours",
        "domains": ["soin-accompagnement", "management-parcours-gouvernance"],
        "practices": ["instances-gouvernance", "co-construction-projets"],
        "brakes": ["financement", "temps_pros"],
        "levers": ["volonte_institutionnelle", "temps_dedie"],
    },
    {
        "title": "Le parent ressource au sein des consultations multidisciplinaires : ateliers éducatifs "
        "à destination des enfants porteurs de fente et de leurs parents",
        "structure": "Association Tremplin Pierre Robin",
        "others": ["CHU de Toulouse"],
        "summary": "Un parent ressource anime, avec l'équipe des consultations multidisciplinaires du "
        "CHU de Toulouse, des ateliers éducatifs pour les enfants porteurs de fente et leurs parents.",
        "state": "en_cours",
        "domains": ["soin-accompagnement"],
        "practices": ["education-therapeutique", "accompagnement-pairs"],
        "brakes": ["benevolat", "reconnaissance"],
        "levers": ["formation_commune", "personnes_ressources"],
    },
    {
        "title": "Accompagnement des patients sous thérapie orale (TO) par des patientes partenaires (PP)",
        "structure": "Institut du Cancer de Montpellier (ICM)",
        "summary": "Des patientes partenaires accompagnent les personnes qui commencent un traitement "
        "anticancéreux par voie orale, aux côtés de l'équipe soignante.",
        "state": "en_cours",
        "domains": ["soin-accompagnement"],
        "practices": ["accompagnement-pairs", "education-therapeutique"],
        "brakes": ["recrutement", "reconnaissance"],
        "levers": ["confiance", "volonte_institutionnelle"],
        "person": ("marc", "Patient partenaire ressource"),
    },
    {
        "title": "Pré-nat HUB",
        "structure": "IFRASS",
        "summary": "Un lieu ressource autour de la période prénatale, imaginé avec des parents et des "
        "professionnels en formation à l'IFRASS.",
        "state": "en_cours",
        "domains": ["formation-recherche-innovation"],
        "practices": ["enseignement-formation", "co-construction-projets"],
        "brakes": ["temps_pros"],
        "levers": ["formation_commune"],
        "person": ("demo_person", "Patiente partenaire formatrice"),
    },
    {
        "title": "Formation Education Thérapeutique du Patient 40h, Faculté U Nîmes",
        "structure": "UTEP CHU Nîmes",
        "summary": "La formation de 40 heures à l'éducation thérapeutique du patient, construite et "
        "animée avec un groupe de sept patients partenaires consultants.",
        "state": "termine",
        "domains": ["formation-recherche-innovation"],
        "practices": ["enseignement-formation", "education-therapeutique"],
        "brakes": ["reconnaissance"],
        "levers": ["formation_commune", "appui_methodo"],
    },
    {
        "title": "Construire un projet des usagers dans une dynamique de partenariat en santé",
        "structure": "Centre Hémodialyse St Guilhem Sète",
        "summary": "Le centre d'hémodialyse écrit son projet des usagers avec les patients dialysés "
        "et leurs représentants, accompagné par le COPS.",
        "state": "termine",
        "domains": ["management-parcours-gouvernance"],
        "practices": ["co-construction-projets", "instances-gouvernance"],
        "brakes": ["disponibilite", "temps_pros"],
        "levers": ["appui_methodo", "volonte_institutionnelle"],
    },
    {
        "title": "Expert profane à la MDPH de l’Aude : pair-aidance et prise en compte des besoins",
        "structure": "MDPH 11",
        "summary": "Un expert profane, lui-même concerné par le handicap, accompagne les personnes "
        "dans leurs démarches à la MDPH de l'Aude et aide à mieux prendre en compte leurs besoins.",
        "state": "termine",
        "domains": ["management-parcours-gouvernance", "soin-accompagnement"],
        "practices": ["accompagnement-pairs"],
        "brakes": ["valeur_ajoutee", "reconnaissance"],
        "levers": ["personnes_ressources", "confiance"],
    },
]
JRPS_TITLES = [project["title"] for project in JRPS_PROJECTS]

# Generated projects: about 8 projects for 100 actors (2,000 at --scale 25000).
PROJECTS_PER_ACTOR = 0.08
PROJECT_THEMES = [
    (
        "Comité des usagers en cancérologie à {commune}",
        "Patients, proches et soignants se réunissent chaque trimestre pour améliorer ensemble le parcours en cancérologie.",
        ["soin-accompagnement", "management-parcours-gouvernance"],
        ["instances-gouvernance", "co-construction-projets"],
    ),
    (
        "Ateliers d'éducation thérapeutique du diabète co-animés à {commune}",
        "Des ateliers d'éducation thérapeutique animés en binôme par un soignant et un patient partenaire.",
        ["soin-accompagnement"],
        ["education-therapeutique", "accompagnement-pairs"],
    ),
    (
        "Patients formateurs à l'institut de formation de {commune}",
        "Des patients partenaires interviennent dans la formation initiale des futurs soignants.",
        ["formation-recherche-innovation"],
        ["enseignement-formation", "communication-temoignage"],
    ),
    (
        "Pair-aidance en santé mentale à {commune}",
        "Des pairs-aidants accueillent et accompagnent les personnes suivies, en lien avec l'équipe.",
        ["soin-accompagnement"],
        ["accompagnement-pairs"],
    ),
    (
        "Projet des usagers de l'établissement ({commune})",
        "L'établissement écrit son projet des usagers avec ses représentants des usagers et des patients.",
        ["management-parcours-gouvernance"],
        ["co-construction-projets", "instances-gouvernance"],
    ),
    (
        "Recherche participative sur le parcours de soins à {commune}",
        "Une recherche menée avec des patients co-chercheurs, de la question de départ aux résultats.",
        ["formation-recherche-innovation"],
        ["recherche", "evaluation"],
    ),
    (
        "Patients partenaires dans les comités qualité à {commune}",
        "Des patients partenaires participent aux revues de morbi-mortalité et aux comités qualité.",
        ["management-parcours-gouvernance"],
        ["qualite-securite", "instances-gouvernance"],
    ),
    (
        "Recruter avec les patients : un jury mixte à {commune}",
        "Les entretiens de recrutement des soignants associent un patient partenaire au jury.",
        ["management-parcours-gouvernance"],
        ["recrutement-integration"],
    ),
    (
        "Livret d'accueil co-écrit avec les aidants ({commune})",
        "Un livret d'accueil écrit avec des proches-aidants, relu par les usagers du service.",
        ["soin-accompagnement"],
        ["co-construction-projets", "communication-temoignage"],
    ),
    (
        "Évaluer ensemble l'expérience patient à {commune}",
        "Des questionnaires d'expérience construits, passés et analysés avec des patients partenaires.",
        ["management-parcours-gouvernance", "soin-accompagnement"],
        ["evaluation", "qualite-securite"],
    ),
]
PROJECT_LESSONS = [
    "",
    "Prendre le temps de se connaître avant de commencer a tout changé.",
    "Un binôme soignant – patient dès le départ évite de construire pour les patients plutôt qu'avec eux.",
    "Indemniser les patients partenaires a rendu leur engagement durable.",
]


def _project_state_and_dates(rng, today):
    """A state and coherent dates: finished projects started 1 to 7 years ago."""
    roll = rng.random()
    if roll < 0.45:
        started = today - timedelta(days=rng.randint(400, 2500))
        ended = min(today - timedelta(days=1), started + timedelta(days=rng.randint(120, 900)))
        return "termine", started, ended
    if roll < 0.85:
        return "en_cours", today - timedelta(days=rng.randint(30, 1200)), None
    return "en_projet", today + timedelta(days=rng.randint(15, 300)), None


def _demo_generated_projects(
    ctx, now, structures, communes_by_code, links, published_person_ids
) -> list[int]:
    """Bulk-created projects carried by published structures, deterministic from --seed; returns
    the ids of the published ones (indexed by the caller with the rest of the directory)."""
    import random

    from directory.indexing import departement_zones, zone_summary
    from directory.models import Project, ProjectPerson, ProjectPersonStatus
    from directory.selectors.projects import lessons_choices
    from directory.services.bulk import _bulk_m2m
    from directory.services.profiles import CONSENT_VERSION

    count = int(ctx.scale * PROJECTS_PER_ACTOR)
    if count == 0 or not structures or Project.objects.exists():
        return []
    # Their own generator: the actors' stream (drawn by the charter after us) stays as it was.
    rng = random.Random(f"{ctx.seed}:projets")
    today = now.date()
    zones = departement_zones()
    domains = dict(Domain.objects.values_list("code", "pk"))
    practices = dict(Activity.objects.values_list("code", "pk"))
    choices = lessons_choices()
    brakes = [code for code, _label in choices["freins"]]
    levers = [code for code, _label in choices["leviers"]]
    members: dict[int, list[int]] = {}
    for person_id, structure_id, _function, _referent in links:
        if person_id in published_person_ids:
            members.setdefault(structure_id, []).append(person_id)

    rows, used_slugs = [], set()
    for _ in range(count):
        structure = rng.choice(structures)
        commune = communes_by_code[structure.commune_id]
        title_pattern, summary, domain_codes, practice_codes = rng.choice(PROJECT_THEMES)
        title = title_pattern.format(commune=commune.name)
        base = slugify(title)[:200]
        slug, number = base, 2
        while slug in used_slugs:
            slug, number = f"{base}-{number}", number + 1
        used_slugs.add(slug)
        state, started_on, ended_on = _project_state_and_dates(rng, today)
        territories = [commune.departement_id]
        roll = rng.random()
        status = (
            ModerationStatus.PUBLISHED
            if roll < 0.92
            else ModerationStatus.PENDING
            if roll < 0.96
            else ModerationStatus.DRAFT
        )
        at = now - timedelta(days=rng.randint(1, 700))
        project = Project(
            title=title,
            slug=slug,
            summary=summary,
            description=f"{summary} {rng.choice(STRUCTURE_DESCRIPTIONS)}",
            state=state,
            started_on=started_on,
            ended_on=ended_on,
            main_structure_id=structure.pk,
            brakes=sorted(rng.sample(brakes, k=rng.choice([0, 1, 2]))),
            levers=sorted(rng.sample(levers, k=rng.choice([0, 1, 2, 3]))),
            lessons=rng.choice(PROJECT_LESSONS),
            status=status,
            zone=zone_summary(territories, False, zones),
            submitted_at=at if status != ModerationStatus.DRAFT else None,
            consent_at=at if status != ModerationStatus.DRAFT else None,
            consent_version=CONSENT_VERSION if status != ModerationStatus.DRAFT else "",
        )
        if status == ModerationStatus.PUBLISHED:
            project.published_at = project.moderated_at = project.accuracy_confirmed_at = at
        many = {
            "domains": [domains[code] for code in domain_codes if code in domains],
            "practices": [practices[code] for code in practice_codes if code in practices],
            "territories": territories,
            "communes": [commune.insee_code],
        }
        nearby = members.get(structure.pk)
        person_id = rng.choice(nearby) if nearby and rng.random() < 0.3 else None
        rows.append((project, many, person_id))

    objects = Project.objects.bulk_create([project for project, _many, _person in rows], batch_size=2000)
    from directory.services.bulk import ProfileRow

    _bulk_m2m(
        Project,
        objects,
        [ProfileRow(fields={}, many_to_many=many) for _project, many, _person in rows],
        ("domains", "practices", "territories", "communes"),
    )
    ProjectPerson.objects.bulk_create(
        [
            ProjectPerson(
                project_id=project.pk,
                person_id=person_id,
                role=rng.choice(["Patient partenaire", "Coordination", "Représentante des usagers"]),
                status=ProjectPersonStatus.ACCEPTED,
                responded_at=now,
            )
            for project, (_row, _many, person_id) in zip(objects, rows, strict=True)
            if person_id is not None
        ],
        batch_size=5000,
    )
    return [project.pk for project in objects if project.status == ModerationStatus.PUBLISHED]


def _jrps_structure(name: str, staff) -> Structure:
    """The structure as the seed names it: the demo's own if it exists, else published for the occasion."""
    names = [name, *JRPS_ALIASES.get(name, [])]
    structure = (
        Structure.objects.filter(name__in=names, status=ModerationStatus.PUBLISHED).order_by("pk").first()
    )
    if structure is not None:
        return structure
    type_code, insee_code, domain_code = JRPS_STRUCTURES[name]
    commune = Commune.objects.get(insee_code=insee_code)
    structure = structure_save(
        structure=None,
        by=staff,
        changes={
            "name": name,
            "structure_type": StructureType.objects.get(code=type_code),
            "commune": commune,
            "postal_code": (commune.postal_codes or [""])[0],
            "domains": list(Domain.objects.filter(code=domain_code)),
            "territories": [commune.departement_id],
            "description": "Présentée à la Journée régionale du partenariat en santé 2023.",
        },
    )
    profile_submit(profile=structure, by=staff, consent=True)
    profile_approve(profile=structure, by=staff)
    return Structure.objects.get(pk=structure.pk)


def _demo_jrps_projects(ctx) -> None:
    """The ten pitches of the JRPS 2023, published through the projects' services by the COPS team;
    a few demo persons accepted to appear on them."""
    from datetime import date

    from directory.models import Project, ProjectState
    from directory.services.projects import project_invite_person, project_person_respond, project_save

    accounts = ctx.shared.get("accounts", {})
    staff = accounts.get("equipe@cops.demo")
    if staff is None or Project.objects.filter(title=JRPS_TITLES[0]).exists():
        return
    started = time.monotonic()
    persons = {
        "demo_contact_person": ctx.shared.get("demo_contact_person"),
        "demo_person": ctx.shared.get("demo_person"),
        "marc": Person.objects.filter(user__email="marc.delmas@cops.demo").first(),
    }
    for pitch in JRPS_PROJECTS:
        structure = _jrps_structure(pitch["structure"], staff)
        commune = structure.commune
        done = pitch["state"] == ProjectState.DONE
        project = project_save(
            project=None,
            by=staff,
            changes={
                "title": pitch["title"],
                "summary": pitch["summary"],
                "description": pitch["summary"]
                + " Projet présenté en 180 secondes lors des « Pitchs Projets » de la Journée régionale "
                "du partenariat en santé 2023.",
                "state": pitch["state"],
                "started_on": date(2023, 1, 1),
                "ended_on": date(2023, 12, 31) if done else None,
                "main_structure": structure,
                "structures": [_jrps_structure(name, staff) for name in pitch.get("others", [])],
                "domains": list(Domain.objects.filter(code__in=pitch["domains"])),
                "practices": list(Activity.objects.filter(code__in=pitch["practices"])),
                "territories": [commune.departement_id] if commune else [],
                "communes": [commune] if commune else [],
                "brakes": pitch["brakes"],
                "levers": pitch["levers"],
                "website": "https://partenariat-en-sante.org/",
            },
        )
        profile_submit(profile=project, by=staff, consent=True)
        profile_approve(profile=project, by=staff)
        key, role = pitch.get("person", (None, ""))
        person = persons.get(key) if key else None
        if person is not None and person.user_id:
            invitation = project_invite_person(project=project, by=staff, person=person, role=role)
            project_person_respond(invitation=invitation, by=person.user, accept=True)
    ctx.log(
        f"Projets : {Project.objects.count()} dont "
        f"{Project.objects.filter(status=ModerationStatus.PUBLISHED).count()} publiés "
        f"(les 10 pitchs de la JRPS 2023 en {time.monotonic() - started:.1f} s)"
    )
