"""Roster signals other apps listen to, and Group membership kept in step with role assignments."""

from django.contrib.auth.models import Group
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from .models import ROLE_GROUPS, Role, RoleAssignment

# Sent inside the booking/transfer/release transaction, with inmate=, actor=, occurred_on=.
inmate_booked = Signal()
inmate_transferred = Signal()  # also from_facility=, to_facility=
inmate_released = Signal()


def sync_user_groups(user) -> None:
    """A user belongs to the Group of every role they hold somewhere; auditors may open the admin, and a user
    whose last auditor role is revoked may no longer (a superuser keeps it: the admin is theirs)."""
    held = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    for role, name in ROLE_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        if role in held:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    staff = Role.AUDITOR in held or user.is_superuser
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])


@receiver(post_save, sender=RoleAssignment)
@receiver(post_delete, sender=RoleAssignment)
def _sync_groups(sender, instance, **kwargs):
    sync_user_groups(instance.user)
