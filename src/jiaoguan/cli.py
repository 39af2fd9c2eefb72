"""The ``jiaoguan`` command.

    jiaoguan demo              migrate, seed the demo province, start sandbox + worker + web
    jiaoguan seed --vehicles N add N vehicles (with owners and plates) for benchmarks
    jiaoguan sandbox           run the simulated partners (identity platform, SMS gateway)
    jiaoguan audit verify      walk the audit chains; name the first broken link
    jiaoguan audit anchor      fold all chain heads into a new anchor
    jiaoguan openapi [--check] export (or check) docs/openapi.json
    jiaoguan configdoc [--check] export (or check) docs/configuration.md
    jiaoguan serve             production web server (granian, WSGI)
    jiaoguan plates verify RIGHT ATTEMPT  recompute a published plate-number draw
    jiaoguan manage ARGS...    any Django management command

Settings: ``DJANGO_SETTINGS_MODULE`` if set, else the dev/demo settings.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]  # the checkout (src/jiaoguan/cli.py -> repo)


def _setup(default: str = "jiaoguan.conf.settings.dev") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", default)
    import django

    django.setup()


def _manage(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


def cmd_demo(ns: argparse.Namespace) -> int:
    os.environ.setdefault("JIAOGUAN_SANDBOX_URL", f"http://127.0.0.1:{ns.sandbox_port}")
    os.environ.setdefault("JIAOGUAN_PAYMENTS_NOTIFY_BASE_URL", f"http://127.0.0.1:{ns.port}")
    os.environ.setdefault("JIAOGUAN_SSO_ISSUER", f"http://127.0.0.1:{ns.oidc_port}")
    os.environ.setdefault("JIAOGUAN_SSO_CLIENT_ID", "jiaoguan-demo")
    os.environ.setdefault("JIAOGUAN_SSO_CLIENT_SECRET", "jiaoguan-demo-secret")
    data_dir = Path(os.environ.setdefault("JIAOGUAN_DATA_DIR", str(ROOT / "var")))
    data_dir.mkdir(parents=True, exist_ok=True)
    _setup()
    from django.conf import settings

    from jiaoguan.demo import seed
    from jiaoguan.registry.models import Person
    from sandbox.server import make_server

    sandbox = make_server(port=ns.sandbox_port, key=settings.SANDBOX_KEY)
    sandbox.start_in_thread()
    print(f"sandbox partners at {sandbox.url}")
    oidc = _start_oidc_provider(ns.oidc_port, ns.port, settings)
    _manage("migrate", "--verbosity", "0")
    from jiaoguan.audit.services import Actor
    from jiaoguan.cases.services import catalogue_sync

    added = catalogue_sync(actor=Actor.system("demo"))
    if added:
        print(f"catalogue: {added} entries added")
    token = ""
    if not Person.objects.exists():
        print("seeding the demo province (江苏, 32)…")
        t0 = time.monotonic()
        report = seed.seed_demo(persons=ns.persons, vehicles=ns.vehicles)
        token = report.partner_token
        print(f"seeded in {time.monotonic() - t0:.0f} s")
    else:
        print("reusing the existing demo data in", settings.DATABASES["default"]["NAME"])
        token = seed.demo_partner_token()
    logins = seed.demo_logins()
    url = f"http://127.0.0.1:{ns.port}/"
    print("\n" + "=" * 72)
    print(f"jiaoguan demo: {url}")
    print(f"password for every demo account: {seed.DEMO_PASSWORD}")
    print("second factor: citizens get an SMS code (the sandbox prints it, and lists it at")
    print(f"  {sandbox.url}/sms/v1/messages?phone=…); staff use TOTP (the demo sign-in page")
    print("  shows the current code).")
    print(f"provincial sign-on: the sandbox OpenID provider at {oidc.issuer} signs in any")
    print('  seeded citizen by ID number and name ("使用省政务服务网登录" on the sign-in page).')
    _print_organisation_example()
    print(f"{'role':<22}{'username':<36}{'2nd factor':<12}scope")
    for login in logins:
        print(f"{login.role:<22}{login.username:<36}{login.second_factor:<12}{login.scope}")
    if token:
        print(f"partner API token (insurer platform, registry:read, 32): {token}")
        print(f"  try: curl -H 'Authorization: Bearer {token}' {url}api/v1/vehicles?limit=5")
    print("=" * 72 + "\n")
    if ns.no_server:
        sandbox.shutdown()
        oidc.close()
        return 0
    stop = threading.Event()
    threading.Thread(
        target=_enqueue_anchors,
        args=(stop, ns.anchor_minutes * 60),
        daemon=True,
        name="anchor-scheduler",
    ).start()
    worker = subprocess.Popen(
        [sys.executable, "-m", "jiaoguan.cli", "manage", "db_worker"],
        env=os.environ.copy(),
    )
    try:
        _manage("runserver", f"127.0.0.1:{ns.port}", "--noreload")
    finally:
        stop.set()
        worker.terminate()
        sandbox.shutdown()
        oidc.close()
    return 0


def _print_organisation_example() -> None:
    from sandbox import market, population

    uscc = market.example_uscc(start=1)  # the first one is the seeded driving school
    rep = market.legal_representative(uscc)
    print(f"organisation account: USCC {uscc} ({market.enterprise(uscc)['name']}); its legal")
    print(f"  representative {population.name_for(rep)} {rep} signs in through the provincial")
    print("  platform and applies at /organisations/.")


def _start_oidc_provider(port: int, web_port: int, settings: Any) -> Any:
    """The sandbox provincial OpenID provider (sandbox/oidc.py), with jiaoguan registered."""
    from sandbox.oidc import make_provider

    provider = make_provider(port=port, admin_key=settings.SANDBOX_KEY)
    provider.register_client(
        settings.SSO_CLIENT_ID,
        settings.SSO_CLIENT_SECRET,
        [f"http://{host}:{web_port}/accounts/sso/callback/" for host in ("127.0.0.1", "localhost")],
        backchannel_logout_uri=f"http://127.0.0.1:{web_port}/accounts/sso/backchannel-logout/",
        post_logout_redirect_uris=[f"http://{h}:{web_port}/" for h in ("127.0.0.1", "localhost")],
    )
    provider.start_in_thread()
    print(f"provincial OpenID provider at {provider.issuer}")
    return provider


def _enqueue_anchors(stop: threading.Event, every: float) -> None:
    """Demo scheduler: enqueue the periodic jobs for the worker (production runs them from its
    own scheduler, docs/operations.md): re-check applications waiting on a data link every
    minute, and anchor the audit chains every ``every`` seconds."""
    from django.db import connections

    from jiaoguan.audit.tasks import anchor_audit_chains
    from jiaoguan.cases.tasks import (
        dispatch_pending,
        recheck_applications,
        track_shipments,
        void_temporary_plates,
    )
    from jiaoguan.exams.tasks import mark_exam_absences, void_expired_permits
    from jiaoguan.exchange.sale_tasks import sweep_transfer_deadlines
    from jiaoguan.exchange.tasks import deliver_outbox, mark_foreign_no_shows
    from jiaoguan.inspection.tasks import mark_inspection_no_shows, send_inspection_reminders
    from jiaoguan.kernel.tasks import requeue_stale_tasks
    from jiaoguan.notices.tasks import deliver_queued_notices
    from jiaoguan.payments.tasks import poll_pending_payments, reconcile_yesterday
    from jiaoguan.plates.tasks import expire_reservations, reveal_seeds
    from jiaoguan.violations.tasks import close_ended_cycles

    ticks = 0
    while not stop.wait(60):
        ticks += 1
        recheck_applications.enqueue()
        dispatch_pending.enqueue()
        track_shipments.enqueue()
        deliver_queued_notices.enqueue()
        poll_pending_payments.enqueue()
        requeue_stale_tasks.enqueue()
        expire_reservations.enqueue()
        reveal_seeds.enqueue()
        mark_inspection_no_shows.enqueue()
        mark_foreign_no_shows.enqueue()
        deliver_outbox.enqueue()
        if ticks == 1:
            reconcile_yesterday.enqueue()
            void_temporary_plates.enqueue()
            send_inspection_reminders.enqueue()
            close_ended_cycles.enqueue()
            mark_exam_absences.enqueue()
            void_expired_permits.enqueue()
            sweep_transfer_deadlines.enqueue()
        if ticks * 60 >= every:
            ticks = 0
            anchor_audit_chains.enqueue()
        connections.close_all()


def cmd_seed(ns: argparse.Namespace) -> int:
    _setup()
    from jiaoguan.demo.seed import bulk_vehicles

    t0 = time.monotonic()
    n = bulk_vehicles(ns.vehicles, batch=ns.batch)
    print(f"loaded {n} vehicles in {time.monotonic() - t0:.1f} s")
    return 0


def cmd_sandbox(ns: argparse.Namespace) -> int:
    from sandbox.server import main as sandbox_main

    return sandbox_main(["--host", ns.host, "--port", str(ns.port)]) or 0


def cmd_audit(ns: argparse.Namespace) -> int:
    _setup()
    from django.core.management.base import CommandError

    try:
        _manage("audit", ns.action)
    except CommandError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def _export(path: Path, text: str, check: bool) -> int:
    if check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            command = "configdoc" if path.stem == "configuration" else path.stem
            print(f"{path} is out of date: run `jiaoguan {command}`", file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


def openapi_text() -> str:
    from jiaoguan.api.urls import api

    return json.dumps(api.get_openapi_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def cmd_openapi(ns: argparse.Namespace) -> int:
    _setup()
    return _export(ROOT / "docs" / "openapi.json", openapi_text(), ns.check)


def cmd_configdoc(ns: argparse.Namespace) -> int:
    from jiaoguan.conf import env

    return _export(ROOT / "docs" / "configuration.md", env.markdown(), ns.check)


def cmd_serve(ns: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiaoguan.conf.settings.base")
    args = [
        "granian",
        "--interface",
        "wsgi",
        "--host",
        ns.host,
        "--port",
        str(ns.port),
        "--workers",
        str(ns.workers),
        "--blocking-threads",
        str(ns.threads),
        "jiaoguan.conf.wsgi:application",
    ]
    return subprocess.call(args)  # noqa: S603


def cmd_plates(ns: argparse.Namespace) -> int:
    _setup()
    from jiaoguan.plates.verify_cli import run

    return run(ns.right, ns.attempt, as_json=ns.json)


def cmd_manage(ns: argparse.Namespace) -> int:
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jiaoguan manage", *ns.args])
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jiaoguan", description="交管 jiaoguan platform")
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="bring up the demo on SQLite with seeded data")
    d.add_argument("--port", type=int, default=8000)
    d.add_argument("--sandbox-port", type=int, default=8765)
    d.add_argument("--oidc-port", type=int, default=8766, help="the sandbox OpenID provider")
    d.add_argument("--persons", type=int, default=2000)
    d.add_argument("--vehicles", type=int, default=2000)
    d.add_argument("--no-server", action="store_true", help="seed and print logins, then exit")
    d.add_argument(
        "--anchor-minutes",
        type=float,
        default=10,
        help="how often the demo anchors the audit chains",
    )
    d.set_defaults(func=cmd_demo)
    s = sub.add_parser("seed", help="load extra vehicles for benchmarks")
    s.add_argument("--vehicles", type=int, required=True)
    s.add_argument("--batch", type=int, default=5000)
    s.set_defaults(func=cmd_seed)
    sb = sub.add_parser("sandbox", help="run the simulated partner services")
    sb.add_argument("--host", default="127.0.0.1")
    sb.add_argument("--port", type=int, default=8765)
    sb.set_defaults(func=cmd_sandbox)
    a = sub.add_parser("audit", help="verify or anchor the audit chain")
    a.add_argument("action", choices=["verify", "anchor"])
    a.set_defaults(func=cmd_audit)
    for name, func in (("openapi", cmd_openapi), ("configdoc", cmd_configdoc)):
        e = sub.add_parser(name, help=f"export docs ({name}); --check compares instead")
        e.add_argument("--check", action="store_true")
        e.set_defaults(func=func)
    sv = sub.add_parser("serve", help="production web server (granian)")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    sv.add_argument("--threads", type=int, default=2)
    sv.set_defaults(func=cmd_serve)
    pl = sub.add_parser("plates", help="plate selection: verify a published draw")
    pl_sub = pl.add_subparsers(dest="plates_command", required=True)
    pv = pl_sub.add_parser("verify", help="recompute a draw from public data")
    pv.add_argument("right", help="the selection right's public id")
    pv.add_argument("attempt", type=int, help="the draw number (1, 2, …)")
    pv.add_argument("--json", action="store_true")
    pv.set_defaults(func=cmd_plates)
    m = sub.add_parser("manage", help="run a Django management command")
    m.add_argument("args", nargs=argparse.REMAINDER)
    m.set_defaults(func=cmd_manage)
    return p


def main(argv: list[str] | None = None) -> int:
    ns = build_parser().parse_args(argv)
    return int(ns.func(ns) or 0)


if __name__ == "__main__":
    sys.exit(main())
