"""What every app's page views share: the status of a form page and one page of a long list."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def form_status(request: HttpRequest) -> int:
    """The status of a page that shows a form: 400 when it answers a POST it refused (the form is shown
    again with its errors), 200 when it is only being opened."""
    return 400 if request.method == "POST" else 200


def page_of(request: HttpRequest, rows, *, per_page: int) -> Page:
    """The page of ``rows`` that ``?page=`` asks for: the last one past the end, the first one for anything
    that is not a number."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))
