from django.apps import AppConfig


class EmergenciesConfig(AppConfig):
    name = "emergencies"
    verbose_name = "Emergency contact requests"

    def ready(self) -> None:
        from facilities import pages

        from .pages import pages as ours

        pages.register(ours)
