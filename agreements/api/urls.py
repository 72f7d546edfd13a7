"""The read-only JSON API, mounted at ``/api/v1/`` by ``tracker/urls.py`` (outside
the languages' prefixes: one address per record). Any other address under it is a
404 in JSON, as is a slug that cannot be one."""

from django.urls import path, re_path

from . import views

app_name = "api"

urlpatterns = [
    path("", views.RootView.as_view(), name="root"),
    path("documents/", views.DocumentListView.as_view(), name="document-list"),
    path(
        "documents/<str:slug>/",
        views.DocumentDetailView.as_view(),
        name="document-detail",
    ),
    path("bodies/", views.BodyListView.as_view(), name="body-list"),
    path("bodies/<str:slug>/", views.BodyDetailView.as_view(), name="body-detail"),
    path("events/", views.EventListView.as_view(), name="event-list"),
    path("events/<str:slug>/", views.EventDetailView.as_view(), name="event-detail"),
    path(
        "countries/<str:code>/",
        views.CountryDetailView.as_view(),
        name="country-detail",
    ),
    path("actions/", views.ActionListView.as_view(), name="action-list"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(), name="docs"),
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not-found"),
]
