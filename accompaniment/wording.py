"""French articles before structure names: « de l'Association… », « du Centre… », « pour la Clinique… ».

A structure's name is usually a common noun followed by its proper part (« Centre hospitalier
d'Albi », « Association des patients… ») and French wants the article that noun takes; a bare proper
name (« Onco-Occitanie ») takes none. The first word decides; an unknown word is treated as a proper
name, the safe choice (« de Sète Santé » reads better than a wrong article).
"""

import unicodedata

from django.utils.translation import get_language

# First words (lower case, without accents) and the article they take: "le", "la", "l", "les".
_ARTICLES = {
    **dict.fromkeys(
        [
            "centre",
            "chu",
            "chr",
            "ch",
            "groupement",
            "groupe",
            "reseau",
            "service",
            "comite",
            "collectif",
            "pole",
            "cabinet",
            "foyer",
            "ght",
            "dispositif",
            "departement",
            "conseil",
            "gip",
            "laboratoire",
            "syndicat",
            "cercle",
            "siege",
            "village",
            "ssr",
            "smr",
        ],
        "le",
    ),
    **dict.fromkeys(
        [
            "association",
            "agence",
            "antenne",
            "institut",
            "hopital",
            "etablissement",
            "ehpad",
            "ifsi",
            "ifas",
            "unite",
            "equipe",
            "ecole",
            "espace",
            "observatoire",
            "union",
            "universite",
            "urps",
            "ars",
            "office",
            "instance",
            "amicale",
            "assurance",
            "cpts",
            "msp",
            "udaf",
            "unafam",
            "apf",
        ],
        "l",
    ),
    **dict.fromkeys(
        [
            "clinique",
            "polyclinique",
            "maison",
            "federation",
            "mutuelle",
            "residence",
            "structure",
            "communaute",
            "plateforme",
            "ligue",
            "fondation",
            "faculte",
            "caisse",
            "coordination",
            "direction",
            "delegation",
            "mairie",
            "region",
            "ville",
            "societe",
            "cooperative",
            "halte",
        ],
        "la",
    ),
    **dict.fromkeys(["hopitaux", "hospices", "hospices-civils", "amis", "centres", "services"], "les"),
}

_FORMS = {
    # article: (after « de », after « pour », after « à », alone: « et l'Association »)
    "le": ("du {}", "pour le {}", "au {}", "le {}"),
    "la": ("de la {}", "pour la {}", "à la {}", "la {}"),
    "l": ("de l'{}", "pour l'{}", "à l'{}", "l'{}"),
    "les": ("des {}", "pour les {}", "aux {}", "les {}"),
    "": ("de {}", "pour {}", "à {}", "{}"),
    "elided": ("d'{}", "pour {}", "à {}", "{}"),
}
_PREPOSITIONS = {"de": 0, "pour": 1, "a": 2, "": 3}
# In the other languages of the site (English), the preposition goes without an article.
_OTHER_LANGUAGES = {"de": "of {}", "pour": "for {}", "a": "to {}", "": "{}"}
_VOWELS = "aeiouyh"


def _plain(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _article(name: str) -> tuple[str, str]:
    """(article, rest of the name) — the name's own leading article is taken off and used."""
    first, _sep, rest = name.partition(" ")
    plain = _plain(first)
    for own, article in (("le", "le"), ("la", "la"), ("les", "les")):
        if plain == own and rest:
            return article, rest
    if plain.startswith(("l'", "l’")) and len(first) > 2:
        return "l", name[2:]
    key = plain.rstrip(".,")
    if key in _ARTICLES:
        return _ARTICLES[key], name
    if plain[:1] in _VOWELS and not plain.startswith("h"):
        return "elided", name
    return "", name


def with_preposition(name: str, preposition: str = "de") -> str:
    """« de l'Association X », « du Centre Y », « pour la Clinique Z », « d'Onco-Occitanie »."""
    name = (name or "").strip()
    if not name:
        return name
    if not (get_language() or "fr").startswith("fr"):
        return _OTHER_LANGUAGES[preposition].format(name)
    article, rest = _article(name)
    return _FORMS[article][_PREPOSITIONS[preposition]].format(rest)
