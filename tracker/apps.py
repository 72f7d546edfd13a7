"""Wiring: Django's admin with the register's site as the default one.

``tracker.apps.RegisterAdminConfig`` stands for ``django.contrib.admin`` in
``INSTALLED_APPS``, so ``admin.site`` and ``@admin.register`` are a
``RegisterAdminSite``: Django's site plus the register's pages that belong to no model
(the data-quality queue, ``agreements.admin.quality``). The site lives here, outside
``agreements.admin``, so that loading it never runs the registrations it receives.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import path


class RegisterAdminSite(admin.AdminSite):
    def get_urls(self):
        from agreements.admin.quality import data_quality_view

        return [
            path(
                "agreements/data-quality/",
                self.admin_view(data_quality_view),
                name="agreements_data_quality",
            ),
            *super().get_urls(),
        ]

    def get_app_list(self, request, app_label=None):
        """Django's list of models, built once a request: the home page asks for it
        twice (its body and the navigation beside it), and building it checks four
        permissions and reverses two addresses for each model."""
        built = request.__dict__.setdefault("admin_app_lists", {})
        if app_label not in built:
            built[app_label] = super().get_app_list(request, app_label)
        return built[app_label]


class RegisterAdminConfig(AdminConfig):
    default_site = "tracker.apps.RegisterAdminSite"
