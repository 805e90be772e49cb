"""The read-only directory API fuzzed from its own OpenAPI schema (drf-spectacular), in process.

Schemathesis loads the schema from the WSGI application (no network), generates requests for
every operation, valid ones and invalid ones, and runs all its checks on each answer (no
`checks=` given: every built-in check the configuration enables, which is all of them by
default): never a 5xx; status, content type, headers and body as the schema documents them;
every request valid per the schema accepted (so the filters' codes are declared as enums) and
every invalid one refused. A few published profiles exist, so the detail operations are also
checked on real records (the generated ids mostly miss).
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from cops.wsgi import application
from tests.factories.directory import make_person, make_project, make_structure

SCHEMA_URL = "/api/schema/?format=json"
MAX_EXAMPLES = 20
# requests' default Accept-Encoding asks for gzip, which the WSGI client does not undo.
HEADERS = {"Accept-Encoding": "identity"}
COMMUNE = "31555"  # Toulouse, in the reference data
OPERATIONS = {
    "GET /api/annuaire/acteurs/",
    "GET /api/annuaire/personnes/{id}/",
    "GET /api/annuaire/structures/{id}/",
    "GET /api/annuaire/projets/{id}/",
    "GET /api/annuaire/carte.geojson",
}


@pytest.fixture
def published(db, settings):
    # The fuzzer sends many keyword searches: the search limit is not what is checked here.
    settings.RATE_LIMITS = {"directory.search": (10**9, 60)}
    person = make_person(first_name="Camille", last_name="Durand", bio="Patiente partenaire.")
    structure = make_structure(name="Centre hospitalier de Montauban")
    project = make_project(title="Ateliers co-animés")
    return {"personnes": person.pk, "structures": structure.pk, "projets": project.pk}


@pytest.fixture
def api_schema(published):
    # Requests go straight to the WSGI application: like Django's test client, keep the test's
    # database connection (and its transaction) open across them.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(SCHEMA_URL, application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_api_schema_lists_every_directory_operation(api_schema):
    labels = {operation.ok().label for operation in api_schema.get_all_operations()}

    assert labels == OPERATIONS


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_api_answers_every_generated_request_as_documented(api_schema, published, label, mode):
    operation = next(op.ok() for op in api_schema.get_all_operations() if op.ok().label == label)
    statuses = []

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        if mode == GenerationMode.POSITIVE and {"commune", "rayon"} & set(case.query or {}):
            # A commune is a reference-data record, like an id (and the radius needs one): name a real one.
            case.query = {**case.query, "commune": COMMUNE}
        statuses.append(case.call_and_validate(headers=HEADERS).status_code)
        kind = next((kind for kind in published if f"/{kind}/" in case.path), None)
        if kind is not None and mode == GenerationMode.POSITIVE:
            case.path_parameters = {**(case.path_parameters or {}), "id": published[kind]}
            response = case.call_and_validate(headers=HEADERS)
            assert response.status_code == 200
            assert response.json()["id"] == published[kind]

    run()

    assert len(statuses) >= 1  # cases were really generated and sent
    assert max(statuses) < 500
