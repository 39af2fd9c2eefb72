"""One window (measure 3): ticket, ID card, business, finish, in one visit."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from jiaoguan.audit.models import AuditEvent
from jiaoguan.cases import window
from jiaoguan.cases.models import Application, Ticket
from jiaoguan.kernel.errors import Conflict, DomainError
from jiaoguan.registry.models import Person
from tests.accounts.test_accounts import sandbox_call
from tests.conftest import make_person, make_staff, new_id_number

pytestmark = pytest.mark.django_db


def place_card(server: Any, clerk: Any, name: str, id_number: str) -> None:
    sandbox_call(
        server,
        "POST",
        "/idreader/v1/card",
        {"window": window.window_of(clerk), "name": name, "id_number": id_number},
    )


def test_tickets_are_called_in_order_and_once() -> None:
    t1, t2 = window.ticket_take(hall="3201"), window.ticket_take(hall="3201")
    assert (t1.label, t2.label) == ("A001", "A002")
    a, b = make_staff("counter_clerk", "3201"), make_staff("counter_clerk", "3201")
    assert window.ticket_call_next(clerk=a).pk == t1.pk  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        window.ticket_call_next(clerk=a)  # finish the open ticket first
    assert window.ticket_call_next(clerk=b).pk == t2.pk  # type: ignore[union-attr]
    assert window.ticket_call_next(clerk=make_staff("counter_clerk", "3201")) is None
    other_hall = make_staff("counter_clerk", "3205")
    assert window.ticket_call_next(clerk=other_hall) is None


def test_a_clerk_without_the_permission_cannot_call() -> None:
    from jiaoguan.kernel.errors import Forbidden

    window.ticket_take(hall="3201")
    with pytest.raises(Forbidden):
        window.ticket_call_next(clerk=make_staff("outlet_dealer", "3201"))


def test_read_id_card_checks_identity_and_binds_the_person(sandbox_server: Any) -> None:
    from sandbox.population import name_for

    clerk = make_staff("counter_clerk", "3201")
    window.ticket_take(hall="3201")
    ticket = window.ticket_call_next(clerk=clerk)
    assert ticket is not None
    with pytest.raises(DomainError) as exc:
        window.ticket_read_id_card(clerk=clerk, ticket=ticket)
    assert exc.value.code == "no_card"
    number = new_id_number("320102")
    place_card(sandbox_server, clerk, "冒名顶替", number)
    with pytest.raises(DomainError) as exc:
        window.ticket_read_id_card(clerk=clerk, ticket=ticket)
    assert exc.value.code == "identity_name_mismatch"
    place_card(sandbox_server, clerk, name_for(number), number)
    person = window.ticket_read_id_card(clerk=clerk, ticket=ticket)
    assert person.id_number == number and Person.objects.count() == 1  # created, verified
    assert AuditEvent.objects.filter(
        action="window.id_card_read", subject_person_ref=str(person.public_id)
    ).exists()


def test_one_visit_at_the_window_on_pages(sandbox_server: Any) -> None:
    person = make_person("320102")
    clerk = make_staff("counter_clerk", "3201")
    c = Client()
    c.force_login(clerk)
    kiosk = Client().post("/hall/3201/")
    assert kiosk.status_code == 200 and "A001" in kiosk.content.decode()
    c.post("/console/window/", {"action": "call_next"})
    place_card(sandbox_server, clerk, person.name, person.id_number)
    c.post("/console/window/", {"action": "read_card"})
    page = c.get("/console/window/").content.decode()
    assert person.id_number_masked in page and "变更联系方式" in page
    resp = c.post("/console/window/", {"action": "start", "business_type": "contact_change"})
    assert resp.status_code == 302
    app = Application.objects.get()
    assert app.channel == "window" and app.region_code == "320100"
    resp = c.post(resp["Location"], {"phone": "13700000001", "address": ""})
    app.refresh_from_db()
    assert app.state == "completed"
    person.refresh_from_db()
    assert person.phone == "13700000001"
    c.post("/console/window/", {"action": "finish"})
    assert Ticket.objects.get().state == "served"


@pytest.mark.django_db(transaction=True)
def test_two_clerks_calling_at_once_never_share_a_ticket() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row claims need PostgreSQL (SQLite serialises writers)")
    for _ in range(6):
        window.ticket_take(hall="3201")
    clerks = [make_staff("counter_clerk", "3201") for _ in range(6)]
    got: list[int] = []
    barrier = threading.Barrier(len(clerks))

    def call(clerk: Any) -> None:
        barrier.wait(5)
        ticket = window.ticket_call_next(clerk=clerk)
        if ticket is not None:
            got.append(ticket.number)
        connections.close_all()

    threads = [threading.Thread(target=call, args=(c,)) for c in clerks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(got) == [1, 2, 3, 4, 5, 6]


def test_demo_can_place_a_card_only_in_demo_mode(settings: Any) -> None:
    person = make_person("320102")
    clerk = make_staff("counter_clerk", "3201")
    c = Client()
    c.force_login(clerk)
    window.ticket_take(hall="3201")
    c.post("/console/window/", {"action": "call_next"})
    settings.DEMO_SHOW_OTP = False
    c.post("/console/window/", {"action": "demo_card", "id_number": person.id_number})
    c.post("/console/window/", {"action": "read_card"})
    assert Ticket.objects.get().person is None
    settings.DEMO_SHOW_OTP = True
    c.post("/console/window/", {"action": "demo_card", "id_number": person.id_number})
    c.post("/console/window/", {"action": "read_card"})
    assert Ticket.objects.get().person == person
