"""The API's lists come a page at a time, walked with a cursor: ``next`` and
``previous`` are links, so a page costs the same however deep it is, and no row is
skipped or repeated while the register changes around it.

A cursor holds the sort keys of the row a page ends (or starts) at, every column
of the view's order (``cursor_ordering``, the last column unique), and the next page
is the rows strictly after it: a ``WHERE`` that the order's index seeks to, never an
``OFFSET``. (DRF's own ``CursorPagination`` keys on the first column alone with an
offset among its ties, and going back across a run of ties it skips rows.)

A cursor that cannot be read, one made for another order, or a ``page_size``
outside 1 to ``MAX_PAGE_SIZE`` is a 400 naming the parameter.
"""

import base64
import binascii
import json
import operator
from functools import reduce

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .serializers import licence

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
#: A longer cursor is not one of ours.
MAX_CURSOR_LENGTH = 2000


def beyond(columns, key):
    """The rows strictly after ``key`` (the values of ``columns``) in their order.

    ``(a, b, c) > key`` spelt out with the direction of each column, as
    ``agreements.pagination.at_or_after`` does, led by ``a >= k1`` so that the
    database seeks its index to the key.
    """
    terms, equal = [], {}
    for column, value in zip(columns, key, strict=True):
        name = column.lstrip("-")
        after = "lt" if column.startswith("-") else "gt"
        terms.append(Q(**equal, **{f"{name}__{after}": value}))
        equal[name] = value
    first = columns[0]
    seek = Q(**{f"{first.lstrip('-')}__{'lte' if first[0] == '-' else 'gte'}": key[0]})
    return seek & reduce(operator.or_, terms)


def reversed_order(columns):
    return tuple(c[1:] if c.startswith("-") else f"-{c}" for c in columns)


class CursorPagination(BasePagination):
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.ordering = tuple(view.cursor_ordering())
        self.fields = [
            queryset.model._meta.pk
            if column.lstrip("-") == "pk"
            else queryset.model._meta.get_field(column.lstrip("-"))
            for column in self.ordering
        ]
        size = self.get_page_size(request)
        direction, key = self.decode_cursor(request)
        if direction == "previous":
            order = reversed_order(self.ordering)
            rows = list(
                queryset.filter(beyond(order, key)).order_by(*order)[: size + 1]
            )
            self.page = list(reversed(rows[:size]))
            self.has_previous, self.has_next = len(rows) > size, True
        else:
            if key is not None:
                queryset = queryset.filter(beyond(self.ordering, key))
            rows = list(queryset.order_by(*self.ordering)[: size + 1])
            self.page = rows[:size]
            self.has_next, self.has_previous = len(rows) > size, key is not None
        return self.page

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return PAGE_SIZE
        try:
            size = int(value)
        except ValueError:
            size = 0
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Enter a whole number from 1 to %(max)d.")
                        % {"max": MAX_PAGE_SIZE}
                    ]
                }
            )
        return size

    # --- the cursor -------------------------------------------------------------------

    def keys(self, row):
        return [getattr(row, column.lstrip("-")) for column in self.ordering]

    def encode_cursor(self, direction, row):
        values = [
            value.isoformat() if hasattr(value, "isoformat") else value
            for value in self.keys(row)
        ]
        token = json.dumps([direction[0], values], separators=(",", ":"))
        return base64.urlsafe_b64encode(token.encode()).decode("ascii").rstrip("=")

    def decode_cursor(self, request):
        """``(direction, key)``: ``("next", None)`` without a cursor."""
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return "next", None
        try:
            if len(encoded) > MAX_CURSOR_LENGTH:
                raise ValueError
            padded = encoded + "=" * (-len(encoded) % 4)
            direction, values = json.loads(base64.urlsafe_b64decode(padded))
            if direction not in ("n", "p") or len(values) != len(self.fields):
                raise ValueError
            key = []
            for field, value in zip(self.fields, values, strict=True):
                if not isinstance(value, str | int) or "\x00" in str(value):
                    raise ValueError
                key.append(field.to_python(value))
        except (ValueError, TypeError, binascii.Error, DjangoValidationError):
            raise ValidationError(
                {
                    self.cursor_query_param: [
                        _(
                            "This cursor cannot be read: follow the next and "
                            "previous links of an answer with the same parameters."
                        )
                    ]
                }
            ) from None
        return ("previous" if direction == "p" else "next"), key

    def get_next_link(self):
        if not self.has_next or not self.page:
            return None
        cursor = self.encode_cursor("next", self.page[-1])
        return replace_query_param(self.base_url, self.cursor_query_param, cursor)

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if not self.page:
            return remove_query_param(self.base_url, self.cursor_query_param)
        cursor = self.encode_cursor("previous", self.page[0])
        return replace_query_param(self.base_url, self.cursor_query_param, cursor)

    # --- the answer -------------------------------------------------------------------

    def get_paginated_response(self, data):
        return Response(
            {
                "licence": licence(),
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["licence", "next", "previous", "results"],
            "properties": {
                "licence": {
                    "type": "object",
                    "description": "The licence under which the data may be reused.",
                    "required": ["name", "url"],
                    "properties": {
                        "name": {"type": "string"},
                        "url": {"type": "string", "format": "uri"},
                    },
                },
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page, with the same parameters; null on "
                    "the last page.",
                },
                "previous": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The previous page; null on the first page.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the page starts: take it from an answer's next "
                "or previous link, never make it up.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Records a page, from 1 to {MAX_PAGE_SIZE} (default "
                f"{PAGE_SIZE}).",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PAGE_SIZE,
                    "default": PAGE_SIZE,
                },
            },
        ]
