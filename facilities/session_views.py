"""The idle warning's keep-alive: a signed-in user who chooses to stay signed in (static/js/idle-warning.js)."""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_POST


@require_POST
def keepalive(request):
    """Saves the session, so its idle clock (``SESSION_COOKIE_AGE``) starts again; 204, nothing else changes.

    A session that has already ended is not brought back: 401 with ``{code, message}``, and the page sends the
    user to log in. The second factor and the absolute session limit are checked by the middleware as for any
    request."""
    if not request.user.is_authenticated:
        return JsonResponse({"code": "signed_out", "message": "Your session has ended. Log in again."}, status=401)
    request.session.modified = True
    return HttpResponse(status=204)
