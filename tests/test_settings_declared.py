"""Every setting the code reads is declared in config/settings (from the environment where it varies), so that
the README's configuration table is the whole story: no ``getattr(settings, NAME, default)`` hides a default in
the code (PORTAL_BASE_URL was one: e-mails to wardens carried relative links in production)."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from .test_project import ROOT, _production_env

# Third-party packages read their own optional settings with getattr; our code does not.
SKIP = {".venv", ".git", "node_modules", "var", "staticfiles", ".hypothesis", ".ruff_cache", "__pycache__"}


def _sources() -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP]
        found += [Path(folder) / name for name in files if name.endswith(".py")]
    return found


SOURCES = _sources()
SETTING = re.compile(r"\bsettings\.([A-Z][A-Z0-9_]*)\b")


def _code(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_no_code_reads_a_setting_with_a_hidden_default():
    pattern = re.compile(r"getattr\(\s*(django\.conf\.)?settings\b|hasattr\(\s*settings\b|settings\.__dict__")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in SOURCES if path.name != "test_settings_declared.py"
        for number, line in enumerate(_code(path).splitlines(), 1) if pattern.search(line)
    ]
    assert offenders == [], "declare the setting in config/settings/base.py and read settings.NAME: " + str(offenders)


def test_every_setting_the_code_reads_is_declared():
    used = {name for path in SOURCES if not {"tests", "settings"} & set(path.relative_to(ROOT).parts)
            for name in SETTING.findall(_code(path))}
    assert {"PORTAL_BASE_URL", "CALLS_RESET_CHUNK", "CALLS_COMPLETION_GRACE_MINUTES"} <= used
    assert sorted(name for name in used if not hasattr(settings, name)) == []


def test_the_portal_settings_are_in_the_readme_configuration_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    declared = set(re.findall(r"^([A-Z][A-Z0-9_]*) = env", _code(ROOT / "config/settings/base.py"), re.MULTILINE))
    assert {"PORTAL_BASE_URL", "CALLS_RESET_CHUNK", "CALLS_COMPLETION_GRACE_MINUTES"} <= declared
    for name in ("PORTAL_BASE_URL", "CALLS_RESET_CHUNK", "CALLS_COMPLETION_GRACE_MINUTES"):
        assert f"`{name}`" in readme, name


def _production_value(name: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", f"from django.conf import settings; print(settings.{name})"],
        check=False, cwd=ROOT, env={**_production_env(), **env}, capture_output=True, text=True, timeout=120,
    )


def test_production_requires_an_https_portal_base_url():
    env = _production_env()
    del env["PORTAL_BASE_URL"]
    result = subprocess.run([sys.executable, "manage.py", "check"], check=False, cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and "PORTAL_BASE_URL" in result.stderr
    result = _production_value("PORTAL_BASE_URL", PORTAL_BASE_URL="http://portal.example.org")
    assert result.returncode != 0 and "must be the portal's https address" in result.stderr
    result = _production_value("PORTAL_BASE_URL", PORTAL_BASE_URL="https://portal.example.org/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "https://portal.example.org"


def test_every_environment_variable_the_settings_read_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = {name for path in (ROOT / "config" / "settings").glob("*.py")
             for name in re.findall(r"\benv(?:\.[a-z]+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", _code(path))}
    assert {"PORTAL_BASE_URL", "DATABASE_URL", "DJANGO_SECRET_KEY"} <= names
    assert sorted(name for name in names if f"`{name}`" not in readme) == []
