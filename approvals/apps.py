from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = "Phone lists and screening"

    def ready(self) -> None:
        from facilities import pages
        from facilities.signals import inmate_transferred

        from . import receivers
        from .pages import pages as ours

        pages.register(ours)
        inmate_transferred.connect(receivers.on_transfer, dispatch_uid="approvals-entries-follow-transfer")
