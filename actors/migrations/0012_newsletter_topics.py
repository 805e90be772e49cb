from django.db import migrations

TOPICS = [
    ("evenements", "Événements et ateliers", "Journées régionales, ateliers, webinaires et formations.", 1),
    ("projets", "Projets et expériences partagées", "Les projets menés en partenariat en Occitanie.", 2),
    ("ressources", "Ressources et outils", "Guides, outils et supports partagés par les partenaires.", 3),
    ("barometre", "Baromètre régional", "Les campagnes du baromètre et leurs résultats.", 4),
    ("vie-du-cops", "Vie du COPS", "Les nouvelles du COPS, de sa charte et de ses comités.", 5),
]


def create_topics(apps, schema_editor):
    Topic = apps.get_model("actors", "NewsletterTopic")
    for slug, name, description, position in TOPICS:
        Topic.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("actors", "0011_news_newsletter")]

    operations = [migrations.RunPython(create_topics, migrations.RunPython.noop)]
