import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from selfassess.enums import Side
from selfassess.frameworks import load_shipped_frameworks
from selfassess.models import AssessmentSession, Criterion, Framework
from selfassess.selectors import offered_frameworks
from selfassess.services import framework_is_answered, framework_new_version, framework_update
from tests.factories.selfassess import AssessmentSessionFactory, FrameworkFactory, ParticipantFactory
from tests.selfassess.conftest import rate


@pytest.mark.django_db
def test_shipped_barometer_framework_has_four_sectors_and_eleven_criteria():
    framework = Framework.objects.get(slug="barometre-relation-partenariat", version=1)

    sectors = [(s.name, [c.text for c in s.criteria.order_by("position")]) for s in framework.sectors.all()]
    assert framework.name == "Baromètre de la relation du partenariat en santé"
    assert [name for name, _criteria in sectors] == [
        "Co-expression",
        "Co-construction",
        "Co-décision",
        "Co-mise en œuvre",
    ]
    assert sum(len(criteria) for _name, criteria in sectors) == 11
    assert sectors[0][1] == [
        "Solliciter et prendre en compte les différents points de vue exprimés au sein du collectif",
        "Partager des informations claires et compréhensibles",
    ]
    assert sectors[3][1] == [
        "Partager les rôles et les responsabilités",
        "Exercer un leadership partagé et collaboratif",
        "Évaluer conjointement le projet",
    ]
    assert framework.label_0 == "Action non réalisée conjointement"
    assert framework.label_4 == "Action pleinement réalisée ensemble"


@pytest.mark.django_db
def test_shipped_se_situer_framework_has_both_views_for_every_criterion():
    framework = Framework.objects.get(slug="se-situer", version=1)

    criteria = list(framework.criteria.all())
    assert len(criteria) == 9
    assert framework.sectors.count() == 4
    assert all(c.text_professional and c.text_user for c in criteria)
    first = criteria[0]
    assert first.text_for(Side.PROFESSIONAL).startswith("J'invite la personne à exprimer")
    assert first.text_for(Side.USER).startswith("J'exprime mes attentes")


@pytest.mark.django_db
def test_load_shipped_frameworks_is_idempotent():
    assert load_shipped_frameworks() == 0
    assert Framework.objects.filter(slug="se-situer").count() == 1


@pytest.mark.django_db
def test_framework_new_version_copies_sectors_and_criteria_inactive(framework):
    copy = framework_new_version(framework=framework)

    assert (copy.slug, copy.version, copy.is_active) == (framework.slug, 2, False)
    assert list(copy.criteria.values_list("sector__name", "code", "text", "position")) == list(
        framework.criteria.values_list("sector__name", "code", "text", "position")
    )
    assert copy.sectors.count() == 2
    assert Criterion.objects.filter(framework=copy, sector__framework=framework).count() == 0


@pytest.mark.django_db
def test_framework_update_unanswered_changes_in_place(framework):
    result = framework_update(framework=framework, label_2="Action menée de temps en temps")

    assert result.pk == framework.pk
    framework.refresh_from_db()
    assert framework.label_2 == "Action menée de temps en temps"
    assert Framework.objects.filter(slug=framework.slug).count() == 1


@pytest.mark.django_db
def test_framework_update_answered_creates_version_and_keeps_old_wording(session):
    participant = ParticipantFactory(session=session)
    rate(participant, {"a": 2})
    framework = session.framework

    result = framework_update(framework=framework, label_2="Action menée de temps en temps")

    framework.refresh_from_db()
    assert framework.label_2 == "Action parfois réalisée conjointement"
    assert result.pk != framework.pk
    assert (result.version, result.label_2) == (2, "Action menée de temps en temps")
    assert AssessmentSession.objects.get(pk=session.pk).framework_id == framework.pk
    assert framework_is_answered(framework) is True
    assert framework_is_answered(result) is False


@pytest.mark.django_db
def test_offered_frameworks_are_latest_active_versions(framework):
    draft = framework_new_version(framework=framework)
    assert framework in offered_frameworks()
    assert draft not in offered_frameworks()

    draft.is_active = True
    draft.save()

    offered = offered_frameworks()
    assert draft in offered
    assert framework not in offered


# --- Django admin ------------------------------------------------------------------------------


def _admin_post_data(framework):
    data = {
        "name": framework.name,
        "slug": framework.slug,
        "version": framework.version,
        "is_active": "on",
        "description": framework.description,
        "guidance_professional": framework.guidance_professional,
        "guidance_user": framework.guidance_user,
        "guidance_joint": "",
        **{f"label_{i}": label for i, label in enumerate(framework.scale_labels)},
    }
    sectors = list(framework.sectors.all())
    criteria = list(framework.criteria.all())
    data.update(
        {
            "sectors-TOTAL_FORMS": len(sectors),
            "sectors-INITIAL_FORMS": len(sectors),
            "criteria-TOTAL_FORMS": len(criteria),
            "criteria-INITIAL_FORMS": len(criteria),
        }
    )
    for i, sector in enumerate(sectors):
        data.update(
            {
                f"sectors-{i}-id": sector.pk,
                f"sectors-{i}-framework": framework.pk,
                f"sectors-{i}-name": sector.name,
                f"sectors-{i}-position": sector.position,
            }
        )
    for i, criterion in enumerate(criteria):
        data.update(
            {
                f"criteria-{i}-id": criterion.pk,
                f"criteria-{i}-framework": framework.pk,
                f"criteria-{i}-sector": criterion.sector_id,
                f"criteria-{i}-position": criterion.position,
                f"criteria-{i}-code": criterion.code,
                f"criteria-{i}-short_label": criterion.short_label,
                f"criteria-{i}-text": criterion.text,
                f"criteria-{i}-text_professional": "",
                f"criteria-{i}-text_user": "",
            }
        )
    return data


@pytest.mark.django_db
def test_admin_edits_unanswered_framework_in_place(admin_client, framework):
    data = _admin_post_data(framework)
    data["criteria-0-text"] = "Critère a reformulé"

    response = admin_client.post(reverse("admin:selfassess_framework_change", args=[framework.pk]), data)

    assert response.status_code == 302
    assert framework.criteria.get(code="a").text == "Critère a reformulé"


@pytest.mark.django_db
def test_admin_cannot_change_answered_framework_wording(admin_client, session):
    rate(ParticipantFactory(session=session), {"a": 2})
    framework = session.framework
    url = reverse("admin:selfassess_framework_change", args=[framework.pk])
    data = _admin_post_data(framework)
    data["criteria-0-text"] = "Critère a reformulé"
    data["label_0"] = "Autre libellé"
    data["is_active"] = ""

    page = admin_client.get(url)
    response = admin_client.post(url, data)

    assert "Ce référentiel a déjà des réponses" in page.content.decode()
    assert "Créer une nouvelle version" in page.content.decode()
    assert response.status_code == 302
    framework.refresh_from_db()
    assert framework.criteria.get(code="a").text == "Critère a"
    assert framework.label_0 == "Action non réalisée conjointement"
    # Retiring the version from new sessions remains possible: it changes no words.
    assert framework.is_active is False


@pytest.mark.django_db
def test_admin_new_version_button_creates_editable_copy(admin_client, session):
    rate(ParticipantFactory(session=session), {"a": 2})
    framework = session.framework

    response = admin_client.post(reverse("admin:selfassess_framework_new_version", args=[framework.pk]))

    copy = Framework.objects.get(slug=framework.slug, version=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:selfassess_framework_change", args=[copy.pk])
    data = _admin_post_data(copy)
    data["criteria-0-text"] = "Critère a, version 2"
    edit = admin_client.post(reverse("admin:selfassess_framework_change", args=[copy.pk]), data)
    assert edit.status_code == 302
    assert copy.criteria.get(code="a").text == "Critère a, version 2"
    assert framework.criteria.get(code="a").text == "Critère a"


@pytest.mark.django_db
def test_admin_framework_new_version_requires_post_and_admin(partner_client, admin_client, framework):
    url = reverse("admin:selfassess_framework_new_version", args=[framework.pk])

    assert admin_client.get(url).status_code == 405
    assert partner_client.post(url).status_code == 302  # to the admin login
    assert Framework.objects.filter(slug=framework.slug).count() == 1


@pytest.mark.django_db
def test_framework_with_sessions_cannot_be_deleted_in_admin(admin_client):
    session = AssessmentSessionFactory()

    response = admin_client.post(
        reverse("admin:selfassess_framework_delete", args=[session.framework.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Framework.objects.filter(pk=session.framework.pk).exists()


@pytest.mark.django_db
def test_framework_factory_builds_unanswered_framework():
    assert framework_is_answered(FrameworkFactory()) is False


@pytest.mark.django_db
def test_admin_adds_framework_then_its_criteria(admin_client):
    scale = {f"label_{i}": f"Niveau {i}" for i in range(5)}
    data = {
        "name": "Nouveau référentiel",
        "slug": "nouveau",
        "version": 1,
        "is_active": "on",
        **scale,
        "sectors-TOTAL_FORMS": 1,
        "sectors-INITIAL_FORMS": 0,
        "sectors-0-name": "Co-expression",
        "sectors-0-position": 1,
        "criteria-TOTAL_FORMS": 0,
        "criteria-INITIAL_FORMS": 0,
    }

    created = admin_client.post(reverse("admin:selfassess_framework_add"), data)
    framework = Framework.objects.get(slug="nouveau")
    edit = _admin_post_data(framework)
    edit.update(
        {
            "criteria-TOTAL_FORMS": 1,
            "criteria-0-sector": framework.sectors.get().pk,
            "criteria-0-position": 1,
            "criteria-0-code": "ecoute",
            "criteria-0-short_label": "Écoute",
            "criteria-0-text": "Écouter chacun",
            "criteria-0-text_professional": "",
            "criteria-0-text_user": "",
        }
    )
    added = admin_client.post(reverse("admin:selfassess_framework_change", args=[framework.pk]), edit)

    assert created.status_code == 302
    assert added.status_code == 302
    assert list(framework.criteria.values_list("sector__name", "code", "text")) == [
        ("Co-expression", "ecoute", "Écouter chacun")
    ]


@pytest.mark.django_db
def test_criterion_sector_must_belong_to_its_framework(framework):
    other_sector = FrameworkFactory().sectors.first()
    criterion = framework.criteria.first()
    criterion.sector = other_sector

    with pytest.raises(ValidationError) as error:
        criterion.full_clean()

    assert error.value.message_dict["sector"] == ["Choisissez un secteur de ce référentiel."]
