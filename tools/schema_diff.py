"""Compare the schemas of two PostgreSQL databases, object by object: e.g. one migrated with an old migration
history and one with its squashed replacement, which must come out the same.

    python tools/schema_diff.py postgres://postgres@127.0.0.1:5432/db_a postgres://postgres@127.0.0.1:5432/db_b

Each database is dumped with ``pg_dump --schema-only --no-owner`` (tables, columns, defaults, constraints,
indexes, functions with their bodies, triggers, sequences, extensions, grants and default privileges) and
split into pg_dump's objects (its ``-- Name: ...; Type: ...`` headers). A table's columns are compared as a
set: their order follows the history of ``ADD COLUMN``, not the models. Prints each object found on one side
only and a diff of each object that differs; exits 1 if there is any. Roles belong to the whole server and
are not compared.
"""

from __future__ import annotations

import difflib
import re
import subprocess
import sys

_HEADER = re.compile(r"^-- Name: (?P<name>.*?); Type: (?P<type>.*?); Schema: (?P<schema>.*?); Owner: .*$")


def dump(url: str) -> str:
    command = ["pg_dump", "--schema-only", "--no-owner", url]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603, S607 - a developer's tool


def _normalised(kind: str, lines: list[str]) -> list[str]:
    # \restrict and \unrestrict: a random key newer pg_dump releases write around the dump
    lines = [
        line for line in lines if line.strip() and not line.startswith(("--", "\\restrict", "\\unrestrict"))
    ]
    if kind != "TABLE":
        return lines
    # CREATE TABLE t (\n    column ...,\n    column ...\n); then ALTER TABLE ... lines, if any.
    try:
        end = lines.index(");")
    except ValueError:
        return lines
    columns = sorted(line.rstrip(",") for line in lines[1:end])
    return [lines[0], *columns, *lines[end:]]


def objects(text: str) -> dict[tuple[str, str, str], list[str]]:
    """pg_dump's objects, by (type, schema, name), each as its normalised lines."""
    found: dict[tuple[str, str, str], list[str]] = {}
    key = None
    for line in text.splitlines():
        match = _HEADER.match(line)
        if match:
            key = (match["type"], match["schema"], match["name"])
            found.setdefault(key, [])
        elif key is not None:
            found[key].append(line)
    return {key: _normalised(key[0], lines) for key, lines in found.items()}


def differences(a: dict, b: dict, labels: tuple[str, str] = ("a", "b")) -> list[str]:
    report = []
    for key in sorted(a.keys() | b.keys()):
        title = "{}: {}.{}".format(*key)
        if key not in b:
            report.append(f"only in {labels[0]}: {title}\n" + "\n".join(a[key]))
        elif key not in a:
            report.append(f"only in {labels[1]}: {title}\n" + "\n".join(b[key]))
        elif a[key] != b[key]:
            diff = difflib.unified_diff(a[key], b[key], *labels, lineterm="")
            report.append(f"differs: {title}\n" + "\n".join(diff))
    return report


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    found = [objects(dump(url)) for url in argv]
    report = differences(*found, labels=(argv[0], argv[1]))
    for entry in report:
        print(entry, end="\n\n")
    print(f"{len(found[0])} and {len(found[1])} objects; {len(report)} differences.")
    return 1 if report else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
