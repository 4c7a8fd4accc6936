"""tools/schema_diff.py: pg_dump's objects compared one by one, a table's columns in any order."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def schema_diff():
    spec = importlib.util.spec_from_file_location("schema_diff", ROOT / "tools" / "schema_diff.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["schema_diff"] = module
    spec.loader.exec_module(module)
    return module


def _dump(columns: list[str], index: str | None = None, key: str = "abc") -> str:
    lines = [
        f"\\restrict {key}",
        "--",
        "-- Name: t; Type: TABLE; Schema: public; Owner: -",
        "--",
        "",
        "CREATE TABLE public.t (",
        *[f"    {column}," for column in columns[:-1]],
        f"    {columns[-1]}",
        ");",
        "",
    ]
    if index:
        lines += ["--", "-- Name: t_idx; Type: INDEX; Schema: public; Owner: -", "--", "", index, ""]
    return "\n".join([*lines, f"\\unrestrict {key}"])


def test_the_column_order_and_the_restrict_keys_do_not_count(schema_diff):
    a = schema_diff.objects(_dump(["id bigint NOT NULL", "name text"], key="one"))
    b = schema_diff.objects(_dump(["name text", "id bigint NOT NULL"], key="two"))
    assert schema_diff.differences(a, b) == []


def test_a_changed_column_and_a_missing_index_are_reported(schema_diff):
    index = "CREATE INDEX t_idx ON public.t USING btree (name);"
    a = schema_diff.objects(_dump(["id bigint NOT NULL", "name text"], index))
    b = schema_diff.objects(_dump(["id integer NOT NULL", "name text"]))
    report = schema_diff.differences(a, b)
    assert len(report) == 2
    assert report[0].startswith("only in a: INDEX: public.t_idx")
    assert report[1].startswith("differs: TABLE: public.t")
    assert "-    id bigint NOT NULL" in report[1]
    assert "+    id integer NOT NULL" in report[1]
