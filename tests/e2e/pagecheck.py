"""What every explorer and operator page is checked for in the browser: no console error, no CSP violation, no
serious or critical accessibility violation (axe-core), and screenshots at desktop and phone widths; and the admin
login form's steps, which the operator pages' tests share."""

import json
import os
from pathlib import Path

from tests.factories import PASSWORD

REPO = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# Kept out of the repository (var/ is ignored); CI may point it elsewhere.
SCREENSHOTS = Path(os.environ.get("CDSC_SCREENSHOT_DIR", REPO / "var" / "screenshots"))
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


# Recorded by the page itself: the browser fires this event for every load or inline script/style the policy blocks.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile);
});
"""


def log_in(page, username: str = "staff") -> None:
    """Fill in and send the login form the page shows (the admin's, or the one a staff page sends a visitor to)."""
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


class PageWatch:
    """Collects a page's console errors, uncaught exceptions and CSP violations from the moment it is made."""

    def __init__(self, page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))

    def assert_clean(self) -> None:
        """No console error, no uncaught exception, no CSP violation on the page so far."""
        violations = self.page.evaluate("window.__cspViolations || []")
        assert self.errors == [] and violations == [], f"errors: {self.errors}; CSP violations: {violations}"


def assert_accessible(page, *, context: str | None = None) -> None:
    """axe-core's scan (WCAG 2 A and AA rules) finds no serious or critical violation on the page as it stands."""
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern (a script
    # element would be refused by it, as it should be).
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    result = page.evaluate("([context, options]) => axe.run(context || document, options)", [context, options])
    bad = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], json.dumps(bad, indent=1)


def screenshots(page, name: str) -> list[Path]:
    """The page at desktop and phone widths, whole, as PNG files named after it (then back at desktop width)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    paths = []
    for label, size in WIDTHS.items():
        page.set_viewport_size(size)
        path = SCREENSHOTS / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    page.set_viewport_size(WIDTHS["desktop"])
    return paths
