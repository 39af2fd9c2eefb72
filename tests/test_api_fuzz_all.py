"""Bad input never yields a 500 (DESIGN.md): walk the live OpenAPI document and throw malformed
input at every operation — wrong types, missing fields, huge strings, NUL bytes, non-UUID path
ids, unknown UUIDs, random JSON — as a citizen, as staff and as a partner system, and assert every
answer is < 500 and every error answer is ``application/problem+json``.

The cases are generated from each operation's own schema (path/query parameters and the JSON body's
properties), so a new router is covered the day it lands. Bounded: a fixed, seeded set of cases per
operation, plus a few hypothesis examples of random JSON bodies for the routers added today."""

from __future__ import annotations

import json
import random
import uuid
import zlib
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiaoguan.accounts import services as accounts
from jiaoguan.accounts.principal import SCOPE_PERMISSIONS
from jiaoguan.api.urls import api
from jiaoguan.audit.services import Actor
from tests.conftest import make_citizen, make_person, make_staff, make_vehicle

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
NEW_TAGS = {"exams", "education", "exchange", "organisations", "plates", "third-party apps"}

# Strings no field should choke on.
NASTY_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "x" * 10_000,
    "'; DROP TABLE x; --",
    "../../etc/passwd",
    "%00",
    "\u202e\ud7ff\U0001f600",
    "-1",
    "1e309",
    "NaN",
    "2026-02-30",
    "9999-99-99T99:99:99",
    "00000000-0000-0000-0000-000000000000",
]
WRONG_VALUES: list[Any] = [None, True, -1, 2**70, 1.5, [], {}, ["x"], {"a": 1}, "\x00", "x" * 5000]
PATH_IDS = [
    "not-a-uuid",
    "0",
    "-1",
    "9" * 40,
    "%00",
    quote("\x00", safe=""),
    quote("é漢", safe=""),
    str(uuid.uuid4()),
    "00000000-0000-0000-0000-000000000000",
]


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = api.get_openapi_schema()
    ops = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            if method.lower() in {"get", "post", "put", "patch", "delete"}:
                ops.append((method.lower(), path, op))
    return ops


SCHEMA = api.get_openapi_schema()
OPERATIONS = _operations()


def _resolve(node: Any) -> dict[str, Any]:
    """Follow one ``$ref`` (and the first branch of allOf) into ``components``."""
    for _ in range(10):
        if not isinstance(node, dict):
            return {}
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            node = SCHEMA.get("components", {}).get("schemas", {}).get(name, {})
            continue
        if node.get("allOf"):
            node = node["allOf"][0]
            continue
        return node
    return {}


def _sample(node: Any, rnd: random.Random, depth: int = 0) -> Any:
    """A roughly well-typed value for a schema node (so deeper validation paths are reached)."""
    node = _resolve(node)
    if depth > 4:
        return None
    if node.get("enum"):
        return rnd.choice(node["enum"])
    for key in ("anyOf", "oneOf"):
        if node.get(key):
            return _sample(rnd.choice(node[key]), rnd, depth + 1)
    kind = node.get("type")
    fmt = node.get("format", "")
    if kind == "object" or "properties" in node:
        return {k: _sample(v, rnd, depth + 1) for k, v in node.get("properties", {}).items()}
    if kind == "array":
        return [_sample(node.get("items", {}), rnd, depth + 1) for _ in range(rnd.randint(0, 2))]
    if kind == "integer":
        return rnd.choice([0, 1, 7, -5, 10**12])
    if kind == "number":
        return rnd.choice([0.0, 1.5, -3.25, 1e20])
    if kind == "boolean":
        return rnd.choice([True, False])
    if kind == "null":
        return None
    if fmt == "uuid":
        return str(uuid.uuid4())
    if fmt == "date":
        return rnd.choice(["2026-03-12", "1900-01-01", "2999-12-31"])
    if fmt == "date-time":
        return rnd.choice(["2026-03-12T08:00:00+08:00", "1970-01-01T00:00:00Z"])
    return rnd.choice(["C1", "320102", "苏A12345", "x", "0" * 18])


def _body_schema(op: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    content = op.get("requestBody", {}).get("content", {})
    for ctype, spec in content.items():
        return ctype, _resolve(spec.get("schema", {}))
    return None


def _bodies(op: dict[str, Any], rnd: random.Random) -> list[Any]:
    """Malformed JSON bodies for one operation: structural garbage, then a well-typed sample with
    one field at a time replaced by a wrong value or a nasty string, then a missing field each."""
    found = _body_schema(op)
    if found is None:
        return [{}, {"unexpected": "\x00"}]
    _ctype, body = found
    props = body.get("properties", {})
    out: list[Any] = [{}, [], "x", None, 0, {"x" * 300: "\x00"}]
    base = _sample(body, rnd)
    if isinstance(base, dict):
        out.append(dict(base))
        for name in props:
            for bad in rnd.sample(WRONG_VALUES, 3) + rnd.sample(NASTY_STRINGS, 3):
                out.append({**base, name: bad})
            out.append({k: v for k, v in base.items() if k != name})
    return out


def _fill_path(path: str, op: dict[str, Any], value: str) -> str:
    for p in op.get("parameters", []):
        if p.get("in") == "path":
            path = path.replace("{" + p["name"] + "}", value)
    return path


def _query_cases(op: dict[str, Any], rnd: random.Random) -> list[dict[str, str]]:
    names = [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"]
    if not names:
        return []
    cases = []
    for name in names:
        for bad in rnd.sample(NASTY_STRINGS, 4):
            cases.append({name: bad})
    cases.append({n: rnd.choice(NASTY_STRINGS) for n in names})
    return cases


def _check(resp: Any, what: str, failures: list[str]) -> None:
    if resp.status_code >= 500:
        failures.append(f"{what}: {resp.status_code} {resp.content[:300]!r}")
        return
    if resp.status_code >= 400:
        ctype = resp.get("Content-Type", "")
        if not ctype.startswith(PROBLEM):
            failures.append(f"{what}: {resp.status_code} with {ctype!r}, not problem+json")


def _send(c: Client, method: str, url: str, **kw: Any) -> Any:
    return getattr(c, method)(url, **kw)


def _exercise(c: Client, method: str, path: str, op: dict[str, Any], seed: int) -> list[str]:
    rnd = random.Random(seed)
    failures: list[str] = []
    has_path = "{" in path
    path_values = PATH_IDS if has_path else [""]
    found = _body_schema(op)
    ctype = found[0] if found else "application/json"
    for value in path_values:
        url = _fill_path(path, op, value) if has_path else path
        what = f"{method.upper()} {url[:120]}"
        try:
            if method == "get":
                _check(c.get(url), what, failures)
                for q in _query_cases(op, rnd) if value in (path_values[-1], "") else []:
                    _check(c.get(url, q), f"{what} ?{list(q)}", failures)
            elif ctype.startswith("multipart"):
                for form in ({}, {"kind": "\x00", "file": "not a file"}, {"x": "y" * 5000}):
                    _check(c.post(url, form), f"{what} form", failures)
            else:
                bodies = _bodies(op, rnd) if value in (path_values[-1], "") else [{}]
                for body in bodies:
                    _check(
                        _send(c, method, url, data=body, content_type="application/json"),
                        f"{what} {json.dumps(body, default=str)[:150]}",
                        failures,
                    )
                _check(
                    _send(c, method, url, data="{not json\x00", content_type="application/json"),
                    f"{what} broken json",
                    failures,
                )
                for q in _query_cases(op, rnd)[:4] if value in (path_values[-1], "") else []:
                    _check(
                        _send(
                            c, method, f"{url}?{_qs(q)}", data={}, content_type="application/json"
                        ),
                        f"{what} ?{list(q)}",
                        failures,
                    )
        except Exception as exc:  # an uncaught exception is the 500 we look for
            failures.append(f"{what}: raised {type(exc).__name__}: {exc}"[:400])
    return failures


def _qs(q: dict[str, str]) -> str:
    return "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in q.items())


@pytest.fixture
def clients(db: None) -> dict[str, Client]:
    person = make_person("320102")
    make_vehicle(person)
    citizen = Client()
    citizen.force_login(make_citizen(person))
    staff = Client()
    staff.force_login(make_staff("administrator", "32"))
    clerk = Client()
    clerk.force_login(make_staff("counter_clerk", "3201"))
    _client, token = accounts.api_client_create(
        actor=Actor.system("tests"),
        name="fuzz partner",
        scopes=list(SCOPE_PERMISSIONS),
        region_scope="3201",
    )
    partner = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    return {"citizen": citizen, "staff": staff, "clerk": clerk, "partner": partner}


def _op_id(item: tuple[str, str, dict[str, Any]]) -> str:
    method, path, _op = item
    return f"{method.upper()} {path}"


@pytest.mark.parametrize("operation", OPERATIONS, ids=[_op_id(o) for o in OPERATIONS])
def test_operation_never_answers_500(
    clients: dict[str, Client], operation: tuple[str, str, dict[str, Any]]
) -> None:
    method, path, op = operation
    new = bool(NEW_TAGS & set(op.get("tags", [])))
    who = ("citizen", "staff", "clerk", "partner") if new else ("citizen", "staff")
    failures: list[str] = []
    for i, name in enumerate(who):
        seed = zlib.crc32(f"{method} {path} {i}".encode())  # str hash() is salted per run
        for f in _exercise(clients[name], method, path, op, seed=seed):
            failures.append(f"[{name}] {f}")
    assert not failures, "\n".join(failures[:20])


def test_every_new_router_is_walked() -> None:
    tags = {t for _m, _p, op in OPERATIONS for t in op.get("tags", [])}
    assert tags >= NEW_TAGS, NEW_TAGS - tags


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
NEW_WRITES = [
    (m, p, op)
    for m, p, op in OPERATIONS
    if m != "get" and NEW_TAGS & set(op.get("tags", [])) and _body_schema(op) is not None
]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pick=st.integers(min_value=0, max_value=max(len(NEW_WRITES) - 1, 0)),
    body=json_values,
    ident=st.text(max_size=40),
)
def test_random_json_into_new_routers(
    clients: dict[str, Client], pick: int, body: Any, ident: str
) -> None:
    method, path, op = NEW_WRITES[pick]
    url = _fill_path(path, op, quote(ident, safe="") or "x")
    for name in ("citizen", "staff", "partner"):
        failures: list[str] = []
        try:
            resp = _send(
                clients[name], method, url, data=json.dumps(body), content_type="application/json"
            )
            _check(resp, f"[{name}] {method.upper()} {url}", failures)
        except Exception as exc:
            failures.append(f"[{name}] {method.upper()} {url}: raised {exc!r}"[:400])
        assert not failures, failures
