"""Refusals and missing pages answer with the site's own pages, in French."""

import pytest
from django.template.loader import render_to_string

pytestmark = pytest.mark.django_db


def test_missing_page_answers_404_with_a_french_page(client):
    response = client.get("/annuaire/personnes/999999999/")

    content = response.content.decode()
    assert response.status_code == 404
    assert "Cette page n'existe pas (ou plus)" in content
    assert "Page introuvable · COPS Occitanie" in content
    assert 'href="/annuaire/"' in content


def test_refused_page_answers_403_with_a_french_page(partner_client):
    response = partner_client.get("/equipe/")

    content = response.content.decode()
    assert response.status_code == 403
    assert "Cette page ne vous est pas accessible" in content
    assert "Accès réservé · COPS Occitanie" in content


def test_server_error_page_stands_alone_in_french():
    content = render_to_string("500.html")

    assert "Un problème est survenu de notre côté" in content
    assert '<html lang="fr">' in content
    assert "style=" not in content  # the Content-Security-Policy allows no inline style
