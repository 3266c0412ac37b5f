"""The API's reference pages under the Content-Security-Policy (no inline script or style).

Swagger UI (/api/docs/) is drf-spectacular's split view: its start-up script is served from its own address.
Redoc (/api/redoc/) writes its styles as <style> elements at run time (styled-components), which no static file can
hold: on that page only, ``style-src`` also allows the answer's nonce, which the page hands to Redoc
(templates/drf_spectacular/redoc.html, static/js/redoc-init.js) so that Redoc puts it on each style element, and
the hashes of the two fixed style elements its bundle adds as it loads (before it can be given the nonce: one
empty, one of scroll-bar rules; a new drf-spectacular-sidecar may change them, and
tests/browser/test_csp_chromium.py then reports the violation with the new hash). Its search runs in a worker the
bundle starts from a blob: address, allowed for workers on that page (only a script the policy let run can start
one). Scripts stay 'self' only. The one thing still refused there is Redocly's logo from its CDN (the page hides it).
"""

from __future__ import annotations

from csp.constants import NONCE
from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView

REDOC_BUNDLE_STYLES = ("'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
                       "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='")


class RedocView(SpectacularRedocView):
    @extend_schema(exclude=True)
    @method_decorator(csp_update({"style-src": [NONCE, *REDOC_BUNDLE_STYLES], "worker-src": ["'self'", "blob:"]}))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
