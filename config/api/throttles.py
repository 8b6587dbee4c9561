"""Throttling per API key (and per user for tokens and sessions): over the rate answers 429."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .caller import integration_key_of

DEFAULT_RATES = {"integration": "1200/min", "user": "600/min"}


class PerCallerRateThrottle(SimpleRateThrottle):
    """One bucket per integration key (scope `integration`) or per user (scope `user`)."""

    scope = "user"

    def __init__(self):
        # The rate depends on the caller, so it is chosen in allow_request, not here.
        pass

    def get_rate(self):
        # Read at call time so settings overrides (tests, deployments) take effect without a restart.
        rates = {**DEFAULT_RATES, **settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})}
        return rates.get(self.scope)

    def allow_request(self, request, view):
        user = request.user
        key = integration_key_of(request)
        if key is not None:
            self.scope = "integration"
            self.ident = f"key:{key.pk}"
        elif getattr(user, "is_authenticated", False):
            self.scope = "user"
            self.ident = f"user:{user.pk}"
        else:
            return True
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}
