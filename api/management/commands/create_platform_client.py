from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit.services import audit_record
from facilities.models import Facility

from api.models import PlatformClient


class Command(BaseCommand):
    help = "Create a platform API client for some facilities and print its token once (only its hash is kept)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--facility", action="append", required=True, dest="facilities", metavar="CODE",
                            help="A facility code the client may touch; repeat for several.")

    @transaction.atomic
    def handle(self, name, facilities, **options):
        if PlatformClient.objects.filter(name=name).exists():
            raise CommandError(f"A platform client named {name!r} already exists.")
        found = list(Facility.objects.filter(code__in=facilities))
        missing = sorted(set(facilities) - {f.code for f in found})
        if missing:
            raise CommandError(f"Unknown facility code(s): {', '.join(missing)}")
        client = PlatformClient(name=name)
        token = client.set_new_token()
        client.save()
        client.facilities.set(found)
        audit_record(action="platform_client_created", actor="manage.py create_platform_client", target=client,
                     data={"facilities": sorted(f.code for f in found)})
        self.stdout.write(f"Platform client {name!r} for {', '.join(sorted(f.code for f in found))}.")
        self.stdout.write("Its token (shown once, store it now):")
        self.stdout.write(token)
