import pytest
from django.urls import reverse

from tests.factories.actors import UnverifiedUserFactory, UserFactory


@pytest.mark.django_db
def test_home_shows_live_partner_count(client):
    UserFactory.create_batch(3)
    UnverifiedUserFactory()

    response = client.get(reverse("home"))

    assert response.status_code == 200
    content = response.content.decode()
    assert '<p class="figure-value mb-1">3</p>' in content
    assert "partenaires inscrits sur la plateforme" in content
    assert '<html lang="fr">' in content
