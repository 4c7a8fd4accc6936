"""Quality checks a browser test runs on a page: axe-core's accessibility rules (vendored in
``tests/e2e/vendor/axe-core``, injected into the page, never served) and the absence of a horizontal page
scroll."""

from __future__ import annotations

from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
BLOCKING = ("serious", "critical")

_RUN = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))
}))"""

_OVERFLOWING = """() => {
  const width = window.innerWidth;
  return [...document.querySelectorAll('body *')]
    .filter(el => el.offsetParent !== null && el.getBoundingClientRect().right > width + 1)
    .slice(0, 8)
    .map(el => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${String(el.className).slice(0, 40)}`);
}"""


def axe_violations(page) -> list[dict]:
    """The page's serious and critical accessibility violations (rule, help, first elements)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_SOURCE)  # the test's browser context bypasses the CSP
    return [v for v in page.evaluate(_RUN) if v["impact"] in BLOCKING]


def horizontal_overflow(page) -> list[str]:
    """Elements that stick out of the viewport's width when the page scrolls sideways; empty when not."""
    if page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"):
        return []
    return page.evaluate(_OVERFLOWING) or ["(the page scrolls sideways)"]
