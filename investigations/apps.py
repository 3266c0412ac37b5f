from django.apps import AppConfig


class InvestigationsConfig(AppConfig):
    name = "investigations"
    verbose_name = "Investigations: watch lists and the link report"

    def ready(self) -> None:
        from facilities import pages

        from .pages import pages as ours

        pages.register(ours)
