"""The resources' page: its filter form written out (no crispy-forms rendering per field), the same
few queries whatever the number of resources, and the chosen filters kept in the form."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actors.models import Domain
from tests.directory.test_resources import publish

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> tuple[int, str]:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_list_reads_the_same_queries_whatever_the_number_of_resources(client, staff_user):
    theme = Domain.objects.order_by("position").first()
    publish(staff_user, title="Premier guide", themes=[theme])
    few, _ = _queries(client, "/ressources/")

    for number in range(14):
        publish(staff_user, title=f"Guide numéro {number}", themes=[theme])
    many, page = _queries(client, "/ressources/")

    assert few == many <= 5
    assert "15 ressources" in page


def test_the_chosen_filters_stay_selected_and_typed_words_escaped(client, staff_user):
    theme = Domain.objects.order_by("position").first()
    publish(staff_user, title="Premier guide", themes=[theme])

    page = client.get(
        "/ressources/", {"type": "guide", "theme": theme.code, "q": 'guide "<b>'}
    ).content.decode()

    assert '<option value="guide" selected>Guide</option>' in page
    assert f'<option value="{theme.code}" selected>' in page
    assert '<option value="" selected>Tous les publics</option>' in page
    assert 'value="guide &quot;&lt;b&gt;"' in page
    assert "<b>" not in page.split('role="search"')[1].split("</form>")[0]
