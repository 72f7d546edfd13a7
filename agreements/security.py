"""Request-level safeguards the settings wire in: a cap on the request body and the
client address django-axes locks out when the app runs behind proxies."""

from django.conf import settings
from django.http import HttpResponse


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
