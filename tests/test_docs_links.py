"""The documentation holds together: every relative link in README.md, SECURITY.md and docs/ points to a
file (and heading) that exists, every page under docs/ can be reached from the README, and the README
stays short enough for a newcomer to read."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README_MAX_LINES = 200
DOCUMENTS = sorted([ROOT / "README.md", ROOT / "SECURITY.md", *(ROOT / "docs").rglob("*.md")])

_FENCE = re.compile(r"^(```|~~~)")
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:, ...


def _prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks (a link-like text in a code sample is no link)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line.strip()):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def links(text: str) -> list[str]:
    # Nor is one in inline code.
    return [target for line in _prose_lines(text) for target in _LINK.findall(re.sub(r"`[^`]*`", "", line))]


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading).strip().lower()
    kept = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(text: str) -> set[str]:
    found, seen = set(), {}
    for line in _prose_lines(text):
        match = _HEADING.match(line)
        if match:
            slug = _slug(match.group(2))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def broken_links(document: Path, root: Path = ROOT) -> list[str]:
    """The relative links of ``document`` whose file, or heading, does not exist (or is outside ``root``)."""
    broken = []
    for target in links(document.read_text()):
        if _EXTERNAL.match(target):
            continue
        path_part, _hash, anchor = target.partition("#")
        path = (document.parent / path_part).resolve() if path_part else document
        if root not in path.parents and path != root:
            broken.append(f"{target} (outside the repository)")
        elif not path.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path.read_text()):
            broken.append(f"{target} (no such heading)")
    return broken


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_points_to_an_existing_file_and_heading(document):
    assert broken_links(document) == []


def test_every_page_under_docs_is_reachable_from_the_readme():
    reached, queue = set(), [ROOT / "README.md"]
    while queue:
        document = queue.pop()
        if document in reached or not document.exists() or document.suffix != ".md":
            continue
        reached.add(document)
        for target in links(document.read_text()):
            path_part = target.partition("#")[0]
            if path_part and not _EXTERNAL.match(target):
                queue.append((document.parent / path_part).resolve())
    unreachable = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md") if p not in reached)
    assert unreachable == []


def test_the_readme_is_short():
    assert len((ROOT / "README.md").read_text().splitlines()) <= README_MAX_LINES


def test_the_checks_catch_what_they_look_for(tmp_path):
    """A broken file link, a broken heading link, a link out of the tree, and a link-like text in a code
    sample (which is no link)."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other\n\n## Día a día: `code`\n")
    document = tmp_path / "docs" / "page.md"
    document.write_text(
        "# Title\n\n`[code](inline.md)` [ok](#title) [ok](other.md#día-a-día-code) [gone](missing.md) [bad](#nowhere)\n"
        "[bad](other.md#elsewhere) [out](../../x.md) [web](https://example.org/x.md)\n\n"
        "```\n[code](nothing.md)\n```\n"
    )
    assert broken_links(document, root=tmp_path) == [
        "missing.md (no such file)",
        "#nowhere (no such heading)",
        "other.md#elsewhere (no such heading)",
        "../../x.md (outside the repository)",
    ]
    assert "no-personal-data-in-addresses-urls" in anchors("## No personal data in addresses (URLs)")
    assert "retries-idempotency-key" in anchors("## Retries: Idempotency-Key")
