from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.generic import TemplateView

from agreements.health import readyz
from agreements.opendata.views import download as open_data_download
from agreements.sitemaps import SITEMAPS
from agreements.views import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    # set_language: the staff's choice of language for the admin
    path("i18n/", include("django.conf.urls.i18n")),
    # the read-only JSON API: one address per record, whatever the language
    path("api/v1/", include("agreements.api.urls")),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    # the bulk files of /data/ (agreements.opendata), one address in every language
    path("data/files/<str:name>", open_data_download, name="open-data-file"),
    path(
        "robots.txt",
        TemplateView.as_view(
            template_name="robots.txt", content_type="text/plain; charset=utf-8"
        ),
        name="robots",
    ),
]

# The public pages in each language: English at the addresses it always had, the
# others under /ru/, /kk/ and /az/ (no redirect by Accept-Language: cached pages and
# crawlers need stable addresses).
urlpatterns += i18n_patterns(
    path("follow-up/", include("agreements.followup.urls")),
    path("", include("agreements.urls")),
    prefix_default_language=False,
)
