"""The API's errors (DRF's ``EXCEPTION_HANDLER``): a parameter the register cannot
read is a 400 whose body names it, ``{"errors": {"signed_after": ["Enter a valid
date."]}}``; anything else is DRF's own answer, ``{"detail": "..."}``."""

from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's answers, with the errors of bad parameters under ``errors``."""
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        detail = response.data
        if not isinstance(detail, dict):
            detail = {"parameters": detail}
        response.data = {"errors": detail}
    return response
