"""Public pages. Only published records ever appear here."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from .models import Body, Country, Document, Event


def healthz(request):
    """Liveness probe: answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


class HomeView(ListView):
    template_name = "agreements/home.html"
    context_object_name = "documents"

    def get_queryset(self):
        return Document.objects.published().select_related("event")[:50]


class DocumentListView(ListView):
    template_name = "agreements/document_list.html"
    paginate_by = 25

    def get_queryset(self):
        return Document.objects.published().with_parties()


class DocumentDetailView(DetailView):
    template_name = "agreements/document_detail.html"

    def get_queryset(self):
        return Document.objects.published().select_related("event").with_parties()


class BodyListView(ListView):
    template_name = "agreements/body_list.html"
    queryset = Body.objects.select_related("country")


class BodyDetailView(DetailView):
    template_name = "agreements/body_detail.html"
    queryset = Body.objects.select_related("country", "parent")


class EventListView(ListView):
    template_name = "agreements/event_list.html"

    def get_queryset(self):
        return Event.objects.published().with_recorded_count()


class EventDetailView(DetailView):
    template_name = "agreements/event_detail.html"

    def get_queryset(self):
        return Event.objects.published().with_recorded_count()


class CountryDetailView(DetailView):
    template_name = "agreements/country_detail.html"

    def get_object(self, queryset=None):
        return get_object_or_404(Country, code=self.kwargs["code"].upper())
