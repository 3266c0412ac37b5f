"""The role Groups and their model permissions: one table (``ROLE_GRANTS``) read by the data migrations and,
after every ``migrate`` and every flush of a test database, by ``restore_role_groups``.

Auditors get ``view`` on every model of every project app (history models included) and nothing else.
A model the table names that does not exist yet at a migration's point in history is skipped there; the
pass after ``migrate`` completes the grants.
"""

from __future__ import annotations

from django.contrib.auth.management import create_permissions

GROUPS = ("Staff", "Warden", "Auditor", "Investigator")

_VIEW = ("view",)
_EDIT = ("view", "add", "change")
_LISTS = {
    "phonelistentry": _EDIT, "entryfinding": _VIEW, "entrytransition": _VIEW,
    "courtcase": _EDIT, "caseparty": _EDIT, "partynumber": _EDIT,
    "nocontactorder": _EDIT, "protectednumber": _EDIT, "blockednumber": _EDIT,
}
# Investigators read calls, lists, cases and findings; they decide nothing (no add/change anywhere but their
# own watch lists, granted by the investigations app).
_LISTS_READ = {model: _VIEW for model in _LISTS}

# {app label: {group name: {model name: (actions...)}}}
ROLE_GRANTS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "facilities": {
        "Staff": {"facility": _VIEW, "callingpolicy": _VIEW, "inmate": _VIEW, "custodyevent": _VIEW},
        "Warden": {"facility": _VIEW, "callingpolicy": ("view", "change"), "inmate": _VIEW, "custodyevent": _VIEW},
        "Investigator": {"facility": _VIEW, "inmate": _VIEW, "custodyevent": _VIEW},
    },
    "audit": {},
    "api": {},
    # Staff enter lists, cases, orders and blocks; wardens too (and decide flagged numbers).
    "approvals": {"Staff": _LISTS, "Warden": _LISTS, "Investigator": _LISTS_READ},
    "calls": {
        "Staff": {"call": _VIEW, "ledgerentry": _VIEW, "minutebalance": _VIEW, "phonerestriction": _VIEW},
        "Warden": {
            "call": _VIEW, "ledgerentry": ("view", "add"), "minutebalance": _VIEW,
            "phonerestriction": _EDIT, "monthlyreset": _VIEW,
        },
        "Investigator": {"call": _VIEW, "phonerestriction": _VIEW},
    },
    # Investigators keep their own watch entries (the pages check the owner); reviews are read by every role.
    "investigations": {
        "Investigator": {"watchentry": _EDIT, "watchalert": _VIEW, "review": _VIEW},
        "Warden": {"review": _VIEW},
    },
    "emergencies": {
        "Staff": {"emergencyrequest": ("view", "add"), "emergencyrequestevent": ("view", "add")},
        "Warden": {"emergencyrequest": _EDIT, "emergencyrequestevent": ("view", "add")},
    },
}


def grant(apps, app_label: str) -> None:
    """Give the role Groups ``ROLE_GRANTS[app_label]`` on the models ``apps`` has now (a migration's
    historical apps or the live registry)."""
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True  # create_permissions skips apps it thinks have no models
    create_permissions(app_config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in GROUPS}
    for model in app_config.get_models():
        ct = ContentType.objects.get_for_model(model)
        view = Permission.objects.filter(content_type=ct, codename=f"view_{model._meta.model_name}")
        groups["Auditor"].permissions.add(*view)
    for group_name, models in ROLE_GRANTS[app_label].items():
        for model_name, actions in models.items():
            try:
                model = apps.get_model(app_label, model_name)
            except LookupError:
                continue
            ct = ContentType.objects.get_for_model(model)
            codenames = [f"{action}_{model._meta.model_name}" for action in actions]
            groups[group_name].permissions.add(*Permission.objects.filter(content_type=ct, codename__in=codenames))


def restore_role_groups(sender=None, **kwargs) -> None:
    """post_migrate (sent after ``migrate`` and after a flush): every role Group holds every grant of the
    table, for models added since the data migrations too, and again after a test database was emptied."""
    from django.apps import apps

    for app_label in ROLE_GRANTS:
        grant(apps, app_label)
