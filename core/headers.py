"""Headers on every answer of the portal (pages, CSV downloads, the API, the admin).

- ``Cache-Control: no-store``: every answer holds data about people in custody, so no browser or proxy cache
  may keep a copy (OWASP ASVS 8.2.1). Static files are answered by whitenoise before this middleware and keep
  their long cache lifetimes.
- ``Permissions-Policy``: no page of the portal uses the camera, microphone, location or other device
  features, so none may (a script injected into a page could not either).
"""

from __future__ import annotations

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in ("accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
                    "payment", "usb")
)


class PrivateAnswersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
