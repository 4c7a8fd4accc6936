"""The dependency locks: ``requirements/service.lock`` (what the image installs) and ``requirements/dev.lock``
(the service plus the test tools: what ``make install`` and CI install). Both pin every package, direct and
transitive, with the hashes of its published files, so an install gets exactly the bytes that were reviewed.

    python tools/locks.py write    # re-resolve both locks from pyproject.toml (uv, needs the package index)
    python tools/locks.py check    # offline: the locks were written from today's pyproject.toml and satisfy it
    python tools/locks.py fresh    # online: every locked package is the newest release of its allowed series

``fresh`` is how a security release reaches us: a package whose series has a newer release (Django 5.2.19
locked while 5.2.20 is out) fails it until ``write`` picks the release up. A package's series is what
pyproject.toml allows for a direct dependency (``Django~=5.2.0``: 5.2.x) and the locked major.minor for a
transitive one. Where the package index cannot be reached, ``fresh`` says BLOCKED and exits 2.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
LOCKS = {
    "service": (ROOT / "requirements" / "service.lock", ()),
    "dev": (ROOT / "requirements" / "dev.lock", ("dev",)),
}
FINGERPRINT_LINE = "# pyproject-fingerprint: "
INDEX = "https://pypi.org/simple/"
PYTHON = "3.11"
_PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)")


def _project() -> dict:
    return tomllib.loads(PYPROJECT.read_text())["project"]


def requirements_for(extras: tuple[str, ...]) -> list[Requirement]:
    project = _project()
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


def fingerprint(extras: tuple[str, ...]) -> str:
    """What a lock was resolved from: the requirement lines of pyproject.toml it covers."""
    lines = sorted(str(requirement) for requirement in requirements_for(extras))
    return hashlib.sha256(json.dumps(lines).encode()).hexdigest()


def pins(lock: Path) -> dict[str, Version]:
    found = {}
    for line in lock.read_text().splitlines():
        match = _PIN.match(line)
        if match:
            found[canonicalize_name(match.group(1))] = Version(match.group(2))
    return found


def write() -> None:
    for name, (lock, extras) in LOCKS.items():
        lock.parent.mkdir(exist_ok=True)
        command = [
            sys.executable, "-m", "uv", "pip", "compile", str(PYPROJECT.relative_to(ROOT)), "--universal",
            "--python-version", PYTHON, "--generate-hashes", "--no-header",
        ]  # fmt: skip
        for extra in extras:
            command += ["--extra", extra]
        body = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout  # noqa: S603
        header = (
            f"# The {name} lock: written by `make lock` (python tools/locks.py write); do not edit by hand.\n"
            f"{FINGERPRINT_LINE}{fingerprint(extras)}\n"
        )
        lock.write_text(header + body)
        print(f"{lock.relative_to(ROOT)}: {len(pins(lock))} packages")


def check() -> list[str]:
    """Problems with the locks, without the network: written from another pyproject.toml, or a direct
    dependency missing or outside what pyproject.toml allows."""
    problems = []
    for lock, extras in LOCKS.values():
        if not lock.exists():
            problems.append(f"{lock.relative_to(ROOT)} is missing: run `make lock`.")
            continue
        text = lock.read_text()
        if f"{FINGERPRINT_LINE}{fingerprint(extras)}" not in text:
            problems.append(
                f"{lock.relative_to(ROOT)} was not written from today's pyproject.toml: run `make lock`."
            )
        locked = pins(lock)
        for requirement in requirements_for(extras):
            if requirement.marker is not None and not requirement.marker.evaluate():
                continue
            version = locked.get(canonicalize_name(requirement.name))
            if version is None:
                problems.append(f"{lock.relative_to(ROOT)}: {requirement.name} is not locked.")
            elif version not in requirement.specifier:
                problems.append(
                    f"{lock.relative_to(ROOT)}: {requirement.name}=={version} is outside {requirement}."
                )
        if "--hash=sha256:" not in text:
            problems.append(f"{lock.relative_to(ROOT)} carries no hashes.")
    return problems


def series(version: Version, direct: Requirement | None) -> SpecifierSet:
    """The releases that count as the same series as ``version``."""
    major, minor = (version.release + (0, 0))[:2]
    same_minor = SpecifierSet(f">={major}.{minor},<{major}.{minor + 1}")
    return same_minor & direct.specifier if direct is not None else same_minor


def _python_ok(requires: str | None) -> bool:
    if not requires:
        return True
    try:
        return Version(PYTHON + ".99") in SpecifierSet(requires) or Version(PYTHON) in SpecifierSet(requires)
    except Exception:  # noqa: BLE001 - a malformed Requires-Python on the index excludes nothing
        return True


def index_versions(name: str) -> list[Version]:
    request = urllib.request.Request(  # noqa: S310 - a fixed https URL
        f"{INDEX}{name}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        data = json.load(response)
    usable = set()
    for file in data.get("files", []):
        if file.get("yanked") or not _python_ok(file.get("requires-python")):
            continue
        for version in data.get("versions", []):
            if f"-{version}" in file["filename"] or f"-{version.replace('-', '_')}" in file["filename"]:
                usable.add(version)
    result = []
    for version in usable:
        try:
            parsed = Version(version)
        except InvalidVersion:
            continue
        if not parsed.is_prerelease:
            result.append(parsed)
    return result


def fresh() -> tuple[list[str], bool]:
    """(stale packages, index reachable)."""
    lock, extras = LOCKS["dev"]
    direct = {canonicalize_name(r.name): r for r in requirements_for(extras)}
    stale = []
    for name, version in sorted(pins(lock).items()):
        try:
            available = index_versions(name)
        except (urllib.error.URLError, TimeoutError, OSError):
            return [], False
        allowed = series(version, direct.get(name))
        newest = max((v for v in available if v in allowed), default=version)
        if newest > version:
            stale.append(f"{name}: {version} locked, {newest} released (series {allowed})")
    return stale, True


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "write":
        write()
        return 0
    if command == "check":
        problems = check()
        for problem in problems:
            print(problem)
        print("locks: match pyproject.toml" if not problems else "locks: OUT OF DATE")
        return 1 if problems else 0
    if command == "fresh":
        stale, reachable = fresh()
        if not reachable:
            print(
                f"locks fresh: BLOCKED, the package index ({INDEX}) cannot be reached; nothing was compared."
            )
            return 2
        for line in stale:
            print(line)
        count = len(pins(LOCKS["dev"][0]))
        print(
            f"locks fresh: {count - len(stale)} of {count} packages are the newest release of their series"
            + ("" if not stale else "; run `make lock` to take the newer releases")
        )
        return 1 if stale else 0
    print(__doc__)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
