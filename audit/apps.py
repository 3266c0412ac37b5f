from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .append_only import ensure_guards

        # After every migrate (and flush): any append-only table without its guard gets it back.
        post_migrate.connect(
            lambda sender, using, apps=None, **kwargs: ensure_guards(using=using, apps=apps),
            sender=self, dispatch_uid="audit_append_only_guards", weak=False,
        )
