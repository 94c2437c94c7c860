"""The Python package: each function on small tables, errors, and
round trips through pandas and Polars."""

from __future__ import annotations

import json
import pickle
import threading

import pyarrow as pa
import pytest

import custodia
from custodia import CustodiaError, Schema

KEYS = {"pseudonym": bytes(range(32)), "token": "0f" * 16}


def small() -> pa.Table:
    return pa.table(
        {
            "customer_id": ["c-1", "c-2", "c-3", "c-4"],
            "full_name": ["欧阳娜娜", "Ann O'Neil", None, "Bob Smith"],
            "phone": ["１３９ １２３４ ５６７８", "(02) 9374 4000", "12345", None],
            "country": ["中国", "Australia", "CN", "US"],
            "birth_date": ["1990-01-02", None, "1990-02-30", None],
            "crm_flag": ["a", "b", "c", "d"],
        }
    )


def test_schema_customer_and_from_json():
    schema = Schema.customer()
    assert schema.name == "customer"
    assert "phone" in schema.fields and "full_name" in schema.fields
    crm = Schema.from_json({"name": "crm", "fields": [{"name": "id", "kind": "text"}, {"name": "mobile", "kind": "phone"}]})
    assert crm.name == "crm" and crm.fields == ["id", "mobile"]
    assert Schema.from_json(crm.to_json()) == crm
    assert crm != schema
    assert pickle.loads(pickle.dumps(crm)) == crm


def test_schema_errors_carry_codes_and_fields():
    with pytest.raises(CustodiaError) as err:
        Schema.from_json('{"name": "x", "fields": [{"name": "a", "kind": "nope"}]}')
    assert err.value.name == "UNKNOWN_KIND"
    assert err.value.code == 2002
    assert err.value.field == "fields[0] (a)"
    assert (err.value.setting, err.value.problem) == ("fields[0].kind", "unknown_name")
    assert "nope" in str(err.value)
    again = pickle.loads(pickle.dumps(err.value))
    assert (again.code, again.name, again.field) == (2002, "UNKNOWN_KIND", "fields[0] (a)")
    assert (again.setting, again.problem) == ("fields[0].kind", "unknown_name")
    with pytest.raises(CustodiaError) as err:
        Schema.from_json('{"name": "x", "fields": [{"name": "a", "kind": "text"}, {"name": "", "kind": "text"}]}')
    assert err.value.name == "INVALID_SCHEMA"
    assert (err.value.setting, err.value.problem) == ("fields[1].name", "bad_name")


def test_clean_normalizes_rejects_and_keeps_every_row():
    table = small()
    rows, rejects = custodia.clean(table)
    assert rows.num_rows + rejects.num_rows == table.num_rows
    assert rows.column("_row").to_pylist() == [0, 1, 3]
    assert rows.column("phone").to_pylist()[:2] == ["+8613912345678", "+61293744000"]
    assert rows.column("country").to_pylist() == ["CN", "AU", "US"]
    # Columns keep their order; one outside the schema passes through.
    assert rows.column_names[:6] == table.column_names
    assert rows.column("crm_flag").to_pylist() == ["a", "b", "d"]
    assert rows.schema.field("_row").type == pa.int64()
    # The reject is the row as it came in, with its issue codes.
    assert rejects.column("_row").to_pylist() == [2]
    assert rejects.column("phone").to_pylist() == ["12345"]
    assert "birth_date_invalid" in rejects.column("_issues")[0].as_py().split(";") or rejects.column("_issues")[0].as_py()


def test_clean_options():
    table = pa.table({"id": ["c-1"], "mobile": ["+86 139 1234 5678"], "notes": ["x"]})
    rows, _ = custodia.clean(table, map={"id": "customer_id", "mobile": "phone"}, drop=["notes"])
    assert rows.column_names == ["id", "mobile", "phone_extension", "_row"] or "notes" not in rows.column_names
    assert rows.column("mobile").to_pylist() == ["+8613912345678"]
    with pytest.raises(CustodiaError) as err:
        custodia.clean(table, reject_on=["no_such_code"])
    assert err.value.name == "INVALID_PIPELINE"


def test_row_positions_survive_line_breaks_in_values():
    table = pa.table(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "street": ["1 Main St\nFlat 2", None, "3 High St\r\nUnit 4\rRear", "5 Low Rd", "x"],
            "phone": ["+1 415 555 0101", "+1 415 555 0102", "+1 415 555 0103", "123", "+1 415 555 0104"],
        }
    )
    rows, rejects = custodia.clean(table)
    assert rows.column("_row").to_pylist() == [0, 1, 2, 4]
    assert rejects.column("_row").to_pylist() == [3]
    assert rows.column("customer_id").to_pylist() == ["a", "b", "c", "e"]


def test_one_column_table_with_missing_values_loses_no_row():
    table = pa.table({"email": ["a@example.com", None, "b@example.com"]})
    rows, rejects = custodia.clean(table)
    assert rows.num_rows + rejects.num_rows == 3
    # customer_id is required: all three are rejects, as they came in.
    assert rejects.column_names == ["_row", "_issues", "email"]
    assert rejects.column("_row").to_pylist() == [0, 1, 2]
    assert rejects.column("email").to_pylist() == ["a@example.com", None, "b@example.com"]
    crm = Schema.from_json({"name": "crm", "fields": [{"name": "email", "kind": "email"}]})
    rows, rejects = custodia.clean(table, crm)
    assert rows.column_names == ["email", "_row"]
    assert rows.column("_row").to_pylist() == [0, 1, 2]


def test_inputs_of_other_types_are_read_as_text():
    table = pa.table(
        {
            "customer_id": pa.array([1, 2], pa.int64()),
            "birth_date": pa.array([pa.scalar(0, pa.date32()).as_py(), None], pa.date32()),
            "email": pa.array(["A@Example.com", None]).dictionary_encode(),
        }
    )
    rows, rejects = custodia.clean(table)
    assert rejects.num_rows == 0
    assert rows.column("customer_id").to_pylist() == ["1", "2"]
    assert rows.column("birth_date").to_pylist() == ["1970-01-01", None]
    assert rows.column("email").to_pylist() == ["A@example.com", None]
    batch = table.to_batches()[0]
    assert custodia.clean(batch)[0].equals(rows)
    with pytest.raises(TypeError):
        custodia.clean([1, 2, 3])
    with pytest.raises(TypeError):
        custodia.clean(pa.table({"email": pa.array([[1]])}))


def test_mask_support_and_keys():
    table = small()
    masked, rejects = custodia.mask(table, audience="support")
    assert masked.num_rows + rejects.num_rows == table.num_rows
    assert masked.column("phone").to_pylist()[0] == "139****5678"
    assert masked.column("full_name").to_pylist()[0] == "欧阳**"
    assert "crm_flag" not in masked.column_names  # outside the schema
    kept, _ = custodia.mask(table, audience="support", keep=["crm_flag"])
    assert kept.column("crm_flag").to_pylist() == ["a", "b", "d"]
    analytics, _ = custodia.mask(table, audience="analytics", keys=KEYS)
    assert all(v is None or v.startswith("pseudonym:") or v == "[redacted]" for v in analytics.column("phone").to_pylist())
    with pytest.raises(CustodiaError) as err:
        custodia.mask(table, audience="analytics")
    assert "pseudonym" in str(err.value)
    with pytest.raises(CustodiaError):
        custodia.mask(table, audience="no_such_audience")
    policy = json.loads(custodia._native.defaults("policy"))
    same, _ = custodia.mask(table, policy=policy, audience="support")
    assert same.equals(masked)
    with pytest.raises(CustodiaError) as err:
        custodia.mask(table, policy={"audiences": {"support": {"phone": "blur"}}}, audience="support")
    assert (err.value.name, err.value.setting, err.value.problem) == ("INVALID_POLICY", "audiences.support.phone", "unknown_name")


def test_dedupe_clusters_pairs_golden_and_model(customers):
    outcome = custodia.dedupe(customers)
    rows = outcome.rows
    assert rows.num_rows == customers.num_rows
    assert rows.column("_row").to_pylist() == list(range(customers.num_rows))
    ids = outcome.cluster_ids.to_pylist()
    # A cluster is named by its first row, which is in it.
    assert all(ids[i] <= i and ids[ids[i]] == ids[i] for i in range(len(ids)))
    assert len(set(ids)) < len(ids)
    assert outcome.summary["dedupe"]["clusters"] == len(set(ids))
    pairs = outcome.pairs
    assert pairs.num_rows == outcome.summary["dedupe"]["matched_pairs"] > 0
    # Strict clustering (the default) may keep a matched pair apart, but
    # most pairs end up together.
    together = sum(ids[a] == ids[b] for a, b in zip(pairs.column("row_a").to_pylist(), pairs.column("row_b").to_pylist()))
    assert together > pairs.num_rows // 2
    assert pairs.schema.field("weight").type == pa.float64()
    assert min(pairs.column("probability").to_pylist()) >= 0.9
    golden = outcome.golden
    assert sorted(golden.column("cluster_id").to_pylist()) == sorted(set(ids))
    members = {int(m) for text in golden.column("_members").to_pylist() for m in text.split(";")}
    assert members == set(range(customers.num_rows))
    model = json.loads(outcome.model)
    assert model["schema"] == "customer"
    # The same model scores the same rows the same way.
    again = custodia.dedupe(customers, model=outcome.model)
    assert again.cluster_ids.equals(outcome.cluster_ids)
    assert again.pairs.equals(outcome.pairs)


def test_dedupe_settings_and_errors(customers):
    part = customers.slice(0, 400)
    strict = custodia.dedupe(part, threshold=0.999999, max_block=8)
    loose = custodia.dedupe(part, threshold=0.5, model=strict.model)
    assert strict.pairs.num_rows <= loose.pairs.num_rows
    with pytest.raises(CustodiaError) as err:
        custodia.dedupe(part, treshold=0.9)
    assert "threshold" in str(err.value)
    with pytest.raises(CustodiaError) as err:
        custodia.dedupe(part, threshold=2.0)
    assert (err.value.name, err.value.setting, err.value.problem) == ("INVALID_DEDUPE", "threshold", "out_of_range")


def test_link_pairs_across_sources():
    crm = pa.table({"customer_id": ["C-1", "C-2"], "full_name": ["Robert Smith", "Ann Lee"], "email": ["bob.smith@example.com", "ann@example.com"], "phone": ["(415) 555-0101", "+1 212 555 0199"], "country": ["US", "US"]})
    billing = pa.table({"account": ["B-7"], "full_name": ["Bob Smith"], "email": ["BOB.SMITH@example.com"], "phone": ["+1 415 555 0101"], "country": ["US"]})
    outcome = custodia.link(crm, billing, left_name="crm", right_name="billing", model=custodia._native.defaults("model"))
    rows = outcome.rows
    assert rows.column("_source").to_pylist() == ["crm", "crm", "billing"]
    assert rows.column("_row").to_pylist() == [0, 1, 0]
    assert rows.column("cluster_id").to_pylist() == ["crm:0", "crm:1", "crm:0"]
    assert outcome.pairs.select(["row_a", "row_b"]).to_pylist() == [{"row_a": "crm:0", "row_b": "billing:0"}]
    with pytest.raises(CustodiaError):
        custodia.link(crm, billing, left_name="x", right_name="x")


def test_index_matches_batch_scores(customers):
    outcome = custodia.dedupe(customers)
    index = custodia.Index(model=outcome.model)
    records = customers.to_pylist()
    index.extend(customers)
    assert len(index) == customers.num_rows
    pair = outcome.pairs.slice(0, 1).to_pylist()[0]
    found = index.query(records[pair["row_a"]], k=5)
    assert pair["row_b"] in [m.row for m in found]
    assert [m.weight for m in found] == sorted((m.weight for m in found), reverse=True)
    assert all(0.0 <= m.probability <= 1.0 for m in found)
    single = custodia.Index(model=outcome.model)
    assert single.insert(records[0]) == 0 and single.insert(records[1]) == 1
    assert len(single) == 2
    with pytest.raises(CustodiaError) as err:
        single.insert({"no_such_field": "x"})
    assert err.value.name == "UNKNOWN_FIELD"
    with pytest.raises(CustodiaError):
        custodia.Index(Schema.from_json({"name": "crm", "fields": [{"name": "id", "kind": "text"}]}))


def test_pandas_round_trip(customers):
    pd = pytest.importorskip("pandas")
    frame = customers.slice(0, 300).to_pandas()
    assert isinstance(frame, pd.DataFrame)
    rows, rejects = custodia.clean(frame)
    arrow_rows, arrow_rejects = custodia.clean(customers.slice(0, 300))
    assert rows.equals(arrow_rows) and rejects.equals(arrow_rejects)
    back = rows.to_pandas()
    assert list(back["_row"]) == arrow_rows.column("_row").to_pylist()
    outcome = custodia.dedupe(frame)
    assert outcome.cluster_ids.to_pylist() == custodia.dedupe(customers.slice(0, 300)).cluster_ids.to_pylist()


def test_polars_round_trip(customers):
    pl = pytest.importorskip("polars")
    frame = pl.from_arrow(customers.slice(0, 300))
    rows, rejects = custodia.clean(frame)
    arrow_rows, arrow_rejects = custodia.clean(customers.slice(0, 300))
    assert rows.equals(arrow_rows) and rejects.equals(arrow_rejects)
    assert pl.from_arrow(rows).height == rows.num_rows


def test_threads_run_side_by_side(customers):
    results = []

    def work():
        results.append(custodia.clean(customers)[0].num_rows)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3 and len(set(results)) == 1


def test_profile_fields_page_and_drift(customers):
    made = custodia.profile(customers, settings={"as_of": "2026-06-30"})
    assert made.data["rows"]["read"] == customers.num_rows
    assert [f["name"] for f in made.data["fields"]] == Schema.customer().fields
    assert "<svg" in made.to_html() and "http" not in made.to_html().split("</style>")[-1].split("<svg")[0]
    earlier = custodia.profile(customers.slice(0, 100), settings={"as_of": "2026-06-30"})
    assert "drift" not in made.data or made.data["drift"] is None
    drifted = custodia.profile(customers, settings={"as_of": "2026-06-30"}, previous=earlier, drift_points=0.0)
    assert drifted.data["drift"] is not None
    assert json.loads(drifted.to_json()) == drifted.data
    with pytest.raises(CustodiaError):
        custodia.profile(customers, settings={"top": 0})
    with pytest.raises(CustodiaError):
        made.compare(earlier, points=101)


def test_labels_link_and_keep_apart(customers):
    part = customers.slice(0, 600)
    outcome = custodia.dedupe(part)
    ids = outcome.cluster_ids.to_pylist()
    # A cluster of exactly two rows, and two rows alone in their clusters.
    sizes = {c: ids.count(c) for c in set(ids)}
    pair = next(c for c in ids if sizes[c] == 2)
    a, b = [i for i, c in enumerate(ids) if c == pair]
    x, y = [i for i, c in enumerate(ids) if sizes[c] == 1][:2]
    labels = pa.table({"row_a": [a, x], "row_b": [b, y], "label": ["non_match", "match"]})
    labelled = custodia.dedupe(part, labels=labels).cluster_ids.to_pylist()
    assert labelled[a] != labelled[b]
    assert labelled[x] == labelled[y]
    assert custodia.dedupe(part, labels=[(a, b, "non_match"), (x, y, "match")]).cluster_ids.to_pylist() == labelled
    with pytest.raises(CustodiaError):
        custodia.dedupe(part, labels=[(a, b, "maybe")])
    with pytest.raises(IndexError):
        custodia.dedupe(part, labels=[(a, part.num_rows, "match")])
    with pytest.raises(TypeError):
        custodia.dedupe(part, labels="labels.csv")


def test_review_page_only_when_asked(customers):
    part = customers.slice(0, 600)
    assert custodia.dedupe(part).review is None
    page = custodia.dedupe(part, review=True, review_band=(0.0, 1.0), review_limit=5).review
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    with pytest.raises(CustodiaError):
        custodia.dedupe(part, review=True, review_band=(0.9, 0.1))
    with pytest.raises(CustodiaError):
        custodia.dedupe(part, review=True, review_audience="nobody")
