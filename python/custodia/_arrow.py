"""Moving tables in and out of the native module.

Rows cross as CSV (RFC 4180) written and read by Arrow's own CSV writer
and reader, so that the library reads them exactly as the command-line tool
reads a CSV file. Row references in the outputs (``_row``, ``cluster_id``,
``row_a``/``row_b``, ``_members``) are mapped from the CSV's line numbers
back to positions in the input table, from 0.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Optional

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

# The column added to a one-column table so that a row whose only value is
# missing is not a blank line (which CSV readers skip).
PAD = "__custodia_pad"


def to_table(data: Any) -> pa.Table:
    """An Arrow table from a pyarrow Table or RecordBatch, a pandas or
    Polars DataFrame, or anything with the Arrow C stream interface."""
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    module = type(data).__module__
    if module.startswith("pandas"):
        return pa.Table.from_pandas(data, preserve_index=False)
    if module.startswith("polars") and hasattr(data, "to_arrow"):
        return data.to_arrow()
    if hasattr(data, "__arrow_c_stream__"):
        return pa.table(data)
    raise TypeError(
        f"expected a pyarrow Table or RecordBatch, a pandas or Polars DataFrame, not {type(data).__name__}"
    )


def _as_text(column: pa.ChunkedArray, name: str) -> pa.ChunkedArray:
    kind = column.type
    if pa.types.is_string(kind):
        return column
    if pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return column.cast(pa.string())
    if pa.types.is_dictionary(kind):
        return column.cast(kind.value_type).cast(pa.string())
    if pa.types.is_null(kind):
        return pa.chunked_array([pa.nulls(len(column), pa.string())])
    if (
        pa.types.is_boolean(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_decimal(kind)
        or pa.types.is_date(kind)
        or pa.types.is_timestamp(kind)
    ):
        return column.cast(pa.string())
    raise TypeError(f"column `{name}`: type {kind} cannot be read as text")


class Encoded:
    """A table as CSV bytes, with what is needed to map line numbers back
    to row positions."""

    def __init__(self, data: Any) -> None:
        table = to_table(data)
        columns = [_as_text(table.column(i), name) for i, name in enumerate(table.column_names)]
        names = list(table.column_names)
        if len(names) == 1:
            columns.append(pa.chunked_array([pa.nulls(table.num_rows, pa.string())]))
            names.append(PAD)
        text = pa.Table.from_arrays(columns, names=names)
        self.rows = table.num_rows
        self.columns = names
        sink = io.BytesIO()
        pacsv.write_csv(text, sink, pacsv.WriteOptions(include_header=True))
        self.bytes = sink.getvalue()
        # The line each row starts on (the header is line 1), when a value
        # breaks a line; else row i starts on line i + 2.
        breaks = None
        for column in text.columns:
            n = pc.subtract(
                pc.add(pc.count_substring(column, "\n"), pc.count_substring(column, "\r")),
                pc.count_substring(column, "\r\n"),
            ).fill_null(0)
            breaks = n if breaks is None else pc.add(breaks, n)
        self.lines: Optional[pa.Array] = None
        if breaks is not None and table.num_rows and pc.sum(breaks).as_py():
            breaks = breaks.combine_chunks() if isinstance(breaks, pa.ChunkedArray) else breaks
            before = pc.subtract(pc.cumulative_sum(breaks), breaks)
            index = pa.array(range(table.num_rows), pa.int64())
            self.lines = pc.add(pc.add(before.cast(pa.int64()), index), 2)

    def line_of(self, row: int) -> int:
        """The CSV line that row position ``row`` starts on."""
        if not 0 <= row < self.rows:
            raise IndexError(f"row {row} is not a row of the table ({self.rows} rows)")
        return row + 2 if self.lines is None else int(self.lines[row].as_py())

    def row_of(self, lines: Any) -> pa.Array:
        """Input positions (from 0) of CSV line numbers."""
        lines = pc.cast(lines, pa.int64())
        if self.lines is None:
            return pc.subtract(lines, 2)
        return pc.index_in(lines, value_set=self.lines).cast(pa.int64())


def read_csv(data: Optional[bytes]) -> pa.Table:
    """A CSV output of the library as a table of strings (an empty value is
    null)."""
    if not data:
        return pa.table({})
    first = data.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8")
    names = next(csv.reader([first]))
    options = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in names},
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    table = pacsv.read_csv(
        io.BytesIO(data),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=options,
    )
    if PAD in table.column_names:
        table = table.drop_columns([PAD])
    return table


def replace(table: pa.Table, name: str, values: Any) -> pa.Table:
    """`table` with column `name` replaced (when it has it)."""
    if name not in table.column_names:
        return table
    return table.set_column(table.column_names.index(name), name, values)
