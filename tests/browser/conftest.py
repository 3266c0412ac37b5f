"""The browser and page fixtures are in tests/conftest.py (one Chromium per test module)."""
