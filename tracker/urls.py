from django.contrib import admin
from django.urls import include, path

from agreements.views import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("follow-up/", include("agreements.followup_urls")),
    path("", include("agreements.urls")),
]
