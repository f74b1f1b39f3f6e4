"""RFC 9457 problems: every error the app answers is application/problem+json."""

import json
import logging
from collections.abc import Callable
from http import HTTPStatus

from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import Resolver404

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> HttpResponse:
    """Answer with a problem, e.g. `return problem(409, "An account with this email already exists.")`."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    return HttpResponse(json.dumps(body), status=status, headers=headers, content_type=MEDIA_TYPE)


# Django's error views, named in app/urls.py (it uses them only while DEBUG is False).
def not_found(request: HttpRequest, exception: Http404) -> HttpResponse:
    """An unknown path, or `raise Http404("No such project.")` in a view."""
    if isinstance(exception, Resolver404) or not exception.args:
        return problem(404, f"There is no {request.path} here.")
    return problem(404, str(exception))


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return problem(400, "The request is malformed.")


def forbidden(request: HttpRequest, exception: Exception) -> HttpResponse:
    return problem(403, "This request is not allowed.")


def server_error(request: HttpRequest) -> HttpResponse:
    return problem(500, "The app failed on this request; its log says why.")


class ProblemMiddleware:
    """The errors that reach no error view: a method a view does not take, and the database down."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed):  # from @require_GET and its kind
            detail = f"{request.method} is not allowed on {request.path}."
            return problem(405, detail, {"Allow": response["Allow"]})
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError):
            log.warning("%s %s: the database does not answer: %s", request.method, request.path, exception)
            return problem(503, "The database does not answer.")
        return None
