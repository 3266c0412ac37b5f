"""Run by tests/approvals/test_sqlite_stack.py in a subprocess, on make run's settings (config.settings.local,
SQLite) with Celery eager: migrate, seed the demo, then block a live number and add a victim's number to a
case, each through its service (the re-screen task runs as the transaction commits, as a worker would run
it), and read the platform's phone-list endpoint before and after. Prints one JSON line with what it saw.
"""

import io
import json
import os
import sys


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", "--noinput", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())

    from api.services import platform_client_create
    from approvals import services
    from approvals.models import CaseParty, EntryTransition, PhoneListEntry
    from facilities.models import Facility

    fed = Facility.objects.get(code="fed-dub")  # self-managed: the demo's live numbers are here
    live = list(PhoneListEntry.objects.filter(facility=fed, status=PhoneListEntry.Status.LIVE, legal=False)
                .select_related("inmate").order_by("inmate__register_number", "id"))
    blocked_entry = live[0]
    victim_entry = next(e for e in live if e.inmate_id != blocked_entry.inmate_id)
    client, token = platform_client_create(name="sqlite-check", facility_codes=["fed-dub"], actor="sqlite-check")
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token}")

    def served(entry) -> list[str]:
        response = api.get(f"/api/v1/facilities/fed-dub/inmates/{entry.inmate.register_number}/phone-list")
        assert response.status_code == 200, response.content
        return [n["number"] for n in response.json()["numbers"]]

    staff = get_user_model().objects.get(username="staff")
    before = {"block": blocked_entry.number in served(blocked_entry),
              "victim": victim_entry.number in served(victim_entry)}

    block = services.block_create(facility=fed, number=blocked_entry.number, reason="investigation",
                                  note="Checked on SQLite", actor=staff)
    case = services.case_create(facility=fed, case_number="SQLITE-1", court="District Court", actor=staff)
    services.party_add(case=case, role=CaseParty.Role.DEFENDANT, name=victim_entry.inmate.full_name,
                       inmate=victim_entry.inmate, actor=staff)
    services.party_add(case=case, role=CaseParty.Role.VICTIM, name="Vic Tim", numbers=[victim_entry.number],
                       actor=staff)
    blocked_entry.refresh_from_db()
    victim_entry.refresh_from_db()
    after = {"block": blocked_entry.number in served(blocked_entry),
             "victim": victim_entry.number in served(victim_entry)}
    lifted = services.block_end(block=block, actor=staff, note="Lifted on SQLite")
    blocked_after_lift = PhoneListEntry.objects.get(pk=blocked_entry.pk)
    print(json.dumps({
        "vendor": connection.vendor,
        "settings": os.environ.get("DJANGO_SETTINGS_MODULE"),
        "before": before,
        "after": after,
        "blocked_status": blocked_entry.status,
        "blocked_has_block": blocked_entry.has_block,
        "blocked_transition": list(EntryTransition.objects.filter(entry=blocked_entry).order_by("at", "id")
                                   .values_list("to_status", "actor_label"))[-2:],
        "victim_status": victim_entry.status,
        "victim_has_review": victim_entry.has_review,
        "lifted": lifted.ended_at is not None,
        "status_after_lift": blocked_after_lift.status,
    }))


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    main()
