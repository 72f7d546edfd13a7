from django.urls import path

from . import citations, exports, feeds, views
from .opendata.views import OpenDataView
from .texts.views import attachment_file

app_name = "agreements"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("agreements/", views.DocumentListView.as_view(), name="document-list"),
    path(
        "agreements/export.csv",
        exports.export,
        {"extension": "csv"},
        name="document-export-csv",
    ),
    path(
        "agreements/export.xlsx",
        exports.export,
        {"extension": "xlsx"},
        name="document-export-xlsx",
    ),
    path(
        "agreements/<slug:slug>/",
        views.DocumentDetailView.as_view(),
        name="document-detail",
    ),
    path(
        "agreements/<slug:slug>/cite.ris",
        citations.cite,
        {"extension": "ris"},
        name="document-cite-ris",
    ),
    path(
        "agreements/<slug:slug>/cite.bib",
        citations.cite,
        {"extension": "bib"},
        name="document-cite-bib",
    ),
    path(
        "agreements/<slug:slug>/texts/<int:pk>/<str:filename>",
        attachment_file,
        name="attachment-file",
    ),
    path("data/", OpenDataView.as_view(), name="open-data"),
    path("bodies/", views.BodyListView.as_view(), name="body-list"),
    path("bodies/<slug:slug>/", views.BodyDetailView.as_view(), name="body-detail"),
    path("events/", views.EventListView.as_view(), name="event-list"),
    path("events/<slug:slug>/", views.EventDetailView.as_view(), name="event-detail"),
    path("countries/", views.CountryListView.as_view(), name="country-list"),
    path("feeds/documents/", feeds.documents_feed, name="feed-documents"),
    path("feeds/follow-up/", feeds.followup_feed, name="feed-followup"),
    path(
        "countries/<str:code>/",
        views.CountryDetailView.as_view(),
        name="country-detail",
    ),
]
