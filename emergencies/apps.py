from django.apps import AppConfig


class EmergenciesConfig(AppConfig):
    name = "emergencies"
