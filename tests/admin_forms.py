"""Complete, valid admin forms for the permission tests: what a browser would post from a record's change page
if editing were allowed (``change_form_data``), or from its add page (``add_form_data``), each checked valid by the
form itself, so that a refusal means a refusal and not a bad form. Used by ``tests/test_admin_matrix.py`` and the
admin tests of the apps."""

from __future__ import annotations

from html.parser import HTMLParser

from django.http import QueryDict
from django.test import RequestFactory


class FormInputs(HTMLParser):
    """What a browser sends from one form: inputs, checked boxes, selected options, text areas."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._multiple = False
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.append((name, a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._options, self._multiple = name, [], "multiple" in a
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._options if selected]
            if not chosen and not self._multiple and self._options:
                chosen = [self._options[0][0]]
            self.data.extend((self._select, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.data.append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None


def editable_admin(model_admin):
    """The same ModelAdmin with every write allowed: its change page is the form a browser would post."""
    allow = {name: (lambda self, request, *args, **kwargs: True)
             for name in ("has_add_permission", "has_change_permission", "has_delete_permission")}
    return type(f"Editable{type(model_admin).__name__}", (type(model_admin),), {**allow, "_may_write": lambda *a: True})(
        model_admin.model, model_admin.admin_site)


def to_querydict(pairs) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in pairs:
        data.appendlist(key, value)
    return data


def change_form_data(model_admin, obj, superuser) -> QueryDict:
    editable = editable_admin(model_admin)
    request = RequestFactory().get("/")
    request.user = superuser
    response = editable.change_view(request, str(obj.pk))
    response.render()
    parser = FormInputs(f"{model_admin.opts.model_name}_form")
    parser.feed(response.content.decode())
    data = to_querydict(p for p in parser.data if p[0] != "csrfmiddlewaretoken")
    form = editable.get_form(request, obj, change=True)(data, instance=obj)
    assert form.is_valid(), f"{model_admin.model.__name__}: the change form's own data is not valid: {form.errors}"
    return data


def add_form_data(model_admin, change_data: QueryDict, superuser) -> QueryDict:
    """The change form's values for a new record, with unique values made new (checked valid)."""
    editable = editable_admin(model_admin)
    request = RequestFactory().get("/")
    request.user = superuser
    data = change_data.copy()
    for key in list(data):  # inline rows describe the existing record's children: a new record starts without
        if "-" in key and not key.endswith(("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")):
            del data[key]
        elif key.endswith(("TOTAL_FORMS", "INITIAL_FORMS")):
            data[key] = "0"
    form_class = editable.get_form(request, None, change=False)
    for _attempt in range(3):
        form = form_class(data)
        if form.is_valid():
            return data
        for field in form.errors:
            if data.get(field):
                value = data[field]
                data[field] = value[:-1] + ("7" if value[-1] != "7" else "8") if value[-1].isdigit() else value + "x"
    return data  # still refused (e.g. a one-to-one already taken): posted anyway, the refusal must not change data
