"""Simulated provincial trusted identity authentication platform (population register).

``POST /identity/v1/verify`` with ``{"name": str, "id_number": str}`` answers
``200 {"match": bool, "reason": ..., "assurance": "L2" | ""}`` where ``reason`` is one of

* ``"no_such_person"``: the number is malformed (length, province, birth date, check
  character) and so cannot be on the register;
* ``"deceased"``: the register records the person as deceased;
* ``"name_mismatch"``: the name differs from the registered one (:func:`population.name_for`);
* ``"ok"``: a match at assurance level L2 (real name checked against the register).
"""

from __future__ import annotations

from sandbox import population
from sandbox.routes import BadRequest, Request, Response, RouteTable, require_str

SERVICE = "identity"
ASSURANCE = "L2"
MAX_FIELD_CHARS = 64


def verify(request: Request) -> Response:
    body = request.json()
    name = require_str(body, "name").strip()
    id_number = require_str(body, "id_number")
    if len(name) > MAX_FIELD_CHARS or len(id_number) > MAX_FIELD_CHARS:
        raise BadRequest(f"name and id_number are at most {MAX_FIELD_CHARS} characters")
    if not population.is_valid(id_number):
        return 200, {"match": False, "reason": "no_such_person", "assurance": ""}
    if population.is_deceased(id_number):
        return 200, {"match": False, "reason": "deceased", "assurance": ""}
    if name != population.name_for(id_number):
        return 200, {"match": False, "reason": "name_mismatch", "assurance": ""}
    return 200, {"match": True, "reason": "ok", "assurance": ASSURANCE}


def register(table: RouteTable) -> None:
    table.add("POST", "/identity/v1/verify", verify, service=SERVICE)
