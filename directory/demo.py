"""Demo persons, structures and memberships for the directory, realistic for Occitanie.

`ctx.scale` is the number of actors; about three in four are persons. Communes are drawn
weighted by population, so Toulouse and Montpellier have many actors and small villages few.
Everything goes through the bulk services, so published profiles are indexed like real ones.
"""

import time
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

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
from directory.indexing import fold, index_persons, index_structures, indexes_deferred
from directory.services.bulk import (
    ProfileRow,
    memberships_bulk_create,
    persons_bulk_create,
    structures_bulk_create,
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

    with indexes_deferred():
        index_structures([s.pk for s in structures if s.status == ModerationStatus.PUBLISHED])
        index_persons([p.pk for p in persons if p.status == ModerationStatus.PUBLISHED])

    phases["index"] = time.monotonic() - started - sum(phases.values())
    _demo_accounts_profiles(ctx, now)
    published_persons = [p for p in persons if p.status == ModerationStatus.PUBLISHED]
    published_structures = [s for s in structures if s.status == ModerationStatus.PUBLISHED]
    ctx.shared["persons"] = published_persons
    ctx.shared["structures"] = published_structures
    ctx.log(
        f"Annuaire : {len(persons)} personnes ({len(published_persons)} publiées), "
        f"{len(structures)} structures ({len(published_structures)} publiées), {len(links)} appartenances "
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


def _ascii(text: str) -> str:
    return "".join(char for char in fold(text) if char.isalnum()) or "x"
