from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "facilities"
    verbose_name = "Facilities, roster and roles"

    def ready(self) -> None:
        from . import signals  # noqa: F401
