"""Demo data for local use: three facilities, a few hundred inmates, a user per role. Safe to run twice."""

import datetime as dt
import hashlib
import importlib
import random
from base64 import b32encode

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from facilities.models import CallingPolicy, Facility, Inmate, Role, RoleAssignment
from facilities.services import facility_create, role_assign

DEMO_PASSWORD = "demo-portal-2026"  # local demo only: printed, never used in production

FACILITIES = [
    # code, name, kind, time zone, policy
    ("fed-dub", "FCI Dublin (federal)", Facility.Kind.FEDERAL, "America/Los_Angeles",
     dict(list_mode=CallingPolicy.ListMode.SELF_MANAGED, monthly_minutes=300, per_call_minutes=15,
          call_gap_minutes=60, list_size=30, screen_codefendants=False, bonus_nov=100, bonus_dec=100)),
    ("tx-huntsville", "Huntsville Unit (state prison)", Facility.Kind.STATE, "America/Chicago",
     dict(list_mode=CallingPolicy.ListMode.STAFF_REVIEW, screen_codefendants=True, per_call_minutes=30,
          monthly_minutes=480, list_size=25, list_change_interval_days=180)),
    ("cook-county", "Cook County Jail", Facility.Kind.COUNTY, "America/Chicago",
     dict(list_mode=CallingPolicy.ListMode.STAFF_REVIEW, screen_codefendants=False, list_size=20,
          per_call_minutes=20, monthly_minutes=400)),
]
INMATES_PER_FACILITY = 120
FIRST = ["James", "Maria", "Robert", "Linda", "Michael", "Patricia", "David", "Jennifer", "Carlos", "Aisha",
         "Kevin", "Tanya", "Luis", "Grace", "Marcus", "Rosa", "Daniel", "Keisha", "Tyrone", "Emily"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee"]
USERS = [
    # username, first, last, role, facility codes (None: all facilities, auditors only)
    ("staff", "Sam", "Clerk", Role.STAFF, ["fed-dub", "tx-huntsville", "cook-county"]),
    ("warden", "Wanda", "Warden", Role.WARDEN, ["fed-dub", "tx-huntsville", "cook-county"]),
    ("auditor", "Avery", "Auditor", Role.AUDITOR, None),
    ("county-staff", "Casey", "Officer", Role.STAFF, ["cook-county"]),
    ("investigator", "Ivy", "Investigator", Role.INVESTIGATOR, ["tx-huntsville", "cook-county"]),
]
APP_SEEDERS = ["approvals.demo", "calls.demo", "emergencies.demo", "calls.investigations_demo"]


def demo_totp_key(username: str) -> str:
    """The fixed authenticator secret of a demo user (hex, as django-otp stores it): printed by seed_demo, so that
    ``make run`` works in one step. Local demo only, like DEMO_PASSWORD."""
    return hashlib.sha1(f"phone-portal-demo-authenticator:{username}".encode()).hexdigest()


def demo_totp_secret(username: str) -> str:
    """The same secret as authenticator apps take it typed in (base32)."""
    return b32encode(bytes.fromhex(demo_totp_key(username))).decode()


class Command(BaseCommand):
    help = "Load demo facilities, inmates and users (local use only). Safe to run more than once."

    def handle(self, *args, **options):
        with transaction.atomic():
            self._facilities()
            self._inmates()
            self._users()
        for module_name in APP_SEEDERS:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            module.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at http://127.0.0.1:8000/ with:"))
        for username, _first, _last, role, codes in USERS:
            where = "all facilities" if codes is None else ", ".join(codes)
            self.stdout.write(f"  {username:<14} password {DEMO_PASSWORD}   ({role.label} at {where})")
        self.stdout.write("  admin          password " + DEMO_PASSWORD + "   (system administrator)")
        self.stdout.write(
            "Wardens, auditors and the admin then give a code from an authenticator app (staff too where a facility's "
            "policy asks). The demo users' authenticator secrets (add them to an app, or print the current code "
            "with: .venv/bin/python manage.py totp_code <user>):"
        )
        for username in [u[0] for u in USERS] + ["admin"]:
            self.stdout.write(f"  {username:<14} secret {demo_totp_secret(username)}")

    def _facilities(self):
        for code, name, kind, tz, policy in FACILITIES:
            if not Facility.objects.filter(code=code).exists():
                facility_create(code=code, name=name, kind=kind, timezone=tz, actor="seed_demo", **policy)

    def _inmates(self):
        rng = random.Random(20261122)
        for index, facility in enumerate(Facility.objects.filter(code__in=[f[0] for f in FACILITIES]).order_by("code")):
            existing = set(Inmate.objects.filter(facility=facility).values_list("register_number", flat=True))
            new = []
            for n in range(INMATES_PER_FACILITY):
                register_number = f"{(index + 1) * 10000 + n:05d}-{100 + index:03d}"
                if register_number in existing:
                    continue
                status = Inmate.Status.IN_CUSTODY if n % 12 else Inmate.Status.RELEASED
                admitted = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(0, 1300))
                new.append(Inmate(
                    facility=facility, register_number=register_number,
                    first_name=rng.choice(FIRST), last_name=rng.choice(LAST),
                    date_of_birth=dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 15000)),
                    housing_unit=f"{'ABCDE'[n % 5]}-{n % 4 + 1}", status=status, admitted_on=admitted,
                    released_on=admitted + dt.timedelta(days=200) if status == Inmate.Status.RELEASED else None,
                ))
            Inmate.objects.bulk_create(new)

    def _users(self):
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"is_superuser": True, "is_staff": True, "first_name": "System", "last_name": "Admin"}
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()
        self._authenticator(admin)
        for username, first, last, role, codes in USERS:
            user, created = User.objects.get_or_create(username=username, defaults={"first_name": first, "last_name": last})
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            self._authenticator(user)
            if codes is None:
                if not RoleAssignment.objects.filter(user=user, role=role, all_facilities=True).exists():
                    role_assign(user=user, role=role, facility=None, granted_by=admin)
            else:
                for facility in Facility.objects.filter(code__in=codes):
                    role_assign(user=user, role=role, facility=facility, granted_by=admin)

    @staticmethod
    def _authenticator(user) -> None:
        """The demo user's authenticator, with the printed fixed secret (once: a user who has one keeps it)."""
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name="demo authenticator", confirmed=True,
                                      key=demo_totp_key(user.get_username()))
