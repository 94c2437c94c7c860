"""Shared fixtures: generated customers, and the command-line tool to
compare with."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

# 1,500 generated customers with known duplicates (no real person):
# `cargo run --example customers_csv -- 1500 > python/tests/data/customers.csv`
CUSTOMERS = HERE / "data" / "customers.csv"


def read_strings(path: Path) -> pa.Table:
    """A CSV file as a table of strings, an empty cell null."""
    with open(path, encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    return pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            null_values=[""],
            strings_can_be_null=True,
        ),
    )


@pytest.fixture(scope="session")
def customers() -> pa.Table:
    return read_strings(CUSTOMERS)


@pytest.fixture(scope="session")
def cli() -> str:
    """The `custodia` binary: $CUSTODIA_CLI, or one built in target/
    (`cargo build --features cli`). With $CUSTODIA_REQUIRE_CLI set (as in
    CI) a missing binary fails the tests that compare with it."""
    candidates = [os.environ.get("CUSTODIA_CLI")]
    candidates += [str(REPO / "target" / p / "custodia") for p in ("release", "debug")]
    candidates.append(shutil.which("custodia"))
    found = [c for c in candidates if c and Path(c).is_file() and os.access(c, os.X_OK)]
    if os.environ.get("CUSTODIA_CLI") in found:
        return os.environ["CUSTODIA_CLI"]
    if found:
        # The most recently built one: an older build may lack options.
        return max(found, key=lambda c: Path(c).stat().st_mtime)
    if os.environ.get("CUSTODIA_REQUIRE_CLI"):
        pytest.fail("no custodia binary: set CUSTODIA_CLI or run `cargo build --features cli`")
    pytest.skip("no custodia binary (cargo build --features cli)")
