"""The demo catalog of ``caas seed``, ``caas demo sale`` and ``caas demo usage``, walked against
the test app."""
import random
import socket
import tomllib
import uuid
from decimal import Decimal

import httpx
import pytest

from caas.entrypoints.tooling import demo, demo_customers
from caas.entrypoints.tooling.demo import Credentials, DemoFailed, walk_sale, walk_usage
from caas.quantities import format_quantity
from caas.sandboxes import faults
from caas.service_layer.starter import load_catalog, load_starter
from caas.tenancy import tenant_context
from caas.service_layer.sales import models_page, plans_page
from caas.service_layer.users import create_operator
from tests.support.api import ADMIN_PASSWORD, OPERATOR_PASSWORD
from tests.support.journey import enable_options, set_up_catalog
from tests.support.billing import usage_pricing
from tests.support.countries import a_country_no_plugin_provides, with_demo_customer
from tests.support.repo import DEMO_TENANTS, REPO

WALK = [("created", "reserved"), ("reserved", "factory_ordered"),
        ("factory_ordered", "manufacturing"), ("manufacturing", "vehicle_ready"),
        ("vehicle_ready", "pending_final_payment"), ("pending_final_payment", "registering"),
        ("registering", "registered"), ("registered", "in_transit"), ("in_transit", "delivered"),
        ("delivered", "operational")]


@pytest.fixture
def http(app):
    transport = httpx.WSGITransport(app=app)
    with httpx.Client(transport=transport, base_url="http://caas.test") as client:
        yield client


@pytest.fixture
def operator_account(platform):
    email = f"demo-op-{uuid.uuid4().hex[:8]}@caas.test"
    create_operator(platform, email, OPERATOR_PASSWORD)
    return Credentials(email, OPERATOR_PASSWORD)


@pytest.fixture
def shop(make_tenant):
    made = make_tenant("ES")
    set_up_catalog(made)
    return made


@pytest.fixture
def walk(http, shop, operator_account, drain):
    """Walk a sale in ``shop``; emails are delivered by draining the test worker while it waits."""
    lines = []

    def run(echo=None, wait=None, walker=walk_sale, **overrides):
        arguments = dict(tenant=shop.slug, operator=operator_account,
                         employee=Credentials(f"employee@{shop.slug}.test", ADMIN_PASSWORD),
                         echo=echo or lines.append, wait=wait or (lambda seconds: drain()),
                         mail_timeout=5, status_timeout=5)
        arguments.update(overrides)
        return walker(http, **arguments)
    run.lines = lines
    return run


def test_the_demo_walks_a_sale_to_an_app_linked_vehicle(walk, shop):
    result = walk()  # the country is looked up with the operator's token
    order = result["order"]
    assert order["status"] == "operational"
    assert [(step["from"], step["to"]) for step in order["history"]] == WALK
    assert result["vehicle"] == {**result["vehicle"], "vin": order["vin"], "linked": True}
    assert result["customer"]["email"].startswith("demo-")
    assert result["customer"]["email"].endswith("@example.test")

    output = "\n".join(walk.lines)
    titles = [line[4:].split("  ")[0] for line in walk.lines if line[:3].strip().endswith(".")]
    assert titles == ["Employee sign-in", "Operator sign-in", "Sale", "Reservation payment",
                      "Factory: IN_PROGRESS", "Factory: READY", "Final payment", "Delivery",
                      "Credentials email", "Customer sign-in", "App link"]
    for status in ("created", "factory_ordered", "manufacturing", "pending_final_payment",
                   "in_transit", "delivered", "operational"):
        assert f"→ order status: {status}" in output, output
    assert "Urbano EV + Red paint, plan Standard" in output
    assert result["customer"]["password"] in output
    # The history: from → to, actor and time of each step.
    assert f"employee@{shop.slug}.test" in output and "factory-webhook" in output
    history = output.split("History:")[1].strip().splitlines()
    assert len(history) == len(WALK)
    assert history[-1].split()[:4] == ["delivered", "→", "operational", "customer"]


def _connectivity_priced_by_data(shop):
    enable_options(shop)
    usage_pricing("1.50", "10")(shop)


def test_the_usage_demo_bills_a_month_of_connectivity_data(walk, shop):
    _connectivity_priced_by_data(shop)
    result = walk(walker=walk_usage, status_timeout=30)
    [line] = [line for line in result["invoice"]["lines"] if line["kind"] == "usage"]
    assert line["unit"] == "GB" and line["included"] == "10.000"
    assert line["included_display"] == "10\xa0GB"  # never "10.000 GB": ten thousand in Spanish
    assert line["unit_price"]["amount"] == "1.50"
    output = "\n".join(walk.lines)
    titles = [line[4:].split("  ")[0] for line in walk.lines if line[:3].strip().endswith(".")]
    assert titles[-5:] == ["Connectivity offer", "Subscription", "Telemetry", "Billing clock",
                           "Invoice"]
    # In English throughout: quantities without insignificant zeros, the metric by its code.
    assert f"{format_quantity(line['quantity'], 'GB', 'en')} used, 10\xa0GB included" in output
    assert "reports 0.8\xa0GB of data a day" in output and "datos" not in output
    assert "daily reports sent" in output


def test_the_usage_demo_needs_the_data_priced(walk, shop):
    enable_options(shop)  # premium connectivity at a flat price only
    with pytest.raises(DemoFailed, match="does not price premium_connectivity's data"):
        walk(walker=walk_usage)


def test_each_run_sells_to_a_new_person(walk, shop, platform, http):
    first, second = walk()["customer"], walk()["customer"]
    assert first["name"] != second["name"] and first["tax_id"] != second["tax_id"]
    spain = platform.plugins.countries["ES"]
    for customer in (first, second):
        assert spain.validate_tax_id(customer["tax_id"]) == customer["tax_id"]
        signed_in = http.post("/api/v1/auth/token", headers={"X-Tenant": shop.slug}, json={
            "email": customer["email"], "password": customer["password"]}).json()
        me = http.get("/api/v1/me", headers={"X-Tenant": shop.slug, "Authorization":
                                             f"Bearer {signed_in['access_token']}"}).json()
        assert me["name"] == customer["name"]
        assert f"customer {customer['name']} <{customer['email']}>, tax id {customer['tax_id']}" \
            in "\n".join(walk.lines)


@pytest.mark.parametrize("country", sorted(demo_customers.TAX_IDS))
def test_made_up_customers_have_plausible_names_and_valid_distinct_tax_ids(country, platform):
    rules = platform.plugins.countries[country]
    rng = random.Random(country)
    customers = [demo_customers.new_customer(country, None, rng) for _ in range(300)]
    tax_ids = [rules.validate_tax_id(customer["tax_id"]) for customer in customers]
    assert len(set(tax_ids)) == len(customers)
    names = [customer["name"] for customer in customers]
    assert len(set(names)) > 0.8 * len(customers)
    women, men, families = demo_customers.NAMES[country]
    for name in names:
        given, family = name.split(" ", 1)
        surnames = family.split(" ") if country == "ES" else [family]  # the father's, the mother's
        assert given in women + men and all(surname in families for surname in surnames), name
    assert all(rules.address_errors(customer["address"]) == {} for customer in customers)


def test_an_italian_codice_fiscale_follows_the_persons_name(platform):
    from stdnum.it import codicefiscale
    contact = demo.demo_tenant(REPO / "tenants", "it-demo").customer
    customer = demo_customers.new_customer("IT", contact, random.Random(3))
    code = customer["tax_id"]
    given, family = customer["name"].split(" ", 1)
    family_consonants = [c for c in family.upper().replace(" ", "") if c not in "AEIOU"]
    assert code[:len(family_consonants[:3])] == "".join(family_consonants[:3])
    assert codicefiscale.get_birth_date(code).year >= 1950
    assert contact["address"] == customer["address"] and contact["phone"] == customer["phone"]


def test_a_country_the_demo_cannot_make_customers_for_needs_a_full_tenant_file():
    unknown = a_country_no_plugin_provides()
    with pytest.raises(LookupError, match="needs name, tax_id, phone, address"):
        demo_customers.new_customer(unknown)
    given = {"name": "Rui Costa", "tax_id": "123456789", "phone": "+351 912 345 678",
             "address": {"street": "Rua Augusta 1", "city": "Lisboa", "postal_code": "1100-048"}}
    assert demo_customers.new_customer(unknown, given) == given


@pytest.mark.parametrize("country", with_demo_customer())
def test_the_demo_customer_of_each_country_passes_its_rules(country, http, make_tenant,
                                                           operator_account, drain, platform):
    shop = make_tenant(country)
    set_up_catalog(shop)
    order = walk_sale(http, tenant=shop.slug, country=country, operator=operator_account,
                      employee=Credentials(f"employee@{shop.slug}.test", ADMIN_PASSWORD),
                      echo=lambda line: None, wait=lambda seconds: drain())["order"]
    assert order["status"] == "operational"
    assert platform.plugins.countries[country].is_valid_plate(order["plate"])
    if country == "CH":
        assert order["plate"].startswith("GE ")  # the customer's canton


@pytest.mark.parametrize("slug", sorted(slug for slug, data in DEMO_TENANTS.items()
                                         if "demo_customer" in data))
def test_a_tenant_files_demo_customer_is_sold_to(slug, http, make_tenant, operator_account,
                                                 drain, platform):
    known = demo.demo_tenant(REPO / "tenants", slug)
    shop = make_tenant(known.country)
    set_up_catalog(shop)
    result = walk_sale(http, tenant=shop.slug, customer=known.customer,
                       operator=operator_account,
                       employee=Credentials(f"employee@{shop.slug}.test", ADMIN_PASSWORD),
                       echo=lambda line: None, wait=lambda seconds: drain())
    assert result["order"]["status"] == "operational"
    assert platform.plugins.countries[known.country].is_valid_plate(result["order"]["plate"])


def test_the_demo_sells_the_chosen_model_plan_and_options(walk, shop):
    shop.admin.post("/api/v1/models", json={
        "code": "familiar", "name": "Familiar", "base_price": "41500.00", "options": [
            {"code": "tow_hitch", "name": "Tow hitch", "price": "750.00"},
            {"code": "panoramic_roof", "name": "Panoramic roof", "price": "1200.00"}]})
    shop.admin.post("/api/v1/plans", json={"code": "premium", "name": "Premium",
                                           "reservation": "2500.00"})
    order = walk(country="ES", model="familiar", plan="premium",
                 options=["tow_hitch", "panoramic_roof"])["order"]
    assert (order["model"], order["plan"]) == ("familiar", "premium")
    assert sorted(order["options"]) == ["panoramic_roof", "tow_hitch"]
    assert order["price"]["amount"] == "43450.00"
    assert order["payments"][0]["amount"]["amount"] == "2500.00"


@pytest.mark.parametrize("how", ["ahead", "webhook_late"])
def test_advancing_the_factory_tolerates_its_own_schedule(walk, shop, app, operator, drain, how):
    """The demo's factory runs on its own: an order may be further on, or its webhook late."""
    factory = app.extensions["caas_sandboxes"].factory
    sender, held = factory.sender, []

    class Held:
        def send(self, *args, **kwargs):
            held.append((args, kwargs))

    def echo(line):
        walk.lines.append(line)
        if "Operator sign-in" not in line:
            return
        [placed] = factory.orders(shop.slug)
        if how == "ahead":  # the factory built it already, and told the platform
            operator.post(f"/sandbox/factory/orders/{placed['orderId']}/advance",
                          json={"to": "READY"})
        else:  # the factory started building it; its webhook has not arrived yet
            factory.sender = Held()
            try:
                factory.advance(placed["orderId"], "IN_PROGRESS")
            finally:
                factory.sender = sender

    def wait(seconds):
        while held:
            args, kwargs = held.pop(0)
            sender.send(*args, **kwargs)
        drain()

    order = walk(echo=echo, wait=wait, country="ES")["order"]
    assert order["status"] == "operational"
    assert [(step["from"], step["to"]) for step in order["history"]] == WALK
    output = "\n".join(walk.lines)
    if how == "ahead":
        assert output.count("the factory got there on its own schedule") == 2
    else:
        assert "was already there" in output
        assert "advanced; the factory's signed webhook updated the order" in output


def test_a_failed_step_says_which_with_the_status_and_the_error_message(walk, shop):
    faults.set_mode("payments", faults.Mode("down"))
    with pytest.raises(DemoFailed) as failed:
        walk(country="ES")
    assert failed.value.step == "Reservation payment"
    assert failed.value.status == 503
    assert "no se ha cobrado nada" in failed.value.message  # the Spanish employee's language
    assert str(failed.value).startswith("step 3 (Reservation payment) failed, HTTP 503: ")
    assert "→ order status: created" in "\n".join(walk.lines)


def test_wrong_credentials_and_invalid_sales_are_reported(walk, shop, platform):
    with pytest.raises(DemoFailed) as failed:
        walk(employee=Credentials(f"employee@{shop.slug}.test", "wrong-password"))
    assert (failed.value.step, failed.value.status) == ("Employee sign-in", 401)
    assert failed.value.message
    # A customer from another country does not pass this tenant's rules: the field errors show.
    with pytest.raises(DemoFailed) as failed:
        walk(country="FR")
    assert (failed.value.step, failed.value.status) == ("Sale", 422)
    assert "customer.tax_id" in failed.value.message


def test_a_tenant_without_catalog_is_told_to_load_its_starter_data_which_sells(
        http, make_tenant, operator_account, platform, drain):
    bare = make_tenant("ES")
    walk = dict(tenant=bare.slug, country="ES", operator=operator_account,
                employee=Credentials(f"employee@{bare.slug}.test", ADMIN_PASSWORD),
                echo=lambda line: None, wait=lambda seconds: drain())
    with pytest.raises(DemoFailed, match=f"run `caas tenants starter {bare.slug} --demo`"):
        walk_sale(http, **walk)
    with tenant_context(bare.tenant):
        load_starter(platform.for_tenant(bare.tenant), demo=True)
    assert walk_sale(http, **walk)["order"]["status"] == "operational"


# --- the command -------------------------------------------------------------------------------


def _demo_command(cli, monkeypatch, app, shop, operator_account, walk: str, *options):
    """``caas demo <walk>`` against the test app, as the shop's employee and the operator."""
    monkeypatch.setattr(demo, "http_client", lambda url, timeout: httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url=url, timeout=timeout))
    return cli("demo", walk, "--tenant", shop.slug, "--country", "ES",
               "--employee-email", f"employee@{shop.slug}.test",
               "--employee-password", ADMIN_PASSWORD,
               "--operator-email", operator_account.email,
               "--operator-password", operator_account.password, *options)


def test_caas_demo_sale_walks_the_sale(cli, monkeypatch, app, worker, shop, operator_account):
    result = _demo_command(cli, monkeypatch, app, shop, operator_account, "sale")
    assert result.exit_code == 0, result.output
    assert "→ order status: operational" in result.output
    assert "The sale is done" in result.output


def test_caas_demo_usage_walks_a_billed_month(cli, monkeypatch, app, worker, shop,
                                              operator_account):
    _connectivity_priced_by_data(shop)
    result = _demo_command(cli, monkeypatch, app, shop, operator_account, "usage",
                           "--daily-quantity", "1.000")
    assert result.exit_code == 0, result.output
    assert "GB used, 10\xa0GB included" in result.output
    assert "reports 1\xa0GB of data a day" in result.output
    assert "its data usage is on the invoice" in result.output


def test_caas_demo_sale_fails_clearly_without_a_platform(cli):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed: nobody listens there
    result = cli("demo", "sale", "--url", f"http://127.0.0.1:{port}",
                 "--folder", str(REPO / "tenants"))
    assert result.exit_code == 1
    assert "FAILED: step 1 (Employee sign-in) failed, no answer: cannot reach" in result.output
    assert "Traceback" not in result.output


def test_caas_demo_sale_needs_credentials_for_a_tenant_without_a_file(cli, tmp_path):
    result = cli("demo", "sale", "--tenant", "elsewhere", "--folder", str(tmp_path))
    assert result.exit_code != 0
    assert "--employee-email and --employee-password" in result.output


def test_demo_accounts_come_from_the_tenant_files():
    known = demo.demo_tenant(REPO / "tenants", "ch-demo")
    assert known.country == "CH"
    assert known.employee == Credentials("employee@ch-demo.caas.example", "employee-demo-1")
    assert known.operator == Credentials("operator@caas.example", "operator-demo-1")


# --- the seeded catalog ------------------------------------------------------------------------


def test_seed_creates_the_demo_catalog_and_is_idempotent(cli, demo_databases_dropped):
    seeded = cli("seed", "--folder", str(REPO / "tenants"))
    assert seeded.exit_code == 0, seeded.output
    accounts = len(tomllib.loads((REPO / "tenants" / "platform.toml").read_text())["operators"])
    accounts += sum(len(data["users"]) for data in DEMO_TENANTS.values())
    models = sum(len(data["models"]) for data in DEMO_TENANTS.values())
    plans = sum(len(data["plans"]) for data in DEMO_TENANTS.values())
    assert (f"created {len(DEMO_TENANTS)} tenants, {accounts} accounts, {models} models, "
            f"{plans} plans") in seeded.output
    again = cli("seed", "--folder", str(REPO / "tenants"))
    assert "created 0 tenants, 0 accounts, 0 models, 0 plans" in again.output

    from caas.entrypoints.http.app import create_app
    platform = create_app().extensions["caas"]
    try:
        catalogs = {}
        for tenant in platform.tenants():
            models, _ = models_page(platform.for_tenant(tenant), 0, 100)
            plans, _ = plans_page(platform.for_tenant(tenant), 0, 100)
            catalogs[tenant.slug] = ({m["code"]: m for m in models}, {p["code"]: p for p in plans})
    finally:
        platform.close()
    models, plans = catalogs["es-demo"]
    urbano = models["urbano"]
    assert (urbano["name"], urbano["base_price"].amount, urbano["base_price"].currency) == (
        "Urbano EV", Decimal("29900.00"), "EUR")
    assert {o["code"]: o["price"].amount for o in urbano["options"]} == {
        "paint_red": Decimal("600.00"), "heat_pump": Decimal("900.00")}
    assert models["familiar"]["base_price"].amount == Decimal("41500.00")
    assert {code: plan["reservation"].amount for code, plan in plans.items()} == {
        "standard": Decimal("1000.00"), "premium": Decimal("2500.00")}
    for slug in DEMO_TENANTS:
        assert set(catalogs[slug][0]) == {"urbano", "familiar"}
        assert set(catalogs[slug][1]) == {"standard", "premium"}
    currency = {slug: {m["base_price"].currency for m in catalogs[slug][0].values()}
                for slug in catalogs}
    assert currency == {slug: {platform.plugins.countries[data["country"]].currency}
                        for slug, data in DEMO_TENANTS.items()}
    assert currency["ch-demo"] == {"CHF"} and currency["es-demo"] == {"EUR"}
    assert (catalogs["ch-demo"][0]["urbano"]["base_price"].amount
            > catalogs["es-demo"][0]["urbano"]["base_price"].amount)


def test_seeding_adds_a_missing_catalog_to_an_existing_tenant(platform, tenant):
    data = {"models": [{"code": "urbano", "name": "Urbano EV", "base_price": "29900.00",
                        "options": [{"code": "paint_red", "name": "Red", "price": "600.00"}]}],
            "plans": [{"code": "standard", "name": "Standard", "reservation": "1000.00"}],
            "catalog": [{"code": "heated_seats", "price": "249.00", "billing": "one_time"}]}
    assert load_catalog(platform.for_tenant(tenant.tenant), data) == {"models": 1, "plans": 1, "options": 1}
    assert load_catalog(platform.for_tenant(tenant.tenant), data) == {"models": 0, "plans": 0, "options": 0}
    [model], _ = models_page(platform.for_tenant(tenant.tenant), 0, 10)
    assert model["options"][0]["price"].amount == Decimal("600.00")
