"""The code a demo user's authenticator app would show now (local demo only): ``manage.py totp_code warden``.

Only for the demo users' fixed, printed secrets (seed_demo): a device with any other secret is refused, so this
command tells nothing about a real user's authenticator."""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from .seed_demo import demo_totp_key


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo user (seed_demo's fixed secrets only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        device = TOTPDevice.objects.filter(user=user, confirmed=True, key=demo_totp_key(username)).first() if user else None
        if device is None:
            raise CommandError(f"{username!r} has no demo authenticator (seed_demo's printed secret): nothing to show.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        left = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(f"{totp.token():0{device.digits}d}")
        self.stderr.write(f"(valid for about {left} more second(s); a code works once)")
