from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AgreementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "agreements"
    verbose_name = "Register of signed documents"

    def ready(self):
        from .cache import install_after_migrate

        # The register generation's table and triggers, which invalidate the public
        # page cache on every write (see agreements.cache).
        post_migrate.connect(
            install_after_migrate, sender=self, dispatch_uid="agreements_generation"
        )
