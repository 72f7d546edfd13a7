"""Request-level safeguards: a cap on the request body, the client address that
django-axes locks out and rate limits count when the app runs behind proxies, and
the rate limit of the expensive public endpoints."""

import functools

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than ``MAX_REQUEST_BODY_BYTES``.

    Django's own ``DATA_UPLOAD_MAX_MEMORY_SIZE`` caps form fields but not files in a
    multipart body, which are streamed to a temporary file and then ignored by forms
    without a file field. Nothing here accepts uploads, so a body beyond the cap is
    refused with 413 before anything reads it: no temporary file, no form processing.
    A body without ``Content-Length`` (chunked) is left to Django's field limits.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse(
                "Bad Content-Length header.\n", status=400, content_type="text/plain"
            )
        limit = settings.MAX_REQUEST_BODY_BYTES
        if length > limit:
            return HttpResponse(
                f"Request body too large: {length} bytes, the limit is {limit}.\n",
                status=413,
                content_type="text/plain",
            )
        return self.get_response(request)


def client_ip(request):
    """The client's address for django-axes (``AXES_CLIENT_IP_CALLABLE``).

    With ``TRUSTED_PROXY_COUNT`` = N proxies in front of the app, each of which
    appends the address it received the request from to ``X-Forwarded-For`` (nginx's
    ``$proxy_add_x_forwarded_for``, most load balancers), the client is the N-th
    address from the right: anything further left was sent by the client and may be
    forged. Without proxies, or when the header is shorter than expected, it is the
    address that connected.
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if count and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def anonymous_rate(group, request):
    """The rate limit of ``group`` (``settings.RATE_LIMITS``) for anonymous clients;
    signed-in staff are not limited. ``None`` turns the limit off."""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return None
    return settings.RATE_LIMITS.get(group)


def _client_key(group, request):
    return client_ip(request) or "unknown"


def rate_limited(group, *, when=None):
    """Limit a view's anonymous requests per client address (django-ratelimit), with
    a 429 and ``Retry-After`` once the limit is reached; ``when(request)`` says which
    requests count (all by default). Pages served from the page cache never reach the
    view, so only the requests that do real work count."""

    def decorator(view):
        @functools.wraps(view)
        def limited(request, *args, **kwargs):
            if when is not None and not when(request):
                return view(request, *args, **kwargs)
            usage = get_usage(
                request,
                group=group,
                key=_client_key,
                rate=anonymous_rate,
                increment=True,
            )
            if usage is not None and usage["should_limit"]:
                response = HttpResponse(
                    _("Too many requests from your address: try again in a minute.")
                    + "\n",
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = str(max(1, usage["time_left"]))
                return response
            return view(request, *args, **kwargs)

        return limited

    return decorator


def is_search(request):
    """A list request with a search (``?q=``), the costly kind."""
    return bool(request.GET.get("q", "").strip())
