"""Used by data migrations: give the role Groups their model permissions.

Each app adds a data migration calling ``grant(apps, app_label, {...})`` for its own models, so
roles stay in step with the models. Auditors get ``view`` on everything and nothing else.
"""

from __future__ import annotations

from django.contrib.auth.management import create_permissions

GROUPS = ("Staff", "Warden", "Auditor")


def grant(apps, app_label: str, grants: dict[str, dict[str, tuple[str, ...]]]) -> None:
    """``grants`` is {group name: {model name: (actions...)}}, e.g. {"Staff": {"inmate": ("view",)}}.

    Auditors always get ``view`` on every model of ``app_label`` (their history models included).
    """
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
    for group_name, models in grants.items():
        for model_name, actions in models.items():
            model = apps.get_model(app_label, model_name)
            ct = ContentType.objects.get_for_model(model)
            codenames = [f"{action}_{model._meta.model_name}" for action in actions]
            groups[group_name].permissions.add(*Permission.objects.filter(content_type=ct, codename__in=codenames))
