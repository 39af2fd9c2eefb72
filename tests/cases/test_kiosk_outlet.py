"""Self-service kiosks and agent outlets: who may open them, what they show, what they forget,
and what an outlet agent may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from jiaoguan.accounts.models import User
from jiaoguan.audit.models import AuditEvent
from jiaoguan.audit.services import Actor
from jiaoguan.cases import kiosk, selectors, services
from jiaoguan.cases.models import Application
from jiaoguan.documents.models import Document
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import DomainError, Forbidden, NotFound
from jiaoguan.kernel.uscc import USCC
from jiaoguan.payments.models import FeeOrder
from jiaoguan.registry import services as registry
from jiaoguan.registry.models import Organisation, Person
from tests.accounts.test_accounts import sandbox_call
from tests.conftest import make_citizen, make_person, make_staff, make_vehicle, new_id_number
from tests.payments.test_payments import pay

pytestmark = pytest.mark.django_db
ENGINE = Actor.system("tests")
_orgs = iter(range(1, 10_000))


def outlet(kind: str = "post_office", county: str = "320102") -> Organisation:
    n = next(_orgs)
    return registry.organisation_create(
        actor=ENGINE,
        uscc=str(USCC.generate(county, f"{70_000 + n:08d}")),
        name=f"邮政营业部{n}" if kind == "post_office" else f"汽车销售{n}",
        kind=kind,
        region_code=county,
    )


def agent_of(org: Organisation, role: str = "outlet_post") -> User:
    return make_staff(role, org.region_code[:4], organisation=org)


def place_card(server: Any, reader: str, person: Person) -> None:
    sandbox_call(
        server,
        "POST",
        "/idreader/v1/card",
        {"window": reader, "name": person.name, "id_number": person.id_number},
    )


def signed_in(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def start_at(org: Organisation, agent: User, person: Person) -> Application:
    vehicle = make_vehicle(person)
    return services.application_start(
        actor=kiosk.outlet_actor(agent, person),
        applicant=person,
        business_type="permit_replacement",
        channel="outlet",
        subject_ref=str(vehicle.public_id),
        outlet=org,
    )


# --- outlets: services and selectors --------------------------------------------------------


def test_an_agent_sees_only_the_applications_of_their_own_outlet() -> None:
    office_a, office_b = outlet(), outlet()
    agent_a, agent_b = agent_of(office_a), agent_of(office_b)
    app = start_at(office_a, agent_a, make_person())
    assert list(selectors.outlet_applications(agent_a)) == [app]
    assert selectors.outlet_application_get(agent_a, app.public_id) == app
    assert not selectors.outlet_applications(agent_b).exists()
    with pytest.raises(NotFound):
        selectors.outlet_application_get(agent_b, app.public_id)
    # bound to the same post office but without the permission: nothing
    clerk = make_staff("counter_clerk", "3201", organisation=office_a)
    assert not selectors.outlet_applications(clerk).exists()
    # an online application of the same person is not the outlet's
    services.application_start(
        actor=ENGINE, applicant=app.applicant, business_type="contact_change", channel="online"
    )
    assert selectors.outlet_applications(agent_a).count() == 1


def test_an_agent_submits_for_the_citizen_only_at_their_own_outlet() -> None:
    office_a, office_b = outlet(), outlet()
    agent_a, agent_b = agent_of(office_a), agent_of(office_b)
    person = make_person()
    app = start_at(office_a, agent_a, person)
    with pytest.raises(Forbidden):
        services.application_submit(
            actor=Actor.of(agent_b), principal=agent_b, application=app, changes=None
        )
    app = services.application_submit(
        actor=kiosk.outlet_actor(agent_a, person), principal=agent_a, application=app
    )
    assert app.state == "awaiting_payment" and app.outlet == office_a
    submit = AuditEvent.objects.get(action="application.submit", object_ref=str(app.public_id))
    assert submit.outlet_ref == str(office_a.public_id)
    assert submit.on_behalf_of_ref == str(person.public_id)


def test_business_the_outlet_kind_is_not_authorised_for_is_refused_beside_the_field(
    sandbox_server: Any,
) -> None:
    dealer = outlet("dealer")
    agent = agent_of(dealer, "outlet_dealer")
    person = make_person()
    make_vehicle(person)
    with pytest.raises(DomainError) as exc:
        services.application_start(
            actor=Actor.of(agent),
            applicant=person,
            business_type="contact_change",
            channel="outlet",
            outlet=dealer,
        )
    assert exc.value.code == "outlet_not_authorised"
    c = signed_in(agent)
    place_card(sandbox_server, kiosk.window.window_of(agent), person)
    c.post("/outlet/", {"action": "read_card"})
    page = c.get("/outlet/").content.decode()
    assert person.id_number_masked in page
    assert 'data-testid="start-contact_change"' not in page  # not offered to a dealer
    resp = c.post("/outlet/", {"action": "start", "business_type": "contact_change"})
    assert resp.status_code == 422
    with translation.override(resp.headers.get("Content-Language", "zh-hans")):
        expected = translation.gettext("This outlet is not authorised for this business")
    beside = resp.content.decode().split('data-testid="error-business_type">')[1]
    assert beside.startswith(expected)
    assert not Application.objects.exists()


# --- outlets: pages -------------------------------------------------------------------------


def test_outlet_pages_read_the_card_start_submit_and_list_only_their_own(
    sandbox_server: Any,
) -> None:
    office_a, office_b = outlet(), outlet()
    agent_a, agent_b = agent_of(office_a), agent_of(office_b)
    person = make_person()
    vehicle = make_vehicle(person)
    c = signed_in(agent_a)
    assert c.post("/outlet/", {"action": "start", "business_type": "x"}).status_code == 302
    assert not Application.objects.exists()  # no card read: nobody to start business for
    place_card(sandbox_server, kiosk.window.window_of(agent_a), person)
    c.post("/outlet/", {"action": "read_card"})
    page = c.get("/outlet/").content.decode()
    assert 'data-testid="start-permit_replacement"' in page and vehicle.plate.number in page
    resp = c.post(
        "/outlet/",
        {
            "action": "start",
            "business_type": "permit_replacement",
            "subject_id": str(vehicle.public_id),
        },
    )
    app = Application.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/outlet/applications/{app.public_id}/"
    assert app.channel == "outlet" and app.outlet == office_a and app.region_code == "320102"
    resp = c.post(resp["Location"], {"action": "submit", "delivery": "electronic"})
    app.refresh_from_db()
    assert app.state == "awaiting_payment"
    assert app.case_number in c.get("/outlet/").content.decode()

    other = signed_in(agent_b)
    assert app.case_number not in other.get("/outlet/").content.decode()
    assert other.get(f"/outlet/applications/{app.public_id}/").status_code == 404
    assert signed_in(make_citizen(person)).get("/outlet/").status_code == 404
    assert signed_in(make_staff("counter_clerk", "3201")).get("/outlet/").status_code == 404

    c.post("/outlet/", {"action": "finish"})
    assert person.id_number_masked not in c.get("/outlet/").content.decode().split("<h2>")[0]


def test_an_outlet_agent_types_what_the_citizen_changes(sandbox_server: Any) -> None:
    office = outlet()
    agent = agent_of(office)
    person = make_person()
    c = signed_in(agent)
    place_card(sandbox_server, kiosk.window.window_of(agent), person)
    c.post("/outlet/", {"action": "read_card"})
    where = c.post("/outlet/", {"action": "start", "business_type": "contact_change"})["Location"]
    page = c.get(where).content.decode()
    assert 'name="phone"' in page and "联系电话" in page  # labelled, in the reader's language
    c.post(where, {"action": "submit", "phone": "13700000009", "address": person.address})
    person.refresh_from_db()
    assert person.phone == "13700000009"
    assert Application.objects.get().state == "completed"


# --- outlets: API ---------------------------------------------------------------------------


def test_outlet_api_reads_starts_submits_takes_the_fee_and_is_scoped(sandbox_server: Any) -> None:
    office_a, office_b = outlet(), outlet()
    agent_a, agent_b = agent_of(office_a), agent_of(office_b)
    person = make_person()
    vehicle = make_vehicle(person)
    a, b = signed_in(agent_a), signed_in(agent_b)
    resp = a.post("/api/v1/outlet/card")
    assert resp.status_code == 422 and resp["Content-Type"] == "application/problem+json"
    assert resp.json()["invalid_params"][0]["name"] == "card"
    place_card(sandbox_server, kiosk.window.window_of(agent_a), person)
    card = a.post("/api/v1/outlet/card").json()
    assert card["id_number_masked"] == person.id_number_masked
    assert {o["business_type"] for o in card["offered"]} >= {"permit_replacement"}

    body = {
        "card_token": card["card_token"],
        "business_type": "permit_replacement",
        "subject_id": str(vehicle.public_id),
    }
    stolen = b.post("/api/v1/outlet/applications", body, content_type="application/json")
    assert stolen.status_code == 422 and stolen.json()["code"] == "card_expired"
    forged = {**body, "card_token": card["card_token"][:-2] + "xx"}
    resp = a.post("/api/v1/outlet/applications", forged, content_type="application/json")
    assert resp.status_code == 422 and resp.json()["invalid_params"][0]["name"] == "card_token"
    created = a.post("/api/v1/outlet/applications", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["channel"] == "outlet"
    app_id = created.json()["id"]

    submitted = a.post(
        f"/api/v1/outlet/applications/{app_id}/submit",
        {"changes": {"delivery": "electronic"}},
        content_type="application/json",
    )
    assert submitted.status_code == 200 and submitted.json()["state"] == "awaiting_payment"
    paying = a.post(
        f"/api/v1/outlet/applications/{app_id}/payment",
        {"provider": "alipay"},
        content_type="application/json",
    )
    assert paying.status_code == 200 and paying.json()["amount_fen"] == 1000
    assert paying.json()["code_url"]
    pay(sandbox_server, FeeOrder.objects.get(order_no=paying.json()["order_no"]), "alipay")
    checked = a.post(f"/api/v1/outlet/applications/{app_id}/payment/check")
    assert checked.status_code == 200 and checked.json()["state"] == "completed"

    assert [i["id"] for i in a.get("/api/v1/outlet/applications").json()["items"]] == [app_id]
    assert b.get("/api/v1/outlet/applications").json()["items"] == []
    missing = b.get(f"/api/v1/outlet/applications/{app_id}")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"
    assert b.post(f"/api/v1/outlet/applications/{app_id}/payment/check").status_code == 404
    refused = signed_in(make_citizen(person)).get("/api/v1/outlet/applications")
    assert refused.status_code == 403 and refused.json()["code"] == "not_permitted"
    assert Client().get("/api/v1/outlet/applications").status_code == 401


def test_outlet_api_refuses_business_the_outlet_is_not_authorised_for(
    sandbox_server: Any,
) -> None:
    dealer = outlet("dealer")
    agent = agent_of(dealer, "outlet_dealer")
    person = make_person()
    c = signed_in(agent)
    place_card(sandbox_server, kiosk.window.window_of(agent), person)
    card = c.post("/api/v1/outlet/card").json()
    assert card["offered"] == []
    resp = c.post(
        "/api/v1/outlet/applications",
        {"card_token": card["card_token"], "business_type": "contact_change"},
        content_type="application/json",
    )
    assert resp.status_code == 422 and resp["Content-Type"] == "application/problem+json"
    assert resp.json()["code"] == "outlet_not_authorised"
    assert resp.json()["invalid_params"][0]["name"] == "outlet"


# --- kiosks ---------------------------------------------------------------------------------


@pytest.fixture
def device() -> User:
    return make_staff("kiosk_device", "3201")


def test_only_a_kiosk_device_account_opens_the_kiosk(device: User) -> None:
    assert Client().get("/kiosk/").status_code == 302  # to sign-in
    for who in (make_citizen(), make_staff("counter_clerk", "3201")):
        assert signed_in(who).get("/kiosk/").status_code == 404
    resp = signed_in(device).get("/kiosk/")
    assert resp.status_code == 200 and 'data-testid="read-card"' in resp.content.decode()
    assert "no-store" in resp["Cache-Control"]
    with pytest.raises(Forbidden):
        kiosk.kiosk_device(make_staff("counter_clerk", "3201"))


def test_kiosk_reads_the_card_starts_business_by_touch_and_forgets_on_finish(
    device: User, sandbox_server: Any
) -> None:
    person = make_person()
    vehicle = make_vehicle(person)
    c = signed_in(device)
    place_card(sandbox_server, kiosk.kiosk_id(device), person)
    assert c.post("/kiosk/", {"action": "read_card"}).status_code == 302
    page = c.get("/kiosk/").content.decode()
    assert person.id_number_masked in page
    assert f'data-testid="start-permit_replacement-{vehicle.plate.number}"' in page
    assert "start-contact_change" not in page  # a new phone number needs a keyboard
    refused = c.post("/kiosk/", {"action": "start", "business_type": "contact_change"})
    assert refused.status_code == 422 and not Application.objects.exists()

    resp = c.post(
        "/kiosk/",
        {
            "action": "start",
            "business_type": "permit_replacement",
            "subject_id": str(vehicle.public_id),
        },
    )
    app = Application.objects.get()
    assert resp["Location"] == f"/kiosk/applications/{app.public_id}/"
    assert app.channel == "kiosk" and app.region_code == "320100"
    page = c.get(resp["Location"]).content.decode()
    assert vehicle.vin in page and "车辆识别代号" in page and 'name="delivery"' in page
    assert 'name="delivery_address"' not in page  # no typing on the kiosk
    c.post(resp["Location"], {"action": "submit", "delivery": "electronic"})
    app.refresh_from_db()
    assert app.state == "awaiting_payment"
    start = AuditEvent.objects.get(action="application.start", object_ref=str(app.public_id))
    assert start.actor_ref == str(device.public_id)
    assert start.actor_label == f"kiosk:{kiosk.kiosk_id(device)}"
    assert start.on_behalf_of_ref == str(person.public_id)
    assert app.events.get(command="submit").actor_label.startswith("kiosk:")

    c.post(resp["Location"], {"action": "pay_wechat"})
    page = c.get(resp["Location"]).content.decode()
    assert 'data-testid="qr"' in page and "<svg" in page

    c.post("/kiosk/", {"action": "finish"})
    after = c.get("/kiosk/").content.decode()
    assert person.name not in after and person.id_number_masked not in after
    assert "weixin://" not in str(dict(c.session))
    assert c.get(resp["Location"])["Location"] == "/kiosk/"  # the next citizen cannot go back
    ended = AuditEvent.objects.get(action="kiosk.session_end")
    assert ended.reason == "finished" and ended.subject_person_ref == str(person.public_id)


def test_kiosk_forgets_the_citizen_after_inactivity(device: User, sandbox_server: Any) -> None:
    person = make_person()
    c = signed_in(device)
    place_card(sandbox_server, kiosk.kiosk_id(device), person)
    c.post("/kiosk/", {"action": "read_card"})
    assert person.id_number_masked in c.get("/kiosk/").content.decode()
    later = clock.now() + dt.timedelta(seconds=kiosk.IDLE_SECONDS + 1)
    with clock.frozen(later):
        page = c.get("/kiosk/").content.decode()
    assert person.id_number_masked not in page and 'data-testid="read-card"' in page
    assert AuditEvent.objects.get(action="kiosk.session_end").reason == "inactivity"
    assert "kiosk" not in c.session


def test_kiosk_serves_only_people_the_registry_knows(device: User, sandbox_server: Any) -> None:
    from sandbox.population import name_for

    number = new_id_number("320102")
    sandbox_call(
        sandbox_server,
        "POST",
        "/idreader/v1/card",
        {"window": kiosk.kiosk_id(device), "name": name_for(number), "id_number": number},
    )
    resp = signed_in(device).post("/kiosk/", {"action": "read_card"})
    assert resp.status_code == 422 and not Person.objects.exists()
    impostor = make_person()
    sandbox_call(
        sandbox_server,
        "POST",
        "/idreader/v1/card",
        {"window": kiosk.kiosk_id(device), "name": "冒名顶替", "id_number": impostor.id_number},
    )
    with pytest.raises(DomainError) as exc:
        kiosk.id_card_read(
            actor=kiosk.kiosk_actor(device), reader=kiosk.kiosk_id(device), action="kiosk.read"
        )
    assert exc.value.code == "identity_name_mismatch"


def test_kiosk_payment_result_and_print_only_the_holders_own_document(
    device: User, sandbox_server: Any
) -> None:
    person, stranger = make_person(), make_person()
    vehicle = make_vehicle(person)
    c = signed_in(device)
    place_card(sandbox_server, kiosk.kiosk_id(device), person)
    c.post("/kiosk/", {"action": "read_card"})
    where = c.post(
        "/kiosk/",
        {
            "action": "start",
            "business_type": "permit_replacement",
            "subject_id": str(vehicle.public_id),
        },
    )["Location"]
    c.post(where, {"action": "submit", "delivery": "electronic"})
    c.post(where, {"action": "pay_wechat"})
    app = Application.objects.get()
    order = FeeOrder.objects.get(purpose_ref=f"application:{app.public_id}")
    pay(sandbox_server, order, "wechat", deliver="none")  # the citizen scans; callback lost
    c.post(where, {"action": "check_payment"})
    app.refresh_from_db()
    assert app.state == "completed"
    page = c.get(where).content.decode()
    document = Document.objects.get(kind="driving_permit", subject_ref=str(vehicle.public_id))
    assert f"/kiosk/documents/{document.public_id}.pdf" in page
    printed = c.get(f"/kiosk/documents/{document.public_id}.pdf")
    assert printed.status_code == 200 and printed.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        action="kiosk.document_print", object_ref=str(document.public_id)
    ).exists()

    theirs = make_vehicle(stranger)
    other_app = services.application_start(
        actor=ENGINE,
        applicant=stranger,
        business_type="label_replacement",
        channel="online",
        subject_ref=str(theirs.public_id),
    )
    assert c.get(f"/kiosk/applications/{other_app.public_id}/")["Location"] == "/kiosk/"
    from jiaoguan.documents.services import document_issue

    foreign = document_issue(
        actor=ENGINE,
        kind="driving_permit",
        subject_type="vehicle",
        subject_ref=str(theirs.public_id),
        holder_person_ref=str(stranger.public_id),
        fields={"plate": "x"},
    )
    assert c.get(f"/kiosk/documents/{foreign.public_id}.pdf").status_code == 404
    c.post("/kiosk/", {"action": "finish"})
    assert c.get(f"/kiosk/documents/{document.public_id}.pdf").status_code == 404


def test_a_refused_form_is_shown_beside_the_form(device: User, sandbox_server: Any) -> None:
    person = make_person(address="")
    vehicle = make_vehicle(person)
    c = signed_in(device)
    place_card(sandbox_server, kiosk.kiosk_id(device), person)
    c.post("/kiosk/", {"action": "read_card"})
    where = c.post(
        "/kiosk/",
        {
            "action": "start",
            "business_type": "permit_replacement",
            "subject_id": str(vehicle.public_id),
        },
    )["Location"]
    resp = c.post(where, {"action": "submit", "delivery": "post"})  # no address on record
    assert resp.status_code == 422
    html = resp.content.decode()
    form = html.split('data-testid="form-error">')[1]
    with translation.override(resp.headers.get("Content-Language", "zh-hans")):
        assert form.startswith(translation.gettext("Give a postal address"))
    assert 'data-testid="error"' not in html
    assert Application.objects.get().state == "draft"
