"""Kept for the templates that ``{% load phone %}``: the one display library (``core.templatetags.display``,
a built-in) under its old name, so ``phone`` and ``who`` have one definition."""

from core.templatetags.display import register  # noqa: F401
