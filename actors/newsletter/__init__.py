"""News (« Actualités ») and the newsletter (« La lettre du COPS »): the models are in
actors/models/newsletter.py; what each app offers to news and issues comes through its
`newsletter.py` (hook `newsletter_sources()`, see sources.py)."""


def newsletter_sources():
    """actors' contribution (cops/apps.py): published news and coming public events. This module
    is the package `actors.newsletter`, which is what autodiscovery imports as "actors.newsletter"."""
    from actors.newsletter.issues import actors_sources

    return actors_sources()
