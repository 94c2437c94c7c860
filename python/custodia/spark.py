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

__all__ = ["Deduplicated", "clean", "dedupe", "mask"]

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


class Deduplicated:
    """What :func:`dedupe` found: ``rows`` (the input rows with ``_row``,
    their position from 0, and ``cluster_id``, the ``_row`` of the
    cluster's first record; null for a row that could not be read as a
    record), ``pairs`` (``row_a``, ``row_b``, ``weight`` of each matched
    pair) and ``model`` (JSON)."""

    def __init__(self, rows: Any, pairs: Any, model: str) -> None:
        self.rows = rows
        self.pairs = pairs
        self.model = model

    def __repr__(self) -> str:
        return f"Deduplicated(rows={self.rows!r}, pairs={self.pairs!r})"


_STEPS: dict[tuple[str, int], Any] = {}


def _steps(config_json: str, population: int = 0) -> Any:
    """The native steps for these settings, made once per worker."""
    key = (config_json, population)
    if key not in _STEPS:
        _STEPS[key] = custodia._native.DistributedDedupe(config_json, population)
    return _STEPS[key]


def _settings(config: Optional[Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """The effective dedupe settings (defaults, then ``config``, then the
    keywords that are not row options)."""
    merged = json.loads(custodia._native.defaults("dedupe"))
    merged.update(custodia._json_value(config) or {})
    merged.update({k: v for k, v in settings.items() if k not in custodia._ROW_OPTIONS})
    return merged


def dedupe(
    df: Any,
    schema: Optional[Schema] = None,
    *,
    model: Optional[Any] = None,
    sample_rows: int = 200_000,
    config: Optional[Any] = None,
    **settings: Any,
) -> Deduplicated:
    """Finds the records of one customer in a Spark DataFrame, across the
    executors, with the clusters one machine finds
    (:func:`custodia.dedupe` or ``custodia dedupe --model``) for the same
    rows in the same order and the same model.

    The model is ``model`` (JSON), else one trained on the driver on the
    first ``sample_rows`` rows (all of them, when there are no more: then
    the clusters are those of a single-machine run without a model). The
    steps follow ``custodia::dedupe::distributed``: executors clean each row
    and compute its blocking keys; blocks are formed by a shuffle on the key
    (with the library's cap and window on large blocks) and by a global
    sort for the sorted neighbourhood; pairs are scored on the executors;
    the connected components of the matches are found on the driver (the
    matched pairs must fit there) and each is clustered on an executor.

    Columns are matched to schema fields by name (or by ``map``); other
    arguments as for :func:`custodia.dedupe`. Golden records are not made
    here.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType, StructField, StructType

    spark = df.sparkSession
    effective = _settings(config, settings)
    if model is None:
        sample = df.limit(sample_rows).toArrow()
        model = custodia.dedupe(sample, schema, config=config, **settings).model
    model_json = model if isinstance(model, str) else json.dumps(model)
    section = custodia._dedupe_settings(model_json, config, None, settings)
    config_json = custodia._config(schema, ["clean", "dedupe"], settings, dedupe=section)

    # Row numbers in the DataFrame's order.
    indexed_schema = StructType(list(df.schema.fields) + [StructField("_row", LongType(), False)])
    indexed = spark.createDataFrame(df.rdd.zipWithIndex().map(lambda p: (*p[0], p[1])), indexed_schema)
    columns = list(df.columns)

    # 1. Clean and prepare on the executors.
    def prepare(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            table = pa.Table.from_batches([batch])
            rows = table.column("_row").to_pylist()
            encoded = custodia.Encoded(table.select(columns))
            done = _steps(config_json).prepare(encoded.bytes)
            out: dict[str, list[Any]] = {"_row": [], "keys": [], "order": [], "terms": [], "bytes": []}
            for row, prepared in zip(rows, done):
                if prepared is None:
                    continue
                keys, order, terms, data = prepared
                for name, value in zip(("_row", "keys", "order", "terms", "bytes"), (row, keys, order, terms, data)):
                    out[name].append(value)
            yield pa.RecordBatch.from_pydict(
                out,
                schema=pa.schema(
                    [
                        ("_row", pa.int64()),
                        ("keys", pa.list_(pa.int64())),
                        ("order", pa.binary()),
                        ("terms", pa.list_(pa.string())),
                        ("bytes", pa.binary()),
                    ]
                ),
            )

    prepared = indexed.mapInArrow(
        prepare, "_row long, keys array<long>, order binary, terms array<string>, bytes binary"
    ).cache()

    # 2. Term counts over the whole input.
    terms = prepared.select("_row", F.posexplode("terms").alias("c", "key"))
    counts = terms.groupBy("c", "key").agg(F.count(F.lit(1)).cast("int").alias("n"))
    per_row = (
        terms.join(counts, ["c", "key"])
        .groupBy("_row")
        .agg(F.sort_array(F.collect_list(F.struct("c", "n"))).alias("tc"))
        .select("_row", F.transform("tc", lambda s: s["n"]).alias("counts"))
    )
    records = (
        prepared.join(per_row, "_row", "left")
        .select("_row", "keys", "order", "bytes", F.coalesce("counts", F.array().cast("array<int>")).alias("counts"))
        .cache()
    )
    population = records.count()

    # 3. Candidate pairs: blocks by (rule, key), and the sorted neighbourhood.
    def block(table: pa.Table) -> pa.Table:
        members = sorted(zip(table.column("order").to_pylist(), table.column("_row").to_pylist()))
        rows = [row for _, row in members]
        found = _steps(config_json).block_pairs(len(rows))
        a = [min(rows[i], rows[j]) for i, j in found]
        b = [max(rows[i], rows[j]) for i, j in found]
        return pa.table({"a": pa.array(a, pa.int64()), "b": pa.array(b, pa.int64())})

    keyed = records.select("_row", "order", F.posexplode("keys").alias("rule", "key")).where(F.col("key").isNotNull())
    pairs = keyed.groupBy("rule", "key").applyInArrow(block, "a long, b long")
    if effective.get("sorted_neighbourhood", True):
        window = int(effective.get("window", 4))
        ordered = (
            records.select("_row", "order")
            .rdd.map(lambda r: ((bytes(r[1]), r[0]), r[0]))
            .sortByKey()
            .values()
            .zipWithIndex()
        )
        positions = spark.createDataFrame(ordered, "_row long, pos long")
        offsets = spark.range(1, window + 1).withColumnRenamed("id", "o")
        x, y = positions.alias("x"), positions.alias("y")
        near = (
            x.crossJoin(offsets)
            .join(y, F.col("y.pos") == F.col("x.pos") + F.col("o"))
            .select(F.least("x._row", "y._row").alias("a"), F.greatest("x._row", "y._row").alias("b"))
        )
        pairs = pairs.unionByName(near)
    pairs = pairs.distinct()

    # 4. Scores, on the executors.
    left = records.select(F.col("_row").alias("a"), F.col("bytes").alias("ba"), F.col("counts").alias("ca"))
    right = records.select(F.col("_row").alias("b"), F.col("bytes").alias("bb"), F.col("counts").alias("cb"))

    def score(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            data = batch.to_pydict()
            weights = _steps(config_json, population).score(
                list(zip(data["ba"], data["ca"])),
                list(zip(data["bb"], data["cb"])),
            )
            keep = [i for i, w in enumerate(weights) if w is not None]
            yield pa.RecordBatch.from_pydict(
                {
                    "row_a": pa.array([data["a"][i] for i in keep], pa.int64()),
                    "row_b": pa.array([data["b"][i] for i in keep], pa.int64()),
                    "weight": pa.array([weights[i] for i in keep], pa.float64()),
                }
            )

    matched = pairs.join(left, "a").join(right, "b").mapInArrow(score, "row_a long, row_b long, weight double").cache()

    # 5. Connected components on the driver; each clustered on an executor.
    found = [(r.row_a, r.row_b, r.weight) for r in matched.collect()]
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _ in found:
        ra, rb = root(a), root(b)
        parent[max(ra, rb)] = min(ra, rb)
    component = {row: root(row) for row in list(parent)}
    inside: dict[int, list[tuple[int, int, float]]] = {}
    for a, b, w in found:
        inside.setdefault(component[a], []).append((a, b, w))
    shared = spark.sparkContext.broadcast(inside)

    def cluster(table: pa.Table) -> pa.Table:
        rows = table.column("_row").to_pylist()
        local = {row: i for i, row in enumerate(rows)}
        edges = [(local[a], local[b], w) for a, b, w in shared.value.get(table.column("comp")[0].as_py(), [])]
        ids = _steps(config_json, population).cluster(
            list(zip(table.column("bytes").to_pylist(), table.column("counts").to_pylist())),
            rows,
            edges,
        )
        return pa.table({"_row": pa.array(rows, pa.int64()), "cluster_id": pa.array(ids, pa.int64())})

    members = spark.createDataFrame(list(component.items()) or [(0, 0)], "_row long, comp long")
    if not component:
        members = members.limit(0)
    clustered = (
        records.join(members, "_row")
        .select("_row", "bytes", "counts", "comp")
        .groupBy("comp")
        .applyInArrow(cluster, "_row long, cluster_id long")
    )
    usable = records.select("_row").join(clustered, "_row", "left").select(
        "_row", F.coalesce("cluster_id", "_row").alias("cluster_id")
    )
    rows = indexed.join(usable, "_row", "left").orderBy("_row")
    return Deduplicated(rows, matched.orderBy("row_a", "row_b"), model_json)
