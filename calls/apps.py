from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = "Calls, minutes and resets"

    def ready(self) -> None:
        from facilities import extensions
        from facilities.signals import inmate_booked

        from . import extensions as ours
        from . import receivers

        inmate_booked.connect(receivers.grant_minutes_on_booking, dispatch_uid="calls.grant_minutes_on_booking")
        extensions.dashboard_card(ours.dashboard_cards)
        extensions.facility_nav(ours.nav_links)
        extensions.inmate_section(ours.inmate_section)
