"""custodia on Apache Spark: clean and mask a DataFrame on the executors.

Each executor runs the library on the Arrow batches of its partitions
(``DataFrame.mapInArrow``), exactly as :func:`custodia.clean` and
:func:`custodia.mask` run on one machine, so a row gets the same values
wherever it is processed. No row is lost: the result has one row per input
row, with every input column, plus

- ``_rejected`` (boolean): whether validation found an error;
- ``_issues`` (string): the reject's issue codes joined by ``;`` (null for
  a clean row).

A clean row holds normalized values (masked ones with :func:`mask`); a
rejected row holds its values as they came in with :func:`clean`, and no
value of a schema field with :func:`mask` (nothing unmasked is shown).
Columns outside the schema keep their Spark type and values; schema fields
and the columns the library adds (such as ``phone_extension``) are strings.

The executors need the ``custodia`` package installed (the same wheel as
the driver).
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence

import pyarrow as pa
import pyarrow.compute as pc

import custodia
from custodia import CustodiaError, Keys, Schema

__all__ = ["clean", "mask"]

REJECTED = "_rejected"
ISSUES = "_issues"


def _outside_schema(columns: Sequence[str], schema: Optional[Schema], mapping: Mapping[str, str]) -> set[str]:
    """The columns the library reads as no field of the schema: alone (and
    mapped, if mapped), each such column is an input whose header names no
    field."""
    outside = set()
    for name in columns:
        try:
            only = {name: mapping[name]} if name in mapping else None
            custodia.clean(pa.table({name: pa.array([], pa.string())}), schema, map=only)
        except CustodiaError as err:
            if err.name != "INPUT":
                raise
            outside.add(name)
    return outside


class _Plan:
    """What the executors need, made once on the driver: the library call,
    the output columns, and which of them pass through unchanged."""

    def __init__(
        self,
        df: Any,
        run: Callable[[pa.Table], tuple[pa.Table, pa.Table]],
        schema: Optional[Schema],
        options: Mapping[str, Any],
        hide_rejected: bool,
    ) -> None:
        from pyspark.sql.types import BooleanType, StringType, StructField, StructType

        columns = list(df.columns)
        empty = pa.table({name: pa.array([], pa.string()) for name in columns})
        rows, _ = run(empty)
        self.outside = _outside_schema(columns, schema, options.get("map") or {})
        self.columns = [c for c in rows.column_names if c != "_row"]
        self.hide_rejected = hide_rejected
        self.run = run
        fields = []
        for name in self.columns:
            kind = df.schema[name].dataType if name in self.outside else StringType()
            fields.append(StructField(name, kind, True))
        fields += [StructField(REJECTED, BooleanType(), False), StructField(ISSUES, StringType(), True)]
        self.schema = StructType(fields)

    def batches(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            if batch.num_rows:
                yield self.combine(batch)

    def combine(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        rows, rejects = self.run(pa.Table.from_batches([batch]))
        n = batch.num_rows
        if rows.num_rows + rejects.num_rows != n:
            raise RuntimeError(f"custodia: {rows.num_rows} rows and {rejects.num_rows} rejects for a batch of {n}")
        positions = pa.concat_arrays(
            [
                rows.column("_row").combine_chunks().cast(pa.int64()),
                rejects.column("_row").combine_chunks().cast(pa.int64()) if rejects.num_rows else pa.array([], pa.int64()),
            ]
        )
        order = pc.sort_indices(positions)

        def stacked(clean_part: pa.Array, reject_part: pa.Array) -> pa.Array:
            return pa.concat_arrays([clean_part, reject_part]).take(order)

        def part(table: pa.Table, name: str) -> pa.Array:
            if name in table.column_names and not (table is rejects and self.hide_rejected):
                return table.column(name).combine_chunks().cast(pa.string())
            return pa.nulls(table.num_rows, pa.string())

        arrays = []
        for name in self.columns:
            if name in self.outside:
                arrays.append(batch.column(batch.schema.get_field_index(name)))
            else:
                arrays.append(stacked(part(rows, name), part(rejects, name)))
        flags = pa.array([False] * rows.num_rows + [True] * rejects.num_rows, pa.bool_())
        arrays.append(flags.take(order))
        issues = rejects.column(ISSUES).combine_chunks() if rejects.num_rows else pa.array([], pa.string())
        arrays.append(stacked(pa.nulls(rows.num_rows, pa.string()), issues.cast(pa.string())))
        return pa.RecordBatch.from_arrays(arrays, names=self.columns + [REJECTED, ISSUES])


def _apply(df: Any, plan: _Plan) -> Any:
    return df.mapInArrow(plan.batches, plan.schema)


def clean(df: Any, schema: Optional[Schema] = None, **options: Any) -> Any:
    """Normalizes and validates every row of a Spark DataFrame on the
    executors; options as for :func:`custodia.clean` (``map``, ``drop``,
    ``warnings_column``, ``reject_on``, ``accept_possible_phones``).

    Returns a DataFrame with one row per input row (see the module docs);
    ``df.filter(~col("_rejected"))`` gives the clean rows.
    """
    schema_json = schema.to_json() if schema is not None else None

    def run(table: pa.Table) -> tuple[pa.Table, pa.Table]:
        return custodia.clean(table, Schema(schema_json) if schema_json else None, **options)

    return _apply(df, _Plan(df, run, schema, options, hide_rejected=False))


def mask(
    df: Any,
    schema: Optional[Schema] = None,
    policy: Optional[Any] = None,
    audience: str = "support",
    keys: Optional[Keys] = None,
    **options: Any,
) -> Any:
    """Cleans every row and masks it for ``audience`` on the executors;
    arguments as for :func:`custodia.mask`. Columns outside the schema are
    left out unless named in ``keep``. A rejected row keeps its place, with
    ``_rejected`` and ``_issues`` and no value of a schema field.

    ``keys`` travel to the executors inside the task closure: on a shared
    cluster, prefer a policy whose audience needs none, or protect the
    closure as you protect other secrets of the job.
    """
    schema_json = schema.to_json() if schema is not None else None
    policy_json = policy if policy is None or isinstance(policy, str) else json.dumps(policy)
    key_map: Optional[Mapping[str, Any]] = dict(keys) if keys is not None else None

    def run(table: pa.Table) -> tuple[pa.Table, pa.Table]:
        return custodia.mask(
            table, Schema(schema_json) if schema_json else None, policy_json, audience, key_map, **options
        )

    return _apply(df, _Plan(df, run, schema, options, hide_rejected=True))
