"""custodia.spark on Spark's local mode (two executor threads)."""

from __future__ import annotations

import os
import sys

import pyarrow as pa
import pytest

import custodia

pyspark = pytest.importorskip("pyspark")
from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

import custodia.spark as cs  # noqa: E402

KEYS = {"pseudonym": bytes(range(32)), "token": "0f" * 16}


@pytest.fixture(scope="module")
def spark():
    # The Python workers run this interpreter (the one custodia is installed
    # in), not whichever `python3` comes first on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("custodia-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        # Small Arrow batches, so that a partition is several batches.
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "200")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="module")
def frame(spark, customers):
    # An extra typed column outside the schema, which must pass through.
    table = customers.append_column("score", pa.array(range(customers.num_rows), pa.int64()))
    return spark.createDataFrame(table.to_pandas()).repartition(3)


def by_customer(rows):
    return sorted(rows, key=lambda r: (r["customer_id"] or "", r["score"] if "score" in r else 0))


def test_clean_keeps_every_row_and_column(spark, frame, customers):
    out = cs.clean(frame)
    n = frame.count()
    rejected = out.filter(F.col("_rejected")).count()
    kept = out.filter(~F.col("_rejected")).count()
    assert n == customers.num_rows == kept + rejected
    assert rejected > 0
    for name in frame.columns:
        assert name in out.columns
    assert out.schema["score"].dataType == frame.schema["score"].dataType
    assert {"phone_extension", "_rejected", "_issues"} <= set(out.columns)
    assert out.filter(~F.col("_rejected") & F.col("_issues").isNotNull()).count() == 0
    assert sorted(r.score for r in out.select("score").collect()) == list(range(n))


def test_clean_gives_the_single_machine_values(spark, frame, customers):
    out = cs.clean(frame).toPandas()
    rows, rejects = custodia.clean(customers)
    local = rows.to_pandas().set_index("customer_id")
    spark_clean = out[~out["_rejected"]].set_index("customer_id")
    assert len(spark_clean) == len(local)
    for field in ("phone", "email", "birth_date", "country", "full_name"):
        assert spark_clean.loc[local.index, field].fillna("").tolist() == local[field].fillna("").tolist()
    spark_rejects = out[out["_rejected"]].set_index("customer_id").sort_index()
    local_rejects = rejects.to_pandas().set_index("customer_id").sort_index()
    assert spark_rejects["_issues"].tolist() == local_rejects["_issues"].tolist()
    # A rejected row keeps its values as they came in.
    assert spark_rejects["phone"].fillna("").tolist() == local_rejects["phone"].fillna("").tolist()


def test_mask_shows_nothing_unmasked(spark, frame, customers):
    out = cs.mask(frame, audience="analytics", keys=KEYS, keep=["score"])
    assert out.count() == customers.num_rows
    assert "score" in out.columns and "source" in out.columns
    masked, rejects = custodia.mask(customers, audience="analytics", keys=KEYS)
    pdf = out.toPandas()
    clean_rows = pdf[~pdf["_rejected"]]
    assert len(clean_rows) == masked.num_rows
    assert sorted(clean_rows["email"].dropna()) == sorted(v for v in masked.column("email").to_pylist() if v)
    bad = pdf[pdf["_rejected"]]
    assert len(bad) == rejects.num_rows
    assert bad["email"].isna().all() and bad["phone"].isna().all()
    assert bad["score"].notna().all()
    support = cs.mask(frame)
    assert "score" not in support.columns


def test_errors_reach_the_driver(spark, frame):
    with pytest.raises(custodia.CustodiaError):
        cs.clean(frame, reject_on=["no_such_code"])
    with pytest.raises(custodia.CustodiaError):
        cs.mask(frame, audience="analytics")  # its keys are missing


def test_dedupe_gives_the_clusters_of_one_machine(spark, customers):
    # Rows in their order (no shuffle before): row numbers are positions.
    df = spark.createDataFrame(customers.to_pandas())
    local = custodia.dedupe(customers)
    done = cs.dedupe(df)
    assert done.model == local.model  # trained on all rows, on the driver
    rows = done.rows.toPandas()
    assert rows["_row"].tolist() == list(range(customers.num_rows))
    assert rows["customer_id"].tolist() == customers.column("customer_id").to_pylist()
    assert rows["cluster_id"].tolist() == local.cluster_ids.to_pylist()
    pairs = done.pairs.toPandas()
    assert pairs[["row_a", "row_b"]].values.tolist() == local.pairs.select(["row_a", "row_b"]).to_pandas().values.tolist()
    assert [round(w, 4) for w in pairs["weight"]] == local.pairs.column("weight").to_pylist()
    assert_same_golden(done, local)


def assert_same_golden(done, local):
    """The golden records merged on the executors are one machine's:
    every cluster once, the same values, members and sources."""
    golden = done.golden.toArrow()
    assert golden.column_names == local.golden.column_names
    expected = local.golden.sort_by("cluster_id")
    assert golden.num_rows == expected.num_rows == len(set(local.cluster_ids.to_pylist()) - {None})
    for name in golden.column_names:
        assert golden.column(name).to_pylist() == expected.column(name).to_pylist(), name


def test_dedupe_with_a_given_model_and_blocks_cut_to_windows(spark, customers):
    part = customers.slice(0, 400)
    model = custodia.dedupe(customers).model
    settings = dict(max_block=3, window=2, threshold=0.8)
    local = custodia.dedupe(part, model=model, **settings)
    done = cs.dedupe(spark.createDataFrame(part.to_pandas()), model=model, **settings)
    assert done.model == model
    assert done.rows.toPandas()["cluster_id"].tolist() == local.cluster_ids.to_pylist()
    assert len(set(local.cluster_ids.to_pylist())) < part.num_rows
    assert_same_golden(done, local)


def test_golden_records_follow_the_merge_policy_across_batch_edges(spark, customers):
    # Longest value first: not the default, so a policy that did not reach
    # the executors would show. Batches of 200 rows (the session's Arrow
    # batch size) cut through clusters, which must still merge whole.
    policy = {"rules": ["longest", "most_recent"], "updated_field": "updated_at"}
    model = custodia.dedupe(customers).model
    local = custodia.dedupe(customers, model=model, merge_policy=policy)
    default = custodia.dedupe(customers, model=model)
    assert local.golden.column("full_name").to_pylist() != default.golden.column("full_name").to_pylist()
    done = cs.dedupe(spark.createDataFrame(customers.to_pandas()), model=model, merge_policy=policy)
    assert_same_golden(done, local)
    members = [len(m.split(";")) for m in local.golden.column("_members").to_pylist()]
    assert max(members) > 1


def test_rows_are_numbered_as_zip_with_index_numbers_them(spark):
    # Five partitions, the middle ones empty after the filter; batches of
    # 200 rows, so a partition is numbered over several batches.
    df = spark.range(0, 1000, numPartitions=5).where((F.col("id") < 300) | (F.col("id") >= 800))
    expected = [(row.id, index) for row, index in df.rdd.zipWithIndex().collect()]
    numbered = [(row.id, row._row) for row in cs._numbered(df).collect()]
    assert sorted(numbered) == sorted(expected)
    assert sorted(r for _, r in numbered) == list(range(500))
