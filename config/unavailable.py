"""Database down: 503 with Retry-After (JSON under /api/, a readable page elsewhere), never a 500."""

from __future__ import annotations

import logging

from config.api.errors import database_unavailable, unavailable_response

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Catches a lost database in any view, in DEBUG too (the debug 500 page would answer otherwise);
    the API's own views already answer 503 through the exception handler."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_unavailable(exception):
            return None
        logger.warning("Database unavailable on %s: %s", request.path, exception)
        return unavailable_response(request)
