from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = "Phone lists and screening"

    def ready(self) -> None:
        from facilities import extensions
        from facilities.signals import inmate_transferred

        from . import hooks

        extensions.dashboard_card(hooks.dashboard_cards)
        extensions.facility_nav(hooks.nav_links)
        extensions.inmate_section(hooks.inmate_section)
        inmate_transferred.connect(hooks.on_transfer, dispatch_uid="approvals-entries-follow-transfer")
