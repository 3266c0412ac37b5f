from django.apps import AppConfig
from django.db.models.signals import post_migrate

PROJECT_APPS = ("audit", "facilities", "api", "approvals", "calls", "emergencies")


def ensure_auditor_can_view_everything(sender=None, using="default", **kwargs) -> None:
    """After every migrate (and every test-database flush): the Auditor group may view every model.

    The data migrations create the groups; this keeps the auditors' view permission complete for models
    added later and restores it after a flush.
    """
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.using(using).get_or_create(name="Auditor")
    perms = Permission.objects.using(using).filter(
        content_type__app_label__in=PROJECT_APPS, codename__startswith="view_"
    )
    group.permissions.add(*perms)


class FacilitiesConfig(AppConfig):
    name = "facilities"
    verbose_name = "Facilities, roster and roles"

    def ready(self) -> None:
        from django.contrib import admin

        from . import login_security, signals  # noqa: F401
        from .login_views import AdminLoginForm

        admin.site.login_form = AdminLoginForm  # the admin's log-in is slowed down like the portal's

        post_migrate.connect(ensure_auditor_can_view_everything, dispatch_uid="auditor-view-everything")
