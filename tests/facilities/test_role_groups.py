"""The role Groups and their permissions come back whole after a flush (the teardown of every test without a
wrapping transaction), so no test depends on which tests ran before it."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from facilities.roles_setup import GROUPS, ROLE_GRANTS


def _grants() -> dict[str, set[str]]:
    return {
        g.name: set(g.permissions.values_list("content_type__app_label", "codename"))
        for g in Group.objects.filter(name__in=GROUPS)
    }


@pytest.mark.django_db(transaction=True)
def test_a_flush_leaves_every_role_group_with_every_grant():
    migrated = _grants()
    assert set(migrated) == set(GROUPS)
    assert ("calls", "add_phonerestriction") in migrated["Warden"]
    assert ("calls", "add_phonerestriction") not in migrated["Staff"]
    assert all(codename.startswith("view_") for _app, codename in migrated["Auditor"])

    call_command("flush", interactive=False, verbosity=0)

    assert _grants() == migrated


@pytest.mark.django_db
def test_the_table_names_only_models_that_exist():
    from django.apps import apps

    for app_label, groups in ROLE_GRANTS.items():
        for models in groups.values():
            for model_name in models:
                apps.get_model(app_label, model_name)  # LookupError if the table names a model that is gone


@pytest.mark.django_db(transaction=True)
def test_the_admin_opens_to_a_user_only_while_they_hold_an_auditor_role():
    from facilities import services
    from facilities.models import Role
    from tests.factories import FacilityFactory, UserFactory

    cook, lake = FacilityFactory(code="cook"), FacilityFactory(code="lake")
    admin, user = UserFactory(username="sysadmin", is_superuser=True, is_staff=True), UserFactory(username="aud")
    staff_role = services.role_assign(user=user, role=Role.STAFF, facility=cook, granted_by=admin)
    user.refresh_from_db()
    assert not user.is_staff
    at_cook = services.role_assign(user=user, role=Role.AUDITOR, facility=cook, granted_by=admin)
    at_lake = services.role_assign(user=user, role=Role.AUDITOR, facility=lake, granted_by=admin)
    user.refresh_from_db()
    assert user.is_staff and user.groups.filter(name="Auditor").exists()

    services.role_revoke(assignment=at_cook, revoked_by=admin)
    user.refresh_from_db()
    assert user.is_staff  # still an auditor at Lake
    services.role_revoke(assignment=at_lake, revoked_by=admin)
    user.refresh_from_db()
    assert not user.is_staff and not user.groups.filter(name="Auditor").exists()
    assert user.groups.filter(name="Staff").exists()  # the staff role stays

    # A superuser who held and lost an auditor role keeps the admin.
    root_role = services.role_assign(user=admin, role=Role.AUDITOR, facility=cook, granted_by=admin)
    services.role_revoke(assignment=root_role, revoked_by=admin)
    admin.refresh_from_db()
    assert admin.is_staff and admin.is_superuser
    services.role_revoke(assignment=staff_role, revoked_by=admin)
