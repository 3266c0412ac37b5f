"""Security events go to the audit trail: logins, failed logins, lockouts (at the address the trusted proxies
saw), role grants, changes and revocations. Connected by importing this module in FacilitiesConfig.ready."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from audit.services import audit_record

from .login_security import client_ip
from .scoping import clear_role_cache


def _ip(request) -> str | None:
    """The client's address as the trusted proxies saw it (the one axes locks on), not the proxy's."""
    return client_ip(request)


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(action="login", actor=user, ip_address=_ip(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="logout", actor=user, ip_address=_ip(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    step = (credentials or {}).get("second_factor")
    if step:  # a wrong second-factor code (facilities.services): the password was right
        audit_record(action="two_factor_failed", actor=f"anonymous ({username})"[:150],
                     data={"username": username, "step": step}, ip_address=_ip(request))
        return
    audit_record(action="login_failed", actor=f"anonymous ({username})"[:150], data={"username": username}, ip_address=_ip(request))


@receiver(user_locked_out)
def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    audit_record(action="lockout", actor=f"anonymous ({username})"[:150], data={"username": username}, ip_address=ip_address)


def _role_changed(instance, action: str) -> None:
    clear_role_cache(instance.user)
    audit_record(
        action=action,
        actor=getattr(instance, "_changed_by", None) or instance.granted_by,
        facility=instance.facility if instance.facility_id else None,
        target=instance.user,
        data={"role": instance.role, "all_facilities": instance.all_facilities},
    )


@receiver(post_save, sender="facilities.RoleAssignment")
def _role_saved(sender, instance, created, **kwargs):
    _role_changed(instance, "role_granted" if created else "role_changed")


@receiver(post_delete, sender="facilities.RoleAssignment")
def _role_deleted(sender, instance, **kwargs):
    _role_changed(instance, "role_revoked")
