from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = "Calls, minutes and resets"

    def ready(self) -> None:
        from facilities import pages
        from facilities.signals import inmate_booked

        from . import receivers
        from .pages import pages as ours

        inmate_booked.connect(receivers.grant_minutes_on_booking, dispatch_uid="calls.grant_minutes_on_booking")
        pages.register(ours)
