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
