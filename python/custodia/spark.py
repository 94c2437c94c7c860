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
    pair), ``golden`` (one merged record per cluster: ``cluster_id``, the
    schema's fields as text, ``_members`` and ``_sources`` as in
    :attr:`custodia.Outcome.golden`) and ``model`` (JSON)."""

    def __init__(self, rows: Any, pairs: Any, golden: Any, model: str) -> None:
        self.rows = rows
        self.pairs = pairs
        self.golden = golden
        self.model = model

    def __repr__(self) -> str:
        return f"Deduplicated(rows={self.rows!r}, pairs={self.pairs!r}, golden={self.golden!r})"


_STEPS: dict[tuple[str, int], Any] = {}


def _runs(table: pa.Table, names: Sequence[str]) -> list[tuple[int, int]]:
    """The (start, end) of each run of rows of ``table`` with the same
    values in the columns ``names``."""
    n = table.num_rows
    change = None
    for name in names:
        column = table.column(name)
        differs = pc.not_equal(column.slice(1), column.slice(0, n - 1))
        change = differs if change is None else pc.or_(change, differs)
    starts = [0] + ([i + 1 for i in pc.indices_nonzero(change).to_pylist()] if n > 1 else [])
    return list(zip(starts, starts[1:] + [n])) if n else []


def _whole_groups(names: Sequence[str], each: Callable[[pa.Table], pa.Table]) -> Callable[..., Iterator[pa.RecordBatch]]:
    """A ``mapInArrow`` function handing ``each`` tables of whole groups
    (rows with the same values in ``names``), many groups a call instead of
    one Python call per group (``applyInArrow``). Every row of a group must
    be in one partition, next to each other (repartition and sort within
    partitions by ``names``): a group an Arrow batch cuts is held back and
    completed by the next batch."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        held: Optional[pa.Table] = None
        for batch in batches:
            table = pa.Table.from_batches([batch])
            if held is not None:
                table = pa.concat_tables([held, table])
            runs = _runs(table, names)
            if not runs:
                continue
            cut = runs[-1][0]
            held = table.slice(cut)
            if cut:
                yield from each(table.slice(0, cut)).to_batches()
        if held is not None and held.num_rows:
            yield from each(held).to_batches()

    return run


def _steps(config_json: str, population: int = 0) -> Any:
    """The native steps for these settings, made once per worker."""
    key = (config_json, population)
    if key not in _STEPS:
        _STEPS[key] = custodia._native.DistributedDedupe(config_json, population)
    return _STEPS[key]


def _numbered(df: Any) -> Any:
    """``df`` with ``_row``, each row's position from 0 in the DataFrame's
    order (partition by partition), as ``RDD.zipWithIndex`` numbers them
    but without sending every row through Python pickling: one job counts
    the rows of each partition, then each Arrow batch is numbered from its
    partition's offset."""
    from pyspark import TaskContext
    from pyspark.sql.types import LongType, StructField, StructType

    # Counted where the rows are numbered (a projection the optimizer could
    # evaluate elsewhere might see other partitions).
    def count(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        n = sum(batch.num_rows for batch in batches)
        yield pa.RecordBatch.from_pydict({"p": [TaskContext.get().partitionId()], "n": [n]})

    counts = dict(df.mapInArrow(count, "p long, n long").collect())
    offsets, at = [], 0
    for partition in range(max(counts, default=-1) + 1):
        offsets.append(at)
        at += counts.get(partition, 0)

    def number(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        at = offsets[TaskContext.get().partitionId()]
        for batch in batches:
            rows = pa.array(range(at, at + batch.num_rows), pa.int64())
            at += batch.num_rows
            yield pa.RecordBatch.from_arrays([*batch.columns, rows], names=[*batch.schema.names, "_row"])

    return df.mapInArrow(number, StructType(list(df.schema.fields) + [StructField("_row", LongType(), False)]))


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
    merge_policy: Optional[Any] = None,
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
    matched pairs must fit there) and each is clustered on an executor;
    each cluster's golden record is merged on an executor (by
    ``merge_policy``, JSON, else the schema's), as one machine merges it.

    Columns are matched to schema fields by name (or by ``map``); other
    arguments as for :func:`custodia.dedupe`.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    spark = df.sparkSession
    effective = _settings(config, settings)
    if model is None:
        sample = df.limit(sample_rows).toArrow()
        model = custodia.dedupe(sample, schema, config=config, **settings).model
    model_json = model if isinstance(model, str) else json.dumps(model)
    section = custodia._dedupe_settings(model_json, config, merge_policy, settings)
    config_json = custodia._config(schema, ["clean", "dedupe"], settings, dedupe=section)

    # Row numbers in the DataFrame's order.
    indexed = _numbered(df)
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
    # Filled before use: the stages that read it may run side by side, and
    # each would clean every row again while the cache is empty.
    prepared.count()

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
        # Whole blocks, each sorted by (order key, row).
        rows = table.column("_row").to_pylist()
        steps = _steps(config_json)
        a: list[int] = []
        b: list[int] = []
        for start, end in _runs(table, ["rule", "key"]):
            for i, j in steps.block_pairs(end - start):
                x, y = rows[start + i], rows[start + j]
                a.append(min(x, y))
                b.append(max(x, y))
        return pa.table({"a": pa.array(a, pa.int64()), "b": pa.array(b, pa.int64())})

    keyed = records.select("_row", "order", F.posexplode("keys").alias("rule", "key")).where(F.col("key").isNotNull())
    # A block of one record makes no pair: counted and dropped in Spark.
    size = F.count(F.lit(1)).over(Window.partitionBy("rule", "key"))
    pairs = (
        keyed.withColumn("n", size)
        .where(F.col("n") > 1)
        .repartition("rule", "key")
        .sortWithinPartitions("rule", "key", "order", "_row")
        .mapInArrow(_whole_groups(["rule", "key"], block), "a long, b long")
    )
    window = int(effective.get("window", 4))
    if effective.get("sorted_neighbourhood", True) and window > 0:
        ordered = (
            records.select("_row", "order")
            .rdd.map(lambda r: ((bytes(r[1]), r[0]), r[0]))
            .sortByKey()
            .values()
            .zipWithIndex()
        )
        positions = spark.createDataFrame(ordered, "_row long, pos long").cache()
        # Each record with the `window` records after it in the order.
        after = positions.select(
            F.col("_row").alias("x"), F.explode(F.sequence(F.col("pos") + 1, F.col("pos") + window)).alias("pos")
        )
        near = after.join(positions, "pos").select(
            F.least("x", "_row").alias("a"), F.greatest("x", "_row").alias("b")
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
        # Whole components, each in row order.
        rows = table.column("_row").to_pylist()
        comps = table.column("comp").to_pylist()
        prepared_rows = list(zip(table.column("bytes").to_pylist(), table.column("counts").to_pylist()))
        steps = _steps(config_json, population)
        ids: list[int] = []
        for start, end in _runs(table, ["comp"]):
            local = {row: i for i, row in enumerate(rows[start:end])}
            edges = [(local[a], local[b], w) for a, b, w in shared.value.get(comps[start], [])]
            ids += steps.cluster(prepared_rows[start:end], rows[start:end], edges)
        return pa.table({"_row": pa.array(rows, pa.int64()), "cluster_id": pa.array(ids, pa.int64())})

    members = spark.createDataFrame(list(component.items()) or [(0, 0)], "_row long, comp long")
    if not component:
        members = members.limit(0)
    clustered = (
        records.join(members, "_row")
        .select("_row", "bytes", "counts", "comp")
        .repartition("comp")
        .sortWithinPartitions("comp", "_row")
        .mapInArrow(_whole_groups(["comp"], cluster), "_row long, cluster_id long")
    )
    usable = records.select("_row").join(clustered, "_row", "left").select(
        "_row", F.coalesce("cluster_id", "_row").alias("cluster_id")
    ).cache()
    rows = indexed.join(usable, "_row", "left").orderBy("_row")

    # 6. Golden records, merged on the executors: a cluster's rows go to
    # one partition, next to each other and in row order.
    fields = _steps(config_json).fields()
    golden_schema = pa.schema(
        [("cluster_id", pa.int64())]
        + [(name, pa.string()) for name in fields]
        + [("_members", pa.string()), ("_sources", pa.string())]
    )

    def golden(table: pa.Table) -> pa.Table:
        encoded = custodia.Encoded(table.select(columns))
        merged = _steps(config_json).golden(
            encoded.bytes, table.column("_row").to_pylist(), table.column("cluster_id").to_pylist()
        )
        out: dict[str, list[Any]] = {"cluster_id": [g[0] for g in merged]}
        for at, name in enumerate(fields):
            out[name] = [g[1][at] for g in merged]
        out["_members"] = [";".join(map(str, g[2])) for g in merged]
        out["_sources"] = [
            ";".join(f"{name}={row}" for name, row in zip(fields, g[3]) if row is not None) or None for g in merged
        ]
        return pa.Table.from_pydict(out, schema=golden_schema)

    golden_ddl = ", ".join(f"`{f.name}` {'long' if f.type == pa.int64() else 'string'}" for f in golden_schema)
    merged = (
        indexed.join(usable, "_row")
        .repartition("cluster_id")
        .sortWithinPartitions("cluster_id", "_row")
        .mapInArrow(_whole_groups(["cluster_id"], golden), golden_ddl)
    )
    return Deduplicated(rows, matched.orderBy("row_a", "row_b"), merged.orderBy("cluster_id"), model_json)
