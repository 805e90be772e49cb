import pytest
from django.test import Client
from django.urls import reverse

from actors.models import Membership, Structure
from directory.services.memberships import membership_request
from tests.factories.directory import make_person, make_structure

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_membership_requests_go_to_the_referents_and_orphans_to_the_staff(staff_user):
    referent = make_person(first_name="Régine", last_name="Référente")
    with_referent = make_structure(by=referent.user, name="Maison de santé de Castres")
    orphan = make_structure(name="Association des aidants de Millau")
    Structure.objects.filter(pk=orphan.pk).update(created_by=None)
    Membership.objects.filter(structure=orphan).delete()
    applicant = make_person(first_name="Marc", last_name="Membre")
    membership_request(
        person=applicant, structure=with_referent, function="Infirmier", message="", by=applicant.user
    )
    membership_request(person=applicant, structure=orphan, function="Bénévole", message="", by=applicant.user)

    staff_page = client_for(staff_user).get(reverse("directory:membership_requests"))
    referent_page = client_for(referent.user).get(reverse("directory:membership_requests"))

    assert staff_page.status_code == 200
    assert "Maison de santé de Castres" not in staff_page.content.decode()
    assert "Association des aidants de Millau" in staff_page.content.decode()
    assert referent_page.status_code == 200
    assert "Maison de santé de Castres" in referent_page.content.decode()
    assert "Association des aidants de Millau" not in referent_page.content.decode()
