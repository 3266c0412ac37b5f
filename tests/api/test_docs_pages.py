"""The vendor's engineers read the API in the app itself: Swagger UI and Redoc from the app's own static
files (drf-spectacular-sidecar), no CDN, no log-in needed (like the schema)."""

import re

import pytest
from django.contrib.staticfiles import finders


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', html)


@pytest.mark.parametrize("path,asset", [("/api/docs/", "swagger-ui"), ("/api/redoc/", "redoc")])
def test_the_api_docs_are_served_by_the_app_from_its_own_static_files(client, path, asset):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    # Swagger UI's start-up script is its own address (no inline script under the CSP): the schema is named there.
    script = re.search(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', html)
    if path == "/api/docs/":
        assert script, html
        started = client.get(script.group(1).replace("&amp;", "&"))
        assert started.status_code == 200 and started["Content-Type"].startswith("application/javascript")
        html += started.content.decode()
    assert "/api/schema/" in html
    assets = _assets(html)
    assert any(asset in a for a in assets), assets
    for url in assets:
        assert url.startswith("/static/"), f"{url} is not served by the app"
        assert finders.find(url.removeprefix("/static/")), f"{url} is not among the app's static files"
