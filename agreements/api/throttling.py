"""The API's throttle (DRF's ``DEFAULT_THROTTLE_CLASSES``): a module of its own,
as DRF imports it while it builds its views."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

from ..security import client_ip


class AnonymousThrottle(AnonRateThrottle):
    """``settings.RATE_LIMITS["api"]`` requests per client address (read at each
    request, so the environment or a test sets it; ``None``: no limit), the
    address as django-axes and the pages' limits read it."""

    scope = "api"

    def get_rate(self):
        return settings.RATE_LIMITS.get("api")

    def get_cache_key(self, request, view):
        return self.cache_format % {
            "scope": self.scope,
            "ident": client_ip(request) or "unknown",
        }
