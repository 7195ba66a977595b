"""The one view: every request under the mount goes to the core's web app."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from .conf import core_request, get_state


@csrf_exempt  # the core refuses cross-site posts from origins not in ALLOWED_ORIGINS
@xframe_options_exempt  # the core's frame-ancestors decides who may frame a widget
def serve(request: HttpRequest, path: str = "") -> HttpResponse:
    """Answer with the core's web app; Django only carries the bytes."""
    state = get_state()
    answer = state.web.handle_stream(core_request(request), request)  # type: ignore[arg-type]
    response = HttpResponse(answer.body, status=answer.status)
    for name, value in answer.headers:
        response.headers[name] = value
    return response
