"""A bounded schemathesis run over the whole OpenAPI document: no input gives a 5xx.

Every operation the platform publishes is fuzzed against the WSGI app with
valid (positive) and invalid (negative) data generated from its schema. Calls
are authenticated as whoever may make them: the operator for ``/platform``
endpoints, a tenant admin (with ``X-Tenant``) for the rest, so generated bodies
and queries reach the validation and the use cases rather than stopping at 401.
Hypothesis is derandomized so that CI runs are reproducible.

The operations are read from the served document at run time, so new endpoints
are fuzzed without touching this file. (schemathesis's ``from_fixture`` lazy
loader cannot be used with pytest 9, whose nodes lost ``_nodeid``; each
operation is a pytest subtest instead.)
"""
from __future__ import annotations

from http import HTTPStatus

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.support.platform import PG_URL

# schemathesis draws from the global ``random`` inside its strategies; Hypothesis
# seeds it per example (so runs stay reproducible) but warns each time.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module inside strategies")

API = "/api/v1"
TENANT_CREATION = ("POST", f"{API}/platform/tenants")
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
BOUNDS = dict(deadline=None, derandomize=True, database=None, print_blob=False,
              suppress_health_check=list(HealthCheck))
EXAMPLES = 20
#: Creating a tenant creates and migrates a database: fewer examples.
TENANT_CREATION_EXAMPLES = 5


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app)


def operations(api_schema):
    found = []
    for result in api_schema.get_all_operations():
        found.append(result.ok())  # an invalid operation definition fails here
    assert found, "the OpenAPI document has no operations"
    return found


def credentials(operation, tenant, operator) -> dict:
    """Headers of a caller who may make this call."""
    if operation.path.startswith(f"{API}/platform/"):
        return {"Authorization": f"Bearer {operator.token}"}
    return {"Authorization": f"Bearer {tenant.admin.token}", "X-Tenant": tenant.slug}


def check_response(case, response, headers) -> None:
    described = (f"{case.operation.label} answered {response.status_code}: "
                 f"{response.text[:2000]}\nReproduce with: {case.as_curl_command(headers)}")
    assert response.status_code < 500, described
    assert "Traceback" not in response.text, described
    if response.status_code >= 400:
        # Client errors keep the contract's single error shape.
        body = response.json()
        assert body["code"] == response.status_code, described
        assert body["status"] == HTTPStatus(response.status_code).phrase, described
        assert isinstance(body["message"], str) and body["message"], described


def fuzz(operation, mode, headers, max_examples) -> None:
    @settings(max_examples=max_examples, **BOUNDS)
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        check_response(case, case.call(headers=headers), headers)
    run()


def test_no_operation_answers_a_server_error(api_schema, tenant, operator, subtests):
    for operation in operations(api_schema):
        key = (operation.method.upper(), operation.path)
        if key == TENANT_CREATION:
            continue  # its own test below
        headers = credentials(operation, tenant, operator)
        for mode in MODES:
            with subtests.test(msg=f"{operation.label} {mode.value}"):
                fuzz(operation, mode, headers, EXAMPLES)


#: The slug rule the API documents in its 422 message: 3 to 40 lower-case letters,
#: digits and single hyphens, starting with a letter (and not ending with a hyphen).
VALID_SLUG = st.from_regex(r"\A[a-z][a-z0-9-]{1,38}[a-z0-9]\Z").filter(lambda s: "--" not in s)


# On PostgreSQL the conftest drops only the databases named after this run's id,
# and fuzzed slugs are not, so tenant creation is not fuzzed there: it would leak
# databases on the server.
@pytest.mark.skipif(bool(PG_URL), reason="fuzzed tenant databases would outlive the run")
def test_tenant_creation_answers_no_server_error(api_schema, client, operator, subtests):
    operation = api_schema[TENANT_CREATION[1]][TENANT_CREATION[0]]
    headers = {"Authorization": f"Bearer {operator.token}"}
    for mode in MODES:
        with subtests.test(msg=f"{operation.label} {mode.value}"):
            fuzz(operation, mode, headers, TENANT_CREATION_EXAMPLES)

    # Schema-valid bodies almost never carry a slug and a country that pass the
    # business rules, so also send well-formed slugs (edge cases included) with a
    # loaded country: these create tenants, or conflict when a slug repeats.
    plugins = client.get(f"{API}/platform/plugins", headers=headers).get_json()["plugins"]
    countries = sorted({code for plugin in plugins for code in plugin.get("countries") or []})
    assert countries, plugins
    created = []

    @settings(max_examples=TENANT_CREATION_EXAMPLES, **BOUNDS)
    @given(case=operation.as_strategy(), slug=VALID_SLUG, country=st.sampled_from(countries))
    def create(case, slug, country):
        case.body = {"slug": slug, "name": case.body["name"], "country": country}
        response = case.call(headers=headers)
        check_response(case, response, headers)
        assert response.status_code in (201, 409, 422), response.text
        if response.status_code == 201:
            created.append(slug)
            listed = client.get(f"{API}/platform/tenants", query_string={"q": slug},
                                headers=headers).get_json()
            assert slug in {tenant["slug"] for tenant in listed}

    with subtests.test(msg=f"{operation.label} creating tenants"):
        create()
        assert created, "no fuzzed tenant was created"
