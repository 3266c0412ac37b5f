from django.apps import AppConfig
from django.db.models.signals import post_migrate

PROJECT_APPS = ("audit", "facilities", "api", "approvals", "calls", "emergencies")


class FacilitiesConfig(AppConfig):
    name = "facilities"
    verbose_name = "Facilities, roster and roles"

    def ready(self) -> None:
        from django.contrib import admin

        from . import login_security, receivers, signals, two_factor  # noqa: F401
        from .login_views import AdminLoginForm

        admin.site.login_form = AdminLoginForm  # the admin's log-in is slowed down like the portal's

        from .roles_setup import restore_role_groups

        # Once per migrate or flush (the signal is sent for every app: answer only this one's).
        post_migrate.connect(restore_role_groups, sender=self, dispatch_uid="restore-role-groups")
