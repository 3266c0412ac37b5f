"""The repository's own documentation: README.md and docs/ hold the rules, with no link leading out of the
repository (the README used to link the product brief beside the checkout, which a clone does not have), every
relative link and anchor resolving, and the stable codes the code really uses."""

import json
import re
import subprocess
from pathlib import Path

import pytest

from calls.models import REASONS

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [ROOT / "README.md", *DOCS]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
TEXT_SUFFIXES = {".md", ".py", ".html", ".txt", ".toml", ".cfg", ".ini", ".yml", ".yaml", ".sh", ".json", ""}


def _tracked_files() -> list[Path]:
    try:
        names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: every file but the usual dirt
        return [p for p in ROOT.rglob("*") if p.is_file() and not {".git", ".venv", "var", "node_modules"} & set(
            p.relative_to(ROOT).parts)]
    return [ROOT / name for name in names.decode().split("\0") if name]


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_slug(m) for m in re.findall(r"^#+\s+(.+?)\s*$", page.read_text(encoding="utf-8"), re.MULTILINE)}


def test_the_docs_exist_and_the_readme_points_at_them():
    names = {p.name for p in DOCS}
    assert {"README.md", "rules.md", "screening.md", "calls-and-minutes.md", "emergencies.md", "api.md",
            "operations.md", "planned.md"} <= names
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/README.md)" in readme


def test_no_tracked_file_links_outside_the_repository():
    outside = "../" + "shared"  # spelled apart so that this file does not find itself
    offenders = []
    for path in _tracked_files():
        if path.suffix not in TEXT_SUFFIXES or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if outside in text:
            offenders.append(str(path.relative_to(ROOT)))
        if path.suffix in {".md", ".html"}:
            for target in LINK.findall(text) + re.findall(r'href="([^"]+)"', text):
                if "://" in target or target.startswith(("#", "mailto:", "{", "/")):
                    continue
                resolved = (path.parent / target.split("#")[0]).resolve()
                if not resolved.is_relative_to(ROOT):
                    offenders.append(f"{path.relative_to(ROOT)} -> {target}")
    assert offenders == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if "://" in target or target.startswith("mailto:"):
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        missing = not resolved.exists() or not resolved.is_relative_to(ROOT)
        if missing or (anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved)):
            broken.append(target)
    assert broken == []


def _doc(name: str) -> str:
    return (ROOT / "docs" / name).read_text(encoding="utf-8")


def test_every_reason_code_of_the_call_decision_is_documented():
    page = _doc("calls-and-minutes.md")
    assert [code for code in REASONS if f"`{code}`" not in page] == []


def test_every_finding_kind_is_documented():
    from approvals.models import EntryFinding

    page = _doc("screening.md")
    assert [kind for kind in EntryFinding.Kind.values if f"`{kind}`" not in page] == []


@pytest.mark.django_db
def test_every_error_code_the_schema_documents_is_in_the_api_page(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    codes = set(re.findall(r"`([a-z_]+)`", " ".join(re.findall(r'"`code` is one of: ([^"]+)"', json.dumps(
        schema.json())))))
    assert {"malformed_json", "invalid_input", "unknown_inmate", "call_expired"} <= codes
    page = _doc("api.md")
    assert sorted(code for code in codes if f"`{code}`" not in page) == []


def test_every_setting_named_in_the_docs_exists():
    from django.conf import settings

    declared = set(dir(settings))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = {name for page in DOCS for name in re.findall(r"`([A-Z][A-Z0-9_]{3,})`", page.read_text("utf-8"))}
    unknown = sorted(name for name in named if name not in declared and f"`{name}`" not in readme)
    assert unknown == []


def test_the_policy_defaults_in_the_docs_are_the_models():
    from facilities.models import CallingPolicy

    page = _doc("rules.md")
    defaults = {f.name: f.default for f in CallingPolicy._meta.get_fields() if hasattr(f, "default")}
    assert defaults["monthly_minutes"] == 300 and "| monthly minutes | 300 |" in page
    assert defaults["per_call_minutes"] == 15 and "| per-call cap | 15 minutes |" in page
    assert defaults["call_gap_minutes"] == 60 and "| minutes from one call's start to the next | 60 |" in page
    assert defaults["reset_day"] == 1 and "| reset day of month | 1 |" in page
    assert defaults["list_size"] == 30 and "| phone list size | 30 |" in page
    assert defaults["review_target_days"] == 7 and "| review target | 7 days |" in page
    assert defaults["emergency_escalation_hours"] == 2 and "after | 2 hours |" in page
    start, end = defaults["calling_hours_start"], defaults["calling_hours_end"]
    assert f"| calling hours | {start:%H:%M} to {end:%H:%M} |" in page
