"""One window (measure 3): the clerk calls the next ticket of their hall, reads the citizen's ID
card, does the business and finishes, in one visit. Identity comes from the card's chip, checked
with the identity platform; nobody photocopies or types an ID number (measure 1)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from jiaoguan.accounts.models import User
from jiaoguan.accounts.ports import get_port
from jiaoguan.audit.services import Actor, audit_record
from jiaoguan.cases.constants import TicketState
from jiaoguan.cases.models import CaseCounter, Ticket
from jiaoguan.kernel import clock
from jiaoguan.kernel.errors import Conflict, DomainError, Forbidden
from jiaoguan.kernel.idnumber import IdNumber
from jiaoguan.registry.models import Person
from jiaoguan.registry.services import id_number_index, person_create


def hall_of(clerk: User) -> str:
    if not clerk.has_perm("cases.handle_application") or not clerk.region_scope:
        raise Forbidden("not_permitted", _("You may not do this"))
    return clerk.region_scope


def window_of(clerk: User) -> str:
    """The clerk's desk, which names its ID-card reader."""
    return f"{clerk.region_scope}-{clerk.username}"[:32]


@transaction.atomic
def ticket_take(*, hall: str) -> Ticket:
    """A citizen takes a ticket at the hall's kiosk."""
    if len(hall) not in (2, 4, 6) or not hall.isdigit():
        raise DomainError("invalid_hall", _("Unknown service hall"), field="hall")
    today = clock.today()
    counter, _created = CaseCounter.objects.select_for_update().get_or_create(
        key=f"T{hall}{today:%Y%m%d}"
    )
    counter.value += 1
    counter.save(update_fields=["value"])
    return Ticket.objects.create(hall=hall, day=today, number=counter.value, created_at=clock.now())


def waiting_count(hall: str) -> int:
    return Ticket.objects.filter(hall=hall, day=clock.today(), state=TicketState.WAITING).count()


@transaction.atomic
def ticket_call_next(*, clerk: User) -> Ticket | None:
    """Claim the oldest waiting ticket of the clerk's hall. Two clerks calling at the same
    moment never get the same ticket (SKIP LOCKED on PostgreSQL; SQLite serialises writers)."""
    hall = hall_of(clerk)
    current = Ticket.objects.filter(
        clerk_ref=str(clerk.public_id), state=TicketState.CALLED
    ).first()
    if current is not None:
        raise Conflict("ticket_open", _("Finish ticket %(t)s first") % {"t": current.label})
    ticket = (
        Ticket.objects.select_for_update(skip_locked=True)
        .filter(hall=hall, day=clock.today(), state=TicketState.WAITING)
        .order_by("number")
        .first()
    )
    if ticket is None:
        return None
    ticket.state, ticket.called_at = TicketState.CALLED, clock.now()
    ticket.clerk_ref, ticket.window = str(clerk.public_id), window_of(clerk)
    ticket.save(update_fields=["state", "called_at", "clerk_ref", "window"])
    audit_record(
        actor=Actor.of(clerk),
        action="ticket.call",
        object_type="ticket",
        object_ref=str(ticket.public_id),
        reason=ticket.label,
    )
    return ticket


def _own_ticket(clerk: User, ticket: Ticket) -> Ticket:
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked.clerk_ref != str(clerk.public_id) or locked.state != TicketState.CALLED:
        raise Conflict("ticket_not_yours", _("This ticket is not open at your window"))
    return locked


@transaction.atomic
def ticket_read_id_card(*, clerk: User, ticket: Ticket) -> Person:
    """Read the card on the clerk's reader, check it with the identity platform, and bind the
    ticket to the registry person (created if the platform confirms someone new)."""
    ticket = _own_ticket(clerk, ticket)
    card = get_port("idreader").read(window=window_of(clerk))
    if card is None:
        raise DomainError("no_card", _("Put the ID card on the reader"), field="card")
    number = str(IdNumber.parse(card.id_number))
    verdict = get_port("identity").verify(name=card.name, id_number=number)
    if not verdict.match:
        raise DomainError(
            "identity_" + verdict.reason,
            _("The identity platform did not confirm this card"),
            field="card",
        )
    person = Person.objects.filter(id_number_index=id_number_index(number)).first()
    if person is None:
        person = person_create(
            actor=Actor.of(clerk), name=card.name, id_number=number, address=card.address
        )
    ticket.person = person
    ticket.save(update_fields=["person"])
    audit_record(
        actor=Actor.of(clerk),
        action="window.id_card_read",
        object_type="ticket",
        object_ref=str(ticket.public_id),
        reason="identity confirmed",
        subject_person_ref=str(person.public_id),
    )
    return person


@transaction.atomic
def ticket_finish(*, clerk: User, ticket: Ticket, served: bool = True) -> Ticket:
    ticket = _own_ticket(clerk, ticket)
    ticket.state = TicketState.SERVED if served else TicketState.NO_SHOW
    ticket.finished_at = clock.now()
    ticket.save(update_fields=["state", "finished_at"])
    audit_record(
        actor=Actor.of(clerk),
        action=f"ticket.{ticket.state}",
        object_type="ticket",
        object_ref=str(ticket.public_id),
        reason=ticket.label,
        subject_person_ref=str(ticket.person.public_id) if ticket.person else "",
    )
    return ticket


def current_ticket(clerk: User) -> Ticket | None:
    return (
        Ticket.objects.select_related("person")
        .filter(clerk_ref=str(clerk.public_id), state=TicketState.CALLED)
        .first()
    )
