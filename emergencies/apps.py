from django.apps import AppConfig


class EmergenciesConfig(AppConfig):
    name = "emergencies"
    verbose_name = "Emergency contact requests"

    def ready(self) -> None:
        from facilities import extensions

        from . import extensions as ours

        extensions.dashboard_card(ours.dashboard_cards)
        extensions.facility_nav(ours.nav_links)
        extensions.inmate_section(ours.inmate_section)
