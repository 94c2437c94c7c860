#!/usr/bin/env python3
"""custodia.spark.dedupe on Spark's local mode against the command line, in one run.

    VENV/bin/python scripts/bench_spark.py --rows 1000000

Run it with an interpreter that has the `custodia` package (built with
`--release`: `maturin develop --release`, or a wheel from `maturin build
--release`), `pyarrow` and `pyspark` installed; Spark needs Java 17. Run `cargo build
--release --features cli` first (or pass `--custodia PATH`).

It writes the synthetic US-style file of `scripts/compare_splink.py` (same
generator, same seed), then runs, each in its own process, one after the
other:

  * `custodia dedupe` with default settings, writing rows and golden
    records and saving the model it trained;
  * `custodia.spark.dedupe` with that model on `local[1]` and on
    `local[2]` (one and two executor threads), reading the same file and
    writing rows and golden records to Parquet;

and prints wall time, the peak resident memory of the whole process tree
(the Python driver, the JVM and the Python workers, sampled every 0.2 s),
whether the cluster ids and golden records equal the command line's, and
pairwise F1 against the generator's truth.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_splink import generate, pairwise, read_truth  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

SPARK_JOB = r'''
import os, sys
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers run this interpreter
from pyspark.sql import SparkSession
import custodia.spark as cs
input_path, model_path, out_dir, cores = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
spark = (
    SparkSession.builder.master(f"local[{cores}]")
    .config("spark.driver.memory", "8g")
    .config("spark.sql.shuffle.partitions", str(4 * cores))
    .config("spark.ui.enabled", "false")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
df = spark.read.csv(input_path, header=True)  # every column a string
done = cs.dedupe(df, model=open(model_path).read())
done.rows.select("_row", "cluster_id").write.parquet(out_dir + "/rows")
done.golden.write.parquet(out_dir + "/golden")
spark.stop()
'''


def tree_rss(root: int) -> int:
    """Resident bytes of `root` and every process below it."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parent, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def measure(args: list[str], ok: tuple[int, ...] = (0,)) -> dict:
    """Wall time and peak tree RSS of a command; fails on an exit code
    not in `ok`."""
    start = time.monotonic()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while child.poll() is None:
        peak = max(peak, tree_rss(child.pid))
        time.sleep(0.2)
    wall = time.monotonic() - start
    stderr = child.stderr.read().decode(errors="replace") if child.stderr else ""
    if child.returncode not in ok:
        sys.stderr.write(stderr[-4000:])
        raise SystemExit(f"{args[0]} failed with exit code {child.returncode}")
    return {"wall": wall, "rss": peak}


def cli_clusters(path: Path) -> tuple[list[str], list[int]]:
    """Customer ids and cluster ids (as row positions) of the command
    line's rows: a cluster id is its first record's input line, and the
    generated file has one line per record after the header."""
    ids, clusters = [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            ids.append(row["customer_id"])
            clusters.append(int(row["cluster_id"]) - 2)
    return ids, clusters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--python", type=Path, default=Path(sys.executable),
                        help="the interpreter that runs the Spark jobs (default: this one)")
    parser.add_argument("--custodia", type=Path, default=ROOT / "target/release/custodia")
    parser.add_argument("--cores", type=int, nargs="+", default=[1, 2], help="local[N] runs")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="custodia-spark-") as tmp:
        work = Path(tmp)
        input_path, truth_path = work / "input.csv", work / "truth.csv"
        generate(args.rows, args.seed, input_path, truth_path)
        truth = read_truth(truth_path)

        cli_dir = work / "cli"
        cli_dir.mkdir()
        model = cli_dir / "model.json"
        figures = {"custodia dedupe": measure([
            str(args.custodia), "dedupe", "--quiet", "-i", str(input_path), "-o", str(cli_dir / "rows.csv"),
            "--rejects", str(cli_dir / "rejects.csv"), "--golden", str(cli_dir / "golden.csv"),
            "--save-model", str(model)], ok=(0, 1))}  # 1: some rows have errors
        ids, expected = cli_clusters(cli_dir / "rows.csv")
        results = {"custodia dedupe": expected}

        import pyarrow as pa
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        for cores in args.cores:
            name = f"spark local[{cores}]"
            out_dir = work / f"spark{cores}"
            figures[name] = measure([str(args.python), "-c", SPARK_JOB, str(input_path), str(model), str(out_dir), str(cores)])
            rows = pq.read_table(out_dir / "rows").sort_by("_row")
            results[name] = rows.column("cluster_id").to_pylist()
            golden = pq.read_table(out_dir / "golden").sort_by("cluster_id")
            figures[name]["golden"] = golden

        with open(cli_dir / "golden.csv", newline="") as f:
            names = next(csv.reader(f))
        cli_golden = pacsv.read_csv(cli_dir / "golden.csv", convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=True, null_values=[""]))

        print(f"{args.rows:,} records, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        print(f"{'':>18} {'wall s':>8} {'peak RSS MiB':>13} {'same clusters':>14} {'same golden':>12} {'F1':>7}")
        for name, fig in figures.items():
            clusters = results[name]
            same = "-" if name == "custodia dedupe" else ("yes" if clusters == expected else "NO")
            same_golden = "-"
            if "golden" in fig:
                same_golden = "yes" if same_golden_records(fig["golden"], cli_golden) else "NO"
            f1 = pairwise(truth, {cid: str(c) for cid, c in zip(ids, clusters)})[2]
            print(f"{name:>18} {fig['wall']:8.1f} {fig['rss'] / 2**20:13,.0f} {same:>14} {same_golden:>12} {f1:7.4f}")


def same_golden_records(spark, cli) -> bool:
    """Whether Spark's golden records are the command line's: the same
    values, and members and sources naming the same rows (the command
    line names input lines, row + 2)."""
    if spark.num_rows != cli.num_rows:
        return False
    starts = [int(v) for v in cli.column("cluster_id").to_pylist()]
    order = sorted(range(cli.num_rows), key=starts.__getitem__)
    cli = cli.take(order)

    def line(row: str) -> str:
        return str(int(row) - 2)

    for name in spark.column_names:
        theirs = cli.column(name).to_pylist()
        ours = spark.column(name).to_pylist()
        if name == "cluster_id":
            theirs = [int(v) - 2 for v in theirs]
        elif name == "_members":
            theirs = [";".join(line(m) for m in v.split(";")) for v in theirs]
        elif name == "_sources":
            theirs = [
                None if v is None else ";".join(f"{f}={line(r)}" for f, _, r in (p.rpartition("=") for p in v.split(";")))
                for v in theirs
            ]
        else:
            theirs = [None if v is None else str(v) for v in theirs]
        if ours != theirs:
            return False
    return True


if __name__ == "__main__":
    main()
