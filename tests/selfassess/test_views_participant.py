import pytest
from django.test import Client
from django.urls import reverse

from selfassess.enums import Side
from selfassess.models import Rating
from selfassess.services import session_close_individual
from tests.factories.selfassess import AssessmentSessionFactory, FrameworkFactory, ParticipantFactory
from tests.selfassess.conftest import text

HTMX = {"HTTP_HX_REQUEST": "true"}


def joined_client(participant) -> Client:
    client = Client()
    response = client.get(reverse("selfassess:join", args=[participant.token]))
    assert response.status_code == 302
    return client


@pytest.mark.django_db
def test_join_swaps_token_for_cookie_and_token_free_url(session):
    participant = ParticipantFactory(session=session, name="Nadia Roux", side=Side.USER)
    client = Client()

    response = client.get(reverse("selfassess:join", args=[participant.token]))

    assert response.status_code == 302
    assert response["Location"] == reverse("selfassess:participate", args=[session.pk])
    assert participant.token not in response["Location"]
    page = client.get(response["Location"])
    content = text(page)
    assert page.status_code == 200
    assert "Nadia Roux" in content
    assert "Patients, proches-aidants, représentants des usagers" in content
    assert "Consigne usagers" in content
    assert participant.token not in content
    participant.refresh_from_db()
    assert participant.last_seen_at is not None


@pytest.mark.django_db
def test_join_with_unknown_token_is_refused_in_french(client):
    response = client.get(reverse("selfassess:join", args=["jeton-inconnu-" + "y" * 30]))

    assert response.status_code == 404
    assert "Ce lien n'est pas valide" in text(response)


@pytest.mark.django_db
def test_rating_page_without_link_asks_for_personal_link(client, session):
    response = client.get(reverse("selfassess:participate", args=[session.pk]))

    assert response.status_code == 403
    assert "Ouvrez votre lien personnel" in text(response)


@pytest.mark.django_db
def test_link_of_another_session_cannot_rate_here(session):
    other_session = AssessmentSessionFactory(framework=session.framework)
    participant = ParticipantFactory(session=session)
    client = joined_client(participant)
    criterion = session.framework.criteria.get(code="a")

    page = client.get(reverse("selfassess:participate", args=[other_session.pk]))
    post = client.post(
        reverse("selfassess:participate", args=[other_session.pk]), {f"c{criterion.pk}-score": "3"}
    )
    htmx = client.post(
        reverse("selfassess:rate_criterion", args=[other_session.pk, criterion.pk]),
        {f"c{criterion.pk}-score": "3"},
        **HTMX,
    )

    for response in (page, post, htmx):
        assert response.status_code == 403
        assert "Ce lien ne correspond pas à cette séance" in text(response)
    assert Rating.objects.count() == 0


@pytest.mark.django_db
def test_rating_page_is_accessible_markup(session):
    client = joined_client(ParticipantFactory(session=session))

    content = text(client.get(reverse("selfassess:participate", args=[session.pk])))

    assert content.count("<fieldset") == 5
    assert content.count("<legend") == 5
    assert content.count('type="radio"') == 25
    assert "Critère 1 sur 5" in content
    assert '<label class="sa-choice" for="id_c' in content
    assert "Action non réalisée conjointement" in content
    assert "Critères notés : 0 sur 5" in content
    assert 'hx-post="/auto-evaluation/seances/' in content
    assert "style=" not in content
    assert "<script>" not in content


@pytest.mark.django_db
def test_rate_one_criterion_with_htmx_says_saved(session):
    participant = ParticipantFactory(session=session)
    client = joined_client(participant)
    criterion = session.framework.criteria.get(code="b")

    response = client.post(
        reverse("selfassess:rate_criterion", args=[session.pk, criterion.pk]),
        {f"c{criterion.pk}-score": "3", f"c{criterion.pk}-comment": "Mon aide-mémoire"},
        **HTMX,
    )

    content = text(response)
    assert response.status_code == 200
    assert '<span class="sa-saved">Enregistré</span>' in content
    assert "Critères notés : 1 sur 5" in content
    assert 'hx-swap-oob="true"' in content
    assert list(Rating.objects.values_list("participant", "criterion__code", "score", "comment")) == [
        (participant.pk, "b", 3, "Mon aide-mémoire")
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("score", ["5", "-1", "2.5", "quatre"])
def test_rate_one_criterion_outside_scale_refused(session, score):
    client = joined_client(ParticipantFactory(session=session))
    criterion = session.framework.criteria.get(code="b")

    response = client.post(
        reverse("selfassess:rate_criterion", args=[session.pk, criterion.pk]),
        {f"c{criterion.pk}-score": score},
        **HTMX,
    )

    assert "La note doit être un nombre entier de 0 à 4." in text(response)
    assert 'role="alert"' in text(response)
    assert Rating.objects.count() == 0


@pytest.mark.django_db
def test_rate_criterion_of_another_framework_refused(session):
    client = joined_client(ParticipantFactory(session=session))
    foreign = FrameworkFactory().criteria.first()

    response = client.post(
        reverse("selfassess:rate_criterion", args=[session.pk, foreign.pk]),
        {f"c{foreign.pk}-score": "2"},
        **HTMX,
    )

    assert "Ce critère n'appartient pas au référentiel de cette séance." in text(response)
    assert Rating.objects.count() == 0


@pytest.mark.django_db
def test_full_page_post_saves_all_answers(session):
    participant = ParticipantFactory(session=session)
    client = joined_client(participant)
    ids = {c.code: c.pk for c in session.framework.criteria.all()}

    response = client.post(
        reverse("selfassess:participate", args=[session.pk]),
        {f"c{ids['a']}-score": "0", f"c{ids['b']}-score": "4", f"c{ids['c']}-comment": ""},
        follow=True,
    )

    assert "Vos réponses sont enregistrées (critères notés : 2 sur 5)." in text(response)
    assert sorted(Rating.objects.values_list("criterion__code", "score")) == [("a", 0), ("b", 4)]


@pytest.mark.django_db
def test_full_page_post_with_one_bad_score_saves_nothing_and_keeps_input(session):
    participant = ParticipantFactory(session=session)
    client = joined_client(participant)
    ids = {c.code: c.pk for c in session.framework.criteria.all()}

    response = client.post(
        reverse("selfassess:participate", args=[session.pk]),
        {
            f"c{ids['a']}-score": "2",
            f"c{ids['a']}-comment": "Texte que je ne veux pas perdre",
            f"c{ids['b']}-score": "9",
            f"c{ids['c']}-comment": "Commentaire sans note",
        },
    )

    content = text(response)
    assert response.status_code == 400
    assert "2 réponses n'ont pas pu être enregistrées" in content
    assert "La note doit être un nombre entier de 0 à 4." in content
    assert "Choisissez une note pour enregistrer votre commentaire." in content
    assert "Texte que je ne veux pas perdre" in content
    assert f'id="id_c{ids["a"]}-score_2" value="2" checked' in content
    assert Rating.objects.count() == 0


@pytest.mark.django_db
def test_answers_frozen_once_step_closed(session, staff_user):
    participant = ParticipantFactory(session=session)
    client = joined_client(participant)
    criterion = session.framework.criteria.get(code="a")
    client.post(
        reverse("selfassess:rate_criterion", args=[session.pk, criterion.pk]),
        {f"c{criterion.pk}-score": "1"},
        **HTMX,
    )
    session_close_individual(session=session, by=staff_user)

    htmx = client.post(
        reverse("selfassess:rate_criterion", args=[session.pk, criterion.pk]),
        {f"c{criterion.pk}-score": "4"},
        **HTMX,
    )
    page = client.post(
        reverse("selfassess:participate", args=[session.pk]), {f"c{criterion.pk}-score": "4"}, follow=True
    )

    message = "L'étape individuelle de cette séance est close : les réponses ne peuvent plus être modifiées."
    assert message in text(htmx)
    assert message in text(page)
    assert "Voir la cible du groupe" in text(page)
    own = text(page)
    assert own.count("1 / 4") == 1
    assert own.count("pas de réponse") == 4
    assert list(Rating.objects.values_list("score", flat=True)) == [1]


@pytest.mark.django_db
def test_participant_sees_only_own_answers(session):
    alice = ParticipantFactory(session=session, name="Alice")
    bruno = ParticipantFactory(session=session, name="Bruno")
    criterion = session.framework.criteria.get(code="a")
    alice_client = joined_client(alice)
    alice_client.post(
        reverse("selfassess:rate_criterion", args=[session.pk, criterion.pk]),
        {f"c{criterion.pk}-score": "4", f"c{criterion.pk}-comment": "SECRET-ALICE"},
        **HTMX,
    )

    content = text(joined_client(bruno).get(reverse("selfassess:participate", args=[session.pk])))

    assert "SECRET-ALICE" not in content
    assert "checked" not in content
    assert "Alice" not in content


@pytest.mark.django_db
def test_participant_results_wait_for_group_step(session):
    client = joined_client(ParticipantFactory(session=session))

    response = client.get(reverse("selfassess:participant_results", args=[session.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("selfassess:participate", args=[session.pk])
