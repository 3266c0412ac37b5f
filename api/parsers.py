"""The API's one JSON parser: DRF's, answering 400 ``malformed_json`` to a body nested too deeply.

Python's JSON decoder recurses once per nesting level; a body of 100,000 ``[`` (a few hundred kilobytes, well
under the upload limit) raises RecursionError, which DRF does not catch, and the request answered 500.
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
