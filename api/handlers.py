"""Django's error views for the whole site, answering JSON ``{code, message}`` under /api/.

Errors raised inside the API's views go through ``api.errors.exception_handler``; these cover what happens
outside them: a path that matches no endpoint (an unknown URL, or a path parameter holding a slash), a request
Django refuses before the view (a body over DATA_UPLOAD_MAX_MEMORY_SIZE read outside DRF, a bad Host), and an
unhandled crash. Other paths get Django's usual pages.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.views import defaults


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def bad_request(request, exception=None):
    if _is_api(request):
        return JsonResponse({"code": "bad_request", "message": "The request could not be understood."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        return JsonResponse({"code": "forbidden", "message": str(exception or "") or "Forbidden."}, status=403)
    return defaults.permission_denied(request, exception)


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse({"code": "not_found", "message": "No API endpoint at this address."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse(
            {"code": "server_error", "message": "Something went wrong on our side; the error was logged."}, status=500
        )
    return defaults.server_error(request)
