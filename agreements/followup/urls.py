"""The follow-up pages, mounted under ``follow-up/`` by ``tracker/urls.py``."""

from django.urls import path

from . import views

app_name = "followup"

urlpatterns = [
    path(
        "",
        views.FollowUpDashboardView.as_view(),
        name="followup-dashboard",
    ),
    path("calendar.ics", views.calendar, name="followup-calendar"),
]
