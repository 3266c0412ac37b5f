"""axe-core in the browser tests: every page a browser test visits is checked against WCAG 2.1 A and AA.

axe-core is the npm package in package.json (``make install`` runs ``npm ci``); its ``axe.min.js`` is added to every
document of a context as an init script, which the page's Content-Security-Policy does not apply to, so the portal's
CSP is never relaxed for the check.

``checked(page)`` wraps a Playwright page so that the check is automatic: before each call on the page, the document
on screen (once it has loaded) is checked if it has not been yet, so every page reached by ``goto``, a click or a
form is checked before the test acts on it or leaves it; ``finish()`` checks the last one and fails if a document
loaded without being checked (a page left by locator actions alone: call any page method on it). A violation fails
the test at once with a readable list: rule, impact, what to fix, the elements and the page.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA (Section 508 refers to WCAG 2.0 AA).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_RUN = """async (tags) => {
  if (window.__axeChecked) return null;
  window.__axeChecked = true;
  if (document.contentType !== 'text/html') return {url: location.href, violations: []};
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return {url: location.href, violations: result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html, summary: n.failureSummary})),
  }))};
}"""


class AccessibilityViolations(AssertionError):
    """axe-core found WCAG 2.1 A/AA violations on a page."""


def install(context) -> None:
    """Adds axe-core to every document the browser context opens (before the page's own scripts, CSP or not)."""
    if not AXE_SCRIPT.exists():
        raise RuntimeError(f"{AXE_SCRIPT} is missing: run `make install` (npm ci) first")
    context.add_init_script(path=str(AXE_SCRIPT))


def describe(url: str, violations: list[dict]) -> str:
    lines = [f"axe-core: {len(violations)} WCAG 2.1 A/AA violation(s) on {url}"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"][:8]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    at {node['target']}: {node['html'][:160]}")
            lines.append(f"       {summary[:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def check(page) -> str | None:
    """Checks the document on screen once (``None`` if it already was); raises on any violation, else its URL."""
    result = page.evaluate(_RUN, TAGS)
    if result is None:
        return None
    if result["violations"]:
        raise AccessibilityViolations(describe(result["url"], result["violations"]))
    return result["url"]


def recheck(page) -> str:
    """Checks the document on screen again: a state the page reached without loading (an open dialog)."""
    page.evaluate("window.__axeChecked = false")
    return check(page)


# Calls that do not act on the document (or that must not wait for it).
_PASS_THROUGH = {"on", "once", "remove_listener", "is_closed", "close", "set_default_timeout",
                 "set_default_navigation_timeout", "set_viewport_size", "route", "unroute", "expose_binding",
                 "expose_function", "add_init_script", "context"}


class CheckedPage:
    """A Playwright page whose every document is checked by axe-core (see the module's docstring)."""

    def __init__(self, page):
        self._page = page
        self._loads: list[str] = []
        self.checked: list[str] = []
        self.failed = False
        page.on("load", lambda p: self._loads.append(p.url))

    def __getattr__(self, name):
        attribute = getattr(self._page, name)
        if not callable(attribute) or name in _PASS_THROUGH:
            return attribute

        def call(*args, **kwargs):
            self.check_current()
            return attribute(*args, **kwargs)

        return call

    @property
    def unwrapped(self):
        return self._page

    def check_current(self) -> None:
        page = self._page
        if page.is_closed() or page.url.startswith(("about:", "data:")):
            return
        page.wait_for_load_state("load")
        try:
            url = check(page)
        except AccessibilityViolations:
            self.failed = True
            raise
        except Exception as exc:  # the document went away under the check: check the one that replaced it
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
            page.wait_for_load_state("load")
            url = check(page)
        if url is not None:
            self.checked.append(url)

    def finish(self) -> None:
        """Checks the document on screen, then fails if any document loaded without being checked."""
        if self.failed:  # the test has already failed on a violation
            return
        self.check_current()
        if len(self._loads) > len(self.checked):
            raise AssertionError(
                "axe-core: a page loaded and was left without being checked (the test acted on it only through "
                f"locators; call a page method there).\nloaded: {self._loads}\nchecked: {self.checked}"
            )


def checked(page) -> CheckedPage:
    return page if isinstance(page, CheckedPage) else CheckedPage(page)
