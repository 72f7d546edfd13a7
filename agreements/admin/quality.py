"""The data-quality page: what the register still lacks or contradicts, for staff.

``/admin/agreements/data-quality/`` (``admin:agreements_data_quality``) lists every
check of ``agreements.quality`` with its count and first items, each linked to the
admin form that fixes it; ``?check=<name>`` lists one check's items, 50 a page.
Filters: a party's country (ISO code), a body (slug), the document kind. Staff only,
with the permission to view documents.

The page belongs to no model, so the register's admin site
(``tracker.apps.RegisterAdminSite``) adds its URL.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import quality
from ..aggregates import register_stamp
from ..models import Document
from ..pagination import CountedPaginator

#: Items a page of one check lists.
PER_PAGE = 50
#: Who may read the queue.
PERMISSION = "agreements.view_document"


def data_quality_view(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    form = quality.FilterForm(request.GET)
    context = {
        **admin.site.each_context(request),
        "title": _("Data quality"),
        "subtitle": None,
        "form": form,
        "preview": quality.PREVIEW,
        "opts": Document._meta,
    }
    if form.is_valid():
        filters = form.filters()
        today = timezone.localdate()
        stamp = register_stamp()
        if form.cleaned_data["check"]:
            (check,) = form.checks()
            context.update(_one_check(request, check, filters, today, stamp))
        else:
            context["results"] = quality.overview(filters, today=today, stamp=stamp)
    request.current_app = admin.site.name
    return TemplateResponse(request, "admin/agreements/data_quality.html", context)


def _one_check(request, check, filters, today, stamp):
    """The context of one check's page of items (a page past the end shows the last)."""
    count, _ids = check.summary(filters, today=today, stamp=stamp)
    paginator = CountedPaginator(check.rows(filters, today), PER_PAGE, count=count)
    page = paginator.get_page(request.GET.get("page"))
    items = check.items(page.object_list)
    return {
        "check": check,
        "results": [quality.Result(check, count, items)],
        "page_obj": page,
        "page_range": (
            list(paginator.get_elided_page_range(page.number, on_each_side=2))
            if paginator.num_pages > 1
            else []
        ),
    }
