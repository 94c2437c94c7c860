"""The package gives the command-line tool's answers: the same table is
written to a CSV file, run through `custodia`, and every output (rows,
rejects, pairs, golden records, the trained model) is compared with the
package's, row references mapped from file lines (row i on line i + 2) to
positions."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

import custodia
from custodia._arrow import read_csv

KEYS = {"pseudonym": bytes(range(32)), "token": "0f" * 16}


def run_cli(cli: str, args: list[str], table: pa.Table, tmp: Path, outputs: list[str]) -> dict[str, pa.Table]:
    source = tmp / "in.csv"
    pacsv.write_csv(table, source)
    paths = {name: tmp / f"{name}.csv" for name in outputs}
    command = [cli, *args, "-q", "-i", str(source), "-o", str(paths["rows"])]
    for name in outputs:
        if name != "rows":
            command += [f"--{name}", str(paths[name])]
    done = subprocess.run(command, capture_output=True)
    assert done.returncode in (0, 1), done.stderr.decode()
    return {name: read_csv(path.read_bytes()) for name, path in paths.items()}


def lines_to_rows(table: pa.Table, *names: str) -> pa.Table:
    for name in names:
        if name in table.column_names:
            rows = pc.subtract(pc.cast(table.column(name), pa.int64()), 2)
            table = table.set_column(table.column_names.index(name), name, rows)
    return table


def references_to_rows(table: pa.Table) -> pa.Table:
    def shift(text):
        return None if text is None else ";".join(
            f"{f}={int(r) - 2}" if sep else str(int(f) - 2) for f, sep, r in (p.rpartition("=") if "=" in p else (p, "", "") for p in text.split(";"))
        )

    for name in ("_members", "_sources"):
        if name in table.column_names:
            values = pa.array([shift(v) for v in table.column(name).to_pylist()], pa.string())
            table = table.set_column(table.column_names.index(name), name, values)
    return table


def test_clean_equals_cli(cli, customers, tmp_path):
    cli_out = run_cli(cli, ["clean"], customers, tmp_path, ["rows", "rejects"])
    rows, rejects = custodia.clean(customers)
    assert rows.num_rows > 0 and rejects.num_rows > 0
    assert rows.equals(lines_to_rows(cli_out["rows"], "_row"))
    assert rejects.equals(lines_to_rows(cli_out["rejects"], "_row"))


def test_mask_equals_cli(cli, customers, tmp_path):
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({k: v.hex() if isinstance(v, bytes) else v for k, v in KEYS.items()}))
    cli_out = run_cli(cli, ["mask", "--audience", "analytics", "--keys", str(keys)], customers, tmp_path, ["rows", "rejects"])
    rows, rejects = custodia.mask(customers, audience="analytics", keys=KEYS)
    assert rows.equals(lines_to_rows(cli_out["rows"], "_row"))
    assert rejects.equals(lines_to_rows(cli_out["rejects"], "_row"))


def test_dedupe_equals_cli(cli, customers, tmp_path):
    model = tmp_path / "model.json"
    cli_out = run_cli(
        cli, ["dedupe", "--save-model", str(model)], customers, tmp_path, ["rows", "rejects", "pairs", "golden"]
    )
    outcome = custodia.dedupe(customers)
    assert outcome.rows.equals(lines_to_rows(cli_out["rows"], "_row", "cluster_id"))
    assert outcome.rejects.equals(lines_to_rows(cli_out["rejects"], "_row"))
    cli_pairs = lines_to_rows(cli_out["pairs"], "row_a", "row_b")
    for name in ("weight", "probability"):
        cli_pairs = cli_pairs.set_column(cli_pairs.column_names.index(name), name, pc.cast(cli_pairs.column(name), pa.float64()))
    assert outcome.pairs.equals(cli_pairs)
    assert outcome.golden.equals(references_to_rows(lines_to_rows(cli_out["golden"], "cluster_id")))
    assert json.loads(outcome.model) == json.loads(model.read_text())


@pytest.mark.parametrize("threshold", [0.5, 0.99])
def test_dedupe_with_a_saved_model_equals_cli(cli, customers, tmp_path, threshold):
    part = customers.slice(0, 600)
    model = custodia.dedupe(part).model
    (tmp_path / "model.json").write_text(model)
    (tmp_path / "config.json").write_text(json.dumps({"threshold": threshold}))
    args = ["dedupe", "--model", str(tmp_path / "model.json"), "--config", str(tmp_path / "config.json")]
    cli_out = run_cli(cli, args, part, tmp_path, ["rows"])
    outcome = custodia.dedupe(part, model=model, threshold=threshold)
    assert outcome.rows.equals(lines_to_rows(cli_out["rows"], "_row", "cluster_id"))


def test_profile_equals_cli(cli, customers, tmp_path):
    source = tmp_path / "in.csv"
    pacsv.write_csv(customers, source)
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"as_of": "2026-06-30", "top": 5}))
    out = tmp_path / "profile.json"
    done = subprocess.run([cli, "profile", "-q", "-i", str(source), "--settings", str(settings), "--json", str(out)], capture_output=True)
    assert done.returncode in (0, 1), done.stderr.decode()
    made = custodia.profile(customers, settings={"as_of": "2026-06-30", "top": 5})
    assert made.data == json.loads(out.read_text())


def test_review_page_and_labels_equal_cli(cli, customers, tmp_path):
    part = customers.slice(0, 600)
    page = tmp_path / "review.html"
    cli_out = run_cli(cli, ["dedupe", "--review", str(page)], part, tmp_path, ["rows"])
    outcome = custodia.dedupe(part, review=True)
    assert outcome.review == page.read_text()
    # Labels given as row positions are the labels file the CLI reads.
    ids = outcome.cluster_ids.to_pylist()
    pair = next((a, b) for a, b in zip(outcome.pairs.column("row_a").to_pylist(), outcome.pairs.column("row_b").to_pylist()))
    labels = tmp_path / "labels.csv"
    labels.write_text(f"row_a,row_b,label\n{pair[0] + 2},{pair[1] + 2},non_match\n")
    cli_out = run_cli(cli, ["dedupe", "--labels", str(labels)], part, tmp_path, ["rows"])
    labelled = custodia.dedupe(part, labels=[(pair[0], pair[1], "non_match")])
    assert labelled.rows.equals(lines_to_rows(cli_out["rows"], "_row", "cluster_id"))
    assert custodia.dedupe(part, labels=labels).rows.equals(labelled.rows)
    assert ids[pair[0]] == ids[pair[1]]
