"""Deterministic demo data for one province (Jiangsu, 32).

``seed_demo`` writes through the real services (audit rows and history included) and the real
identity port (the sandbox must be running): people named by the sandbox population register so
that their real-name checks pass, vehicles with valid VINs and plates, licences with points, and
staff and outlet accounts for every role across the province's cities.

``bulk_vehicles`` loads large data sets for benchmarks directly (no audit, no history): it is a
loader for measurements, never a business path.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from jiaoguan.accounts import services as accounts
from jiaoguan.accounts.models import ApiClient, User
from jiaoguan.audit.services import Actor, audit_anchor_create
from jiaoguan.exams.services import exam_site_create, plan_publish
from jiaoguan.inspection.rules import add_months
from jiaoguan.inspection.services import station_create
from jiaoguan.kernel import clock, crypto, regions
from jiaoguan.kernel.idnumber import IdNumber
from jiaoguan.kernel.plates import Plate as PlateNumber
from jiaoguan.kernel.plates import PlateKind
from jiaoguan.kernel.uscc import USCC
from jiaoguan.kernel.vin import VIN
from jiaoguan.registry import services as registry
from jiaoguan.registry.constants import (
    Fuel,
    LicenceTerm,
    OrganisationKind,
    VehicleClass,
    VehicleUse,
)
from jiaoguan.registry.models import Organisation, Person, Plate, Vehicle
from sandbox.population import name_for

PROVINCE = "32"
DEMO_PASSWORD = "jiaoguan-demo-2018"  # noqa: S105 - printed for the demo, by design
SERIAL_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, O (GA 36-2018; DOMAIN.md §3.1)
WMIS = ("LSV", "LFV", "LGB", "LBV", "LVS", "LHG", "LSG", "LGW", "LNB", "LRW")
BRANDS = (
    ("大众", "朗逸"),
    ("一汽-大众", "速腾"),
    ("东风日产", "轩逸"),
    ("华晨宝马", "3系"),
    ("长安福特", "福克斯"),
    ("广汽本田", "雅阁"),
    ("上汽通用", "英朗"),
    ("长城", "哈弗H6"),
    ("比亚迪", "秦PLUS"),
    ("特斯拉", "Model 3"),
)
COLOURS = ("白", "黑", "银", "灰", "红", "蓝")


@dataclass
class DemoLogin:
    role: str
    username: str
    second_factor: str
    scope: str


@dataclass
class SeedReport:
    persons: int = 0
    vehicles: int = 0
    licences: int = 0
    accounts: int = 0
    citizens: int = 0
    logins: list[DemoLogin] = field(default_factory=list)
    partner_token: str = ""


def serial(n: int, width: int = 5) -> str:
    """The n-th serial over digits and letters without I and O."""
    out = []
    for _ in range(width):
        n, r = divmod(n, len(SERIAL_CHARS))
        out.append(SERIAL_CHARS[r])
    return "".join(reversed(out))


def nev_serial(n: int) -> str:
    """Small new-energy serial: energy letter, a letter or digit, four digits (GA 36-2018)."""
    letter = "DF"[n % 2]
    return letter + SERIAL_CHARS[(n // 10000) % len(SERIAL_CHARS)] + f"{n % 10000:04d}"


def inspection_until(registered: dt.date, today: dt.date) -> dt.date:
    """The end of a small non-commercial car's current inspection period: every 2 years in the
    first 10 (years 2, 4, 6, 8, 10), then yearly (DOMAIN.md §4.1 and §4.2, the 2022 rules)."""
    years = 2
    while True:
        try:
            until = registered.replace(year=registered.year + years)
        except ValueError:
            until = registered.replace(year=registered.year + years, day=28)
        if until >= today:
            return until
        years += 2 if years < 10 else 1


def make_vin(rng: random.Random, n: int, year: int) -> str:
    wmi = WMIS[n % len(WMIS)]
    vds = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(5))
    return str(VIN.generate(wmi, vds, str(year), rng.choice("ABCDEFGH"), f"{n:06d}"))


def make_id_number(rng: random.Random, county: str, n: int) -> str:
    """A valid ID number born 1960–1999; distinct for distinct n below 10,000."""
    born = dt.date(1960, 1, 1) + dt.timedelta(days=(n * 7919) % 14600)
    return str(IdNumber.generate(county, born, n % 1000))


def bulk_id_number(county: str, n: int) -> str:
    """Unique ID numbers for bench data: born from 2000 on, so never equal to a demo person's."""
    born = dt.date(2000, 1, 1) + dt.timedelta(days=n // 1000)
    return str(IdNumber.generate(county, born, n % 1000))


def _counties(city: str) -> list[str]:
    return [c.code for c in regions.counties_of(city)] or [city + "02"]


def _phone(n: int) -> str:
    return f"13{(n * 7919) % 10**9:09d}"


def seed_demo(
    *, persons: int = 2000, vehicles: int = 2000, progress: Callable[[str], None] = print
) -> SeedReport:
    """Seed the demo province. Deterministic; refuses to run twice on the same database."""
    if Person.objects.exists():
        raise RuntimeError("the database already holds registry data; the demo reuses it")
    rng = random.Random(20180901)
    report = SeedReport()
    cities = [c.code for c in regions.cities_of(PROVINCE)]
    system = Actor.system("demo seed")
    password_hash = make_password(DEMO_PASSWORD)
    with transaction.atomic():
        orgs = _seed_organisations(system, cities)
        progress(f"  organisations: {len(orgs)}")
        people = _seed_people(system, rng, cities, persons, report)
        progress(f"  people: {report.persons}, licences: {report.licences}")
        _seed_vehicles(system, rng, cities, people, vehicles, report)
        progress(f"  vehicles: {report.vehicles}")
        _seed_staff(system, cities, orgs, password_hash, report)
        progress(f"  staff and outlet accounts: {report.accounts}")
        stations = _seed_stations(cities, orgs)
        progress(f"  inspection station profiles (one per city): {stations}")
        progress(f"  exam sites with booking plans (one per city): {_seed_exam_sites(cities)}")
        report.partner_token = demo_partner_token()
    _seed_citizens(people, password_hash, report)
    progress(
        f"  citizen accounts (real-name verified through the identity platform): {report.citizens}"
    )
    from jiaoguan.orgs.demo import seed_organisation_account

    school = seed_organisation_account(password=DEMO_PASSWORD, password_hash=password_hash)
    report.citizens += 1  # the school's legal representative
    progress(f"  organisation account (signed online): {school}")
    audit_anchor_create()
    return report


def _seed_organisations(
    system: Actor, cities: list[str]
) -> dict[tuple[str, str], list[Organisation]]:
    kinds = [
        (OrganisationKind.VEHICLE_OFFICE, "车辆管理所", 1),
        (OrganisationKind.COUNTY_OFFICE, "县级车管所", 1),
        (OrganisationKind.TOWNSHIP_POINT, "乡镇交管服务站", 1),
        (OrganisationKind.DEALER, "汽车销售服务有限公司", 2),
        (OrganisationKind.USED_CAR_MARKET, "二手车交易市场", 1),
        (OrganisationKind.INSURER, "财产保险股份有限公司分公司", 1),
        (OrganisationKind.POST_OFFICE, "邮政分公司营业部", 1),
        (OrganisationKind.INSPECTION_STATION, "机动车检测有限公司", 1),
        (OrganisationKind.EXAM_SITE, "机动车驾驶人考试中心", 1),
    ]
    out: dict[tuple[str, str], list[Organisation]] = {}
    n = 0
    for city in cities:
        city_name = regions.region(city).name_zh  # type: ignore[union-attr]
        county = _counties(city)[-1]
        for kind, suffix, count in kinds:
            for i in range(count):
                n += 1
                code = USCC.generate(
                    county if kind != OrganisationKind.VEHICLE_OFFICE else city + "00", f"{n:08d}"
                )
                where = (
                    county
                    if kind in (OrganisationKind.COUNTY_OFFICE, OrganisationKind.TOWNSHIP_POINT)
                    else city + "00"
                )
                org = registry.organisation_create(
                    actor=system,
                    uscc=str(code),
                    name=f"{city_name}{'第二' if i else ''}{suffix}",
                    kind=kind,
                    region_code=where,
                )
                out.setdefault((city, kind), []).append(org)
    return out


def _seed_people(
    system: Actor, rng: random.Random, cities: list[str], count: int, report: SeedReport
) -> list[Person]:
    people: list[Person] = []
    for n in range(count):
        city = cities[n % len(cities)]
        county = rng.choice(_counties(city))
        number = make_id_number(rng, county, n)
        person = registry.person_create(
            actor=system,
            name=name_for(number),
            id_number=number,
            phone=_phone(n),
            address=f"{regions.region(county).name_zh}"  # type: ignore[union-attr]
            f"幸福路{n % 300 + 1}号",
        )
        people.append(person)
        report.persons += 1
        age = (dt.date(2026, 1, 1) - person.birth_date).days // 365
        if n % 4 != 3 and age >= 18:
            first = registry.add_years(person.birth_date, 18) + dt.timedelta(
                days=rng.randrange(0, 365 * max(1, min(age - 18, 30)))
            )
            classes = rng.choice([["C1"], ["C1"], ["C1"], ["C2"], ["C1", "D"], ["B2"], ["A1"]])
            years_held = (dt.date(2026, 1, 1) - first).days // 365
            term = (
                LicenceTerm.SIX_YEARS
                if years_held < 6
                else LicenceTerm.TEN_YEARS
                if years_held < 16
                else LicenceTerm.PERMANENT
            )
            start = registry.add_years(
                first, {LicenceTerm.SIX_YEARS: 0, LicenceTerm.TEN_YEARS: 6}.get(term, 16)
            )
            registry.licence_issue(
                actor=system,
                person=person,
                classes=classes,
                first_issue_date=first,
                valid_from=start,
                term=term,
                region_code=county,
                points=rng.choice([0, 0, 0, 1, 2, 3, 6]),
            )
            report.licences += 1
    return people


def _seed_vehicles(
    system: Actor,
    rng: random.Random,
    cities: list[str],
    people: list[Person],
    count: int,
    report: SeedReport,
) -> None:
    for n in range(count):
        owner = people[(n * 3) % len(people)]
        city = owner.city_code if owner.province_code == PROVINCE else cities[0]
        prefix = regions.plate_prefix(city)
        new_energy = n % 7 == 0
        year = 2008 + n % 18
        made = dt.date(year, 1 + n % 12, 1 + n % 28)
        brand, model = BRANDS[n % len(BRANDS)]
        plate = (
            PlateNumber.generate(prefix, nev_serial(n), PlateKind.SMALL_NEV)
            if new_energy
            else PlateNumber.generate(prefix, serial(n * 37 + 100))
        )
        registry.vehicle_register(
            actor=system,
            vin=make_vin(rng, n, year),
            plate_number=str(plate),
            owner_person=owner,
            region_code=owner.region_code,
            vehicle_class=VehicleClass.SMALL_PASSENGER,
            use=VehicleUse.NON_COMMERCIAL,
            seats=5,
            fuel=Fuel.BATTERY_ELECTRIC if new_energy else Fuel.PETROL,
            manufacture_date=made,
            registration_date=made + dt.timedelta(days=30 + n % 60),
            inspection_valid_until=inspection_until(
                made + dt.timedelta(days=30 + n % 60), clock.today()
            ),
            brand=brand if not new_energy else "比亚迪",
            model_name=model if not new_energy else "秦PLUS",
            colour=COLOURS[n % len(COLOURS)],
        )
        report.vehicles += 1


STAFF_PLAN: tuple[tuple[str, int, str | None], ...] = (
    # role, accounts per city, organisation kind (None: the city's vehicle office scope)
    ("counter_clerk", 4, None),
    ("reviewer", 2, None),
    ("police_officer", 3, None),
    ("supervisor", 1, None),
    ("county_clerk", 2, OrganisationKind.COUNTY_OFFICE),
    ("township_clerk", 2, OrganisationKind.TOWNSHIP_POINT),
    ("outlet_dealer", 3, OrganisationKind.DEALER),
    ("outlet_used_car", 2, OrganisationKind.USED_CAR_MARKET),
    ("outlet_insurer", 2, OrganisationKind.INSURER),
    ("outlet_post", 2, OrganisationKind.POST_OFFICE),
    ("inspection_station", 2, OrganisationKind.INSPECTION_STATION),
    ("exam_site", 2, OrganisationKind.EXAM_SITE),
    ("accident_assistant", 2, None),
    ("insurer_adjuster", 2, OrganisationKind.INSURER),
    ("kiosk_device", 1, None),  # a self-service kiosk in the city's hall (a device account)
)


def _seed_staff(
    system: Actor,
    cities: list[str],
    orgs: dict[tuple[str, str], list[Organisation]],
    password_hash: str,
    report: SeedReport,
) -> None:
    def add(role: str, username: str, scope: str, org: Organisation | None) -> None:
        accounts.staff_create(
            actor=system,
            username=username,
            password="",
            roles=[role],
            region_scope=scope,
            organisation=org,
            password_hash=password_hash,
            first_name=username,
        )
        report.accounts += 1
        if not any(x.role == role for x in report.logins):
            report.logins.append(DemoLogin(role, username, "TOTP", scope))

    for city in cities:
        for role, per_city, org_kind in STAFF_PLAN:
            for i in range(per_city):
                org = None
                scope = city
                if org_kind is not None:
                    pool = orgs[(city, org_kind)]
                    org = pool[i % len(pool)]
                    scope = (
                        org.region_code
                        if org_kind
                        in (OrganisationKind.COUNTY_OFFICE, OrganisationKind.TOWNSHIP_POINT)
                        else city
                    )
                add(role, f"{role.replace('_', '-')}-{city}-{i + 1}", scope, org)
    add("supervisor", "supervisor-32", PROVINCE, None)
    add("administrator", "admin-32", PROVINCE, None)


def _seed_stations(cities: list[str], orgs: dict[tuple[str, str], list[Organisation]]) -> int:
    """One station profile per city (its inspection_station organisation, whose staff log in
    as ``inspection-station-<city>-1``), registered by the province's administrator."""
    admin = User.objects.get(username="admin-32")
    hours = {d: ["08:30", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
    for city in cities:
        station_create(
            actor=Actor.of(admin),
            principal=admin,
            organisation=orgs[(city, OrganisationKind.INSPECTION_STATION)][0],
            lines=4,
            capacity_per_slot=6,
            opening_hours=hours,
            vehicle_classes=list(VehicleClass.values),
        )
    return len(cities)


def _seed_exam_sites(cities: list[str]) -> int:
    """One exam site per city (the organisation of ``exam-site-<city>-1``), registered by the
    province's administrator, with plans for the three subjects published by its staff for the
    days 10 to 14 days ahead (R162 Art. 52: at least 10 days ahead)."""
    admin = User.objects.get(username="admin-32")
    today = clock.today()
    for city in cities:
        staff = User.objects.select_related("organisation").get(username=f"exam-site-{city}-1")
        assert staff.organisation is not None
        site = exam_site_create(
            actor=Actor.of(admin),
            principal=admin,
            organisation=staff.organisation,
            subjects=[1, 2, 3],
            classes=["A3", "B2", "C1", "C2", "D", "E"],
            examiners=[f"{city}-考官{n:02d}" for n in range(1, 7)],
        )
        for days in range(10, 15):
            for subject in (1, 2, 3):
                plan_publish(
                    actor=Actor.of(staff),
                    principal=staff,
                    site=site,
                    exam_date=today + dt.timedelta(days=days),
                    subject=subject,
                    capacity=40,
                )
    return len(cities)


def _seed_citizens(people: list[Person], password_hash: str, report: SeedReport) -> None:
    """Open citizen accounts for some people through real-name registration (identity port)."""
    chosen = [p for p in people if hasattr(p, "licence") and p.vehicles.exists()][:40]
    for i, person in enumerate(chosen):
        username = "citizen" if i == 0 else f"citizen-{i:03d}"
        accounts.citizen_register(
            username=username,
            password="",
            name=person.name,
            id_number=person.id_number,
            phone=person.phone,
            password_hash=password_hash,
        )
        report.accounts += 1
        report.citizens += 1
        if i == 0:
            report.logins.insert(0, DemoLogin("citizen", username, "SMS code", "own records"))


def bulk_vehicles(
    count: int,
    *,
    batch: int = 5000,
    progress: Callable[[str], None] = print,
    owners_per_vehicle: int = 10,
) -> int:
    """Load ``count`` extra vehicles (with owners and plates) straight into the database, for
    benchmarks. No audit rows or history: this is a data loader, not a business path."""
    rng = random.Random(count)
    cities = [c.code for c in regions.cities_of(PROVINCE)]
    start = Vehicle.objects.count()
    now = clock.now()
    today = clock.today()
    done = 0
    for chunk in _chunks(count, batch):
        with transaction.atomic():
            people = []
            for j in range(0, len(chunk), owners_per_vehicle):
                n = start + chunk[j]
                city = cities[n % len(cities)]
                county = _counties(city)[n % len(_counties(city))]
                number = bulk_id_number(county, n)
                people.append(
                    Person(
                        name=name_for(number),
                        sex="M",
                        birth_date=dt.date(1980, 1, 1),
                        id_number_enc=crypto.encrypt(number, context=b"person.id_number"),
                        id_number_index=registry.id_number_index(number),
                        created_at=now,
                        updated_at=now,
                        region_code=county,
                        city_code=city,
                        province_code=PROVINCE,
                    )
                )
            Person.objects.bulk_create(people)
            plates, vehicles = [], []
            for k, i in enumerate(chunk):
                n = start + i
                owner = people[k // owners_per_vehicle]
                prefix = regions.plate_prefix(owner.city_code)
                plates.append(
                    Plate(
                        number=prefix + serial(n + 1_000_000, 5),
                        kind=PlateKind.SMALL_CAR.value,
                        issued_at=now,
                    )
                )
            Plate.objects.bulk_create(plates)
            for k, i in enumerate(chunk):
                n = start + i
                owner = people[k // owners_per_vehicle]
                year = 2008 + n % 18
                registered = dt.date(year, 1, 1) + dt.timedelta(days=(n * 7) % 365)
                until = inspection_until(registered, today)
                if n % 29 == 0:  # about 3 % have let their inspection lapse, 1 to 3 years ago
                    until = add_months(until, -12 * (1 + n % 3))
                vehicles.append(
                    Vehicle(
                        vin=make_vin(rng, n, year),
                        plate=plates[k],
                        owner_person=owner,
                        vehicle_class=VehicleClass.SMALL_PASSENGER,
                        use=VehicleUse.NON_COMMERCIAL,
                        seats=5,
                        fuel=Fuel.PETROL,
                        manufacture_date=dt.date(year, 1, 1),
                        registration_date=registered,
                        inspection_valid_until=until,
                        created_at=now,
                        updated_at=now,
                        region_code=owner.region_code,
                        city_code=owner.city_code,
                        province_code=PROVINCE,
                        brand="大众",
                        model_name="朗逸",
                    )
                )
            Vehicle.objects.bulk_create(vehicles)
        done += len(chunk)
        if done % (batch * 20) == 0 or done == count:
            progress(f"  {done}/{count} vehicles")
    return done


def _chunks(count: int, size: int) -> Iterator[list[int]]:
    for lo in range(0, count, size):
        yield list(range(lo, min(lo + size, count)))


def demo_logins() -> list[DemoLogin]:
    """One login per role, read back from the database (for a second start of the demo)."""
    out = []
    citizen = User.objects.filter(username="citizen").first()
    if citizen:
        out.append(DemoLogin("citizen", "citizen", "SMS code", "own records"))
    seen: set[str] = set()
    for user in User.objects.exclude(kind="citizen").prefetch_related("groups").order_by("id"):
        for role in user.role_codes():
            if role not in seen:
                seen.add(role)
                out.append(DemoLogin(role, user.username, "TOTP", user.region_scope))
    return out


DEMO_PARTNER = "江苏省保险行业平台 (demo)"


def demo_partner_token() -> str:
    """Issue the demo partner's bearer token for this run, revoking the previous one (a token
    is shown once: only its hash is kept)."""
    system = Actor.system("demo")
    for old in ApiClient.objects.filter(name=DEMO_PARTNER, revoked_at__isnull=True):
        accounts.api_client_revoke(actor=system, client=old, reason="new demo run")
    _client, token = accounts.api_client_create(
        actor=system,
        name=DEMO_PARTNER,
        scopes=["registry:read"],
        region_scope=PROVINCE,
        sector="insurer",
    )
    return token
