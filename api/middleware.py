"""The API's answer to an address under ``/api/`` that names no view."""

from __future__ import annotations

from api.errors import not_found_response


class ApiNotFoundMiddleware:
    """Under ``/api/``, every 404 is the API's JSON 404 (its error shape), in DEBUG too.

    The API's views answer their own 404s in that shape; an address under ``/api/`` that names no view is
    answered by Django's URL resolver with an HTML page (a technical one in DEBUG), which a client
    expecting JSON cannot read. Placed inside the language middleware: the answer is in the caller's
    language, like every API error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return not_found_response()
        return response
