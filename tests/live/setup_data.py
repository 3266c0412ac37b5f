"""The live tier's data, written with the portal's own services and commands against the production database:
seed_demo's three facilities (same codes, kinds, time zones and calling policies) and users (staff, warden,
auditor), each with seed_demo's fixed authenticator secret, without its hundreds of demo inmates, and a platform client for the three facilities
(``manage.py create_platform_client``). Prints the client's token on the last line.

Run as ``python -m tests.live.setup_data <password>`` with the stack's environment (stacks.py does). With
``--seed-demo`` instead (the demo tier): ``manage.py seed_demo`` itself, as ``make run`` runs it, then the client.
"""

import io
import sys

import django


def main(password: str) -> None:
    django.setup()
    if password == "--seed-demo":
        from django.core.management import call_command

        call_command("seed_demo")
    else:
        live_data(password)
    create_client()


def live_data(password: str) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from facilities.management.commands.seed_demo import FACILITIES, USERS, demo_totp_key
    from facilities.models import Facility
    from facilities.services import facility_create, role_assign

    with transaction.atomic():
        for code, name, kind, tz, policy in FACILITIES:
            facility_create(code=code, name=name, kind=kind, timezone=tz, actor="live-tier set-up", **policy)
        User = get_user_model()
        admin = User.objects.create_superuser("admin", password=password)
        for username, first, last, role, codes in USERS:
            user = User.objects.create_user(username, password=password, first_name=first, last_name=last)
            for facility in Facility.objects.filter(code__in=codes) if codes else [None]:
                role_assign(user=user, role=role, facility=facility, granted_by=admin)
        # Every user's authenticator has seed_demo's fixed secret: the journeys give the code step its code
        # (tests/live/http.py), as the demo tier does with seed_demo's own users.
        for user in User.objects.all():
            TOTPDevice.objects.create(user=user, name="live-tier authenticator", confirmed=True,
                                      key=demo_totp_key(user.get_username()))


def create_client() -> None:
    from django.core.management import call_command

    from facilities.management.commands.seed_demo import FACILITIES

    out = io.StringIO()
    args = ["create_platform_client", "journeys"]
    for code, *_ in FACILITIES:
        args += ["--facility", code]
    call_command(*args, stdout=out)
    print(out.getvalue().strip().splitlines()[-1])


if __name__ == "__main__":
    main(sys.argv[1])
