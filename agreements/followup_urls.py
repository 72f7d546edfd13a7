"""The follow-up pages, mounted under ``follow-up/`` by ``tracker/urls.py``."""

from django.urls import path

from . import followup_views

app_name = "followup"

urlpatterns = [
    path(
        "",
        followup_views.FollowUpDashboardView.as_view(),
        name="followup-dashboard",
    ),
    path("calendar.ics", followup_views.calendar, name="followup-calendar"),
]
