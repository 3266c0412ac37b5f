from django.core.management.base import BaseCommand, CommandError

from api.services import PlatformClientError, platform_client_create


class Command(BaseCommand):
    help = "Create a platform API client for some facilities and print its token once (only its hash is kept)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--facility", action="append", required=True, dest="facilities", metavar="CODE",
                            help="A facility code the client may touch; repeat for several.")

    def handle(self, name, facilities, **options):
        try:
            client, token = platform_client_create(
                name=name, facility_codes=facilities, actor="manage.py create_platform_client"
            )
        except PlatformClientError as exc:
            raise CommandError(exc.message) from None
        codes = ", ".join(sorted(client.facilities.values_list("code", flat=True)))
        self.stdout.write(f"Platform client {client.name!r} for {codes}.")
        self.stdout.write("Its token (shown once, store it now):")
        self.stdout.write(token)
