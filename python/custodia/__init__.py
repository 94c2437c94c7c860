"""custodia: customer master data kept clean and safe, over Arrow.

Every function takes a ``pyarrow.Table`` or ``RecordBatch`` (or a pandas or
Polars DataFrame, read through Arrow) and gives back ``pyarrow.Table``s.
The rows run through the same library code as the ``custodia``
command-line tool, on all cores with the GIL released, so the results are
the command line's, with one difference: row references (``_row``,
``cluster_id``, ``row_a``/``row_b``, ``_members``, ``_sources``) are
positions in the input table, from 0, instead of line numbers of a file.

Output columns hold text (the normalized values, as the command line writes
them), except the row references (int64) and pair weights (float64).
Errors are :class:`CustodiaError` with the library's stable codes.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, NamedTuple, Optional, Sequence, Union

import pyarrow as pa
import pyarrow.compute as pc

from . import _native
from ._arrow import PAD, Encoded, read_csv, replace, to_table  # noqa: F401 (Encoded: custodia.spark)
from ._errors import CustodiaError

__all__ = [
    "CustodiaError",
    "Index",
    "Match",
    "Outcome",
    "Profile",
    "Schema",
    "clean",
    "dedupe",
    "link",
    "mask",
    "profile",
    "__version__",
]

__version__: str = _native.__version__

Json = Union[str, Mapping[str, Any]]
Keys = Mapping[str, Union[bytes, str]]

# Keyword options that shape how rows are read and written (the pipeline's
# settings); every other keyword of `dedupe` and `link` is a dedupe setting.
_ROW_OPTIONS = ("map", "drop", "keep", "warnings_column", "reject_on", "accept_possible_phones")


class Schema:
    """A record schema: the built-in customer schema or one from JSON (the
    format of the README's *Schemas in JSON*)."""

    __slots__ = ("_json", "_parsed")

    def __init__(self, json_text: str) -> None:
        self._json = _native.schema_from_json(json_text)
        self._parsed = json.loads(self._json)

    @classmethod
    def customer(cls) -> "Schema":
        """The built-in standard customer schema."""
        return cls(_native.customer_schema())

    @classmethod
    def from_json(cls, schema: Json) -> "Schema":
        """A schema from JSON text or a dict; raises :class:`CustodiaError`
        (``UNKNOWN_KIND``, ``INVALID_JSON``...) naming the field at fault."""
        return cls(schema if isinstance(schema, str) else json.dumps(schema))

    @property
    def name(self) -> str:
        """The schema's name."""
        return str(self._parsed.get("name", ""))

    @property
    def fields(self) -> list[str]:
        """The field names, in order."""
        return [f["name"] for f in self._parsed.get("fields", [])]

    def to_json(self) -> str:
        """The schema as JSON, every option spelt out."""
        return self._json

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and self._parsed == other._parsed

    def __hash__(self) -> int:
        return hash(self._json)

    def __repr__(self) -> str:
        return f"Schema(name={self.name!r}, fields={len(self.fields)})"

    def __reduce__(self):
        return (Schema, (self._json,))


def _json_value(value: Optional[Json]) -> Any:
    if value is None or not isinstance(value, str):
        return value
    return json.loads(value)


def _keys_json(keys: Optional[Keys]) -> Optional[str]:
    if keys is None:
        return None
    return json.dumps({k: v.hex() if isinstance(v, (bytes, bytearray)) else v for k, v in keys.items()})


def _config(
    schema: Optional[Schema],
    steps: Sequence[str],
    options: Mapping[str, Any],
    **extra: Any,
) -> str:
    config: dict[str, Any] = {"steps": list(steps)}
    if schema is not None:
        config["schema"] = json.loads(schema.to_json())
    for key in _ROW_OPTIONS:
        if key in options and options[key] is not None:
            value = options[key]
            config[key] = list(value) if key in ("drop", "keep", "reject_on") else value
    config.update({k: v for k, v in extra.items() if v is not None})
    return json.dumps(config)


def _check_options(options: Mapping[str, Any], allowed: Sequence[str] = _ROW_OPTIONS) -> None:
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(f"unexpected keyword argument `{unknown[0]}`")


def _map_rows(table: pa.Table, encoded: Encoded, *names: str) -> pa.Table:
    for name in names:
        if name in table.column_names:
            lines = pc.cast(table.column(name), pa.int64())
            table = replace(table, name, encoded.row_of(lines))
    return table


def _row_mapper(encoded: Encoded):
    if encoded.lines is None:
        return lambda line: int(line) - 2
    positions = {line: i for i, line in enumerate(encoded.lines.to_pylist())}
    return lambda line: positions[int(line)]


def _map_lists(table: pa.Table, encoded: Encoded) -> pa.Table:
    """Maps `_members` (`2;3`) and `_sources` (`field=2;...`) of golden
    records to row positions."""
    row = _row_mapper(encoded)
    if "_members" in table.column_names:
        members = [
            None if m is None else ";".join(str(row(x)) for x in m.split(";"))
            for m in table.column("_members").to_pylist()
        ]
        table = replace(table, "_members", pa.array(members, pa.string()))
    if "_sources" in table.column_names:

        def sources(text: Optional[str]) -> Optional[str]:
            if text is None:
                return None
            parts = (p.rpartition("=") for p in text.split(";"))
            return ";".join(f"{f}={row(r)}" for f, _, r in parts)

        table = replace(table, "_sources", pa.array([sources(s) for s in table.column("_sources").to_pylist()], pa.string()))
    return table


def _run(
    data: Any,
    config: str,
    keys: Optional[Keys] = None,
    pairs: bool = False,
    golden: bool = False,
    labels: Optional[Any] = None,
    review: Optional[tuple[float, float, int, Optional[str]]] = None,
) -> tuple[Encoded, dict[str, Any]]:
    encoded = Encoded(data)
    labels_text = None if labels is None else _labels_text(labels, encoded)
    out = _native.run(config, encoded.bytes, _keys_json(keys), True, pairs, golden, labels_text, review)
    return encoded, out


LabelledPairs = Union["os.PathLike[str]", Any]


def _labels_text(labels: LabelledPairs, encoded: Encoded) -> str:
    """A labels file's text (``row_a,row_b,label``, rows named by line)
    from a file the review page saved (a path: passed on as it is) or from
    pairs of row positions: a table or DataFrame with ``row_a``, ``row_b``
    and ``label`` columns, or a sequence of ``(row_a, row_b, label)``."""
    if isinstance(labels, os.PathLike):
        with open(labels, encoding="utf-8") as f:
            return f.read()
    if isinstance(labels, (str, bytes)):
        raise TypeError("labels: give a pathlib.Path to a labels file, or pairs of row positions")
    if isinstance(labels, Sequence):
        triples = [tuple(t) for t in labels]
    else:
        table = to_table(labels)
        missing = {"row_a", "row_b", "label"} - set(table.column_names)
        if missing:
            raise TypeError(f"labels: no column `{sorted(missing)[0]}`")
        triples = list(zip(*(table.column(n).to_pylist() for n in ("row_a", "row_b", "label"))))
    sink = io.StringIO()
    writer = csv.writer(sink, lineterminator="\n")
    writer.writerow(["row_a", "row_b", "label"])
    for triple in triples:
        if len(triple) != 3:
            raise TypeError("labels: each pair is (row_a, row_b, label)")
        a, b, label = triple
        writer.writerow([encoded.line_of(int(a)), encoded.line_of(int(b)), label])
    return sink.getvalue()


def clean(
    table: Any,
    schema: Optional[Schema] = None,
    *,
    map: Optional[Mapping[str, str]] = None,
    drop: Sequence[str] = (),
    warnings_column: bool = False,
    reject_on: Sequence[str] = (),
    accept_possible_phones: bool = False,
) -> tuple[pa.Table, pa.Table]:
    """Normalizes and validates every row (the ``clean`` command).

    Returns ``(clean, rejects)``: the rows without errors, normalized, with
    ``_row`` (their position in ``table``) and the input's other columns
    in place; and the rejected rows as they came in, with ``_row`` and
    ``_issues`` (issue codes joined by ``;``). Every row is in exactly one
    of the two. ``schema`` defaults to :meth:`Schema.customer`.
    """
    options = dict(
        map=map, drop=drop, warnings_column=warnings_column, reject_on=reject_on, accept_possible_phones=accept_possible_phones
    )
    encoded, out = _run(table, _config(schema, ["clean"], options))
    rows = _map_rows(read_csv(out["rows"]), encoded, "_row")
    rejects = _map_rows(read_csv(out["rejects"]), encoded, "_row")
    return rows, rejects


def mask(
    table: Any,
    schema: Optional[Schema] = None,
    policy: Optional[Json] = None,
    audience: str = "support",
    keys: Optional[Keys] = None,
    *,
    map: Optional[Mapping[str, str]] = None,
    drop: Sequence[str] = (),
    keep: Sequence[str] = (),
    warnings_column: bool = False,
    reject_on: Sequence[str] = (),
    accept_possible_phones: bool = False,
) -> tuple[pa.Table, pa.Table]:
    """Cleans every row and masks it for ``audience`` of ``policy`` (the
    ``mask`` command; the built-in customer policy when ``policy`` is None).

    ``keys`` maps key ids to secrets (bytes, or hex text), needed only when
    the audience hashes or tokenizes. Columns outside the schema are left
    out unless named in ``keep``. Returns ``(masked, rejects)`` as
    :func:`clean` does: rows with errors are rejected, so that no malformed
    value reaches a mask.
    """
    options = dict(
        map=map, drop=drop, keep=keep, warnings_column=warnings_column, reject_on=reject_on,
        accept_possible_phones=accept_possible_phones,
    )
    settings = {"audience": audience}
    if policy is not None:
        settings["policy"] = _json_value(policy)
    encoded, out = _run(table, _config(schema, ["clean", "mask"], options, mask=settings), keys)
    rows = _map_rows(read_csv(out["rows"]), encoded, "_row")
    rejects = _map_rows(read_csv(out["rejects"]), encoded, "_row")
    return rows, rejects


@dataclass(frozen=True)
class Outcome:
    """What :func:`dedupe` and :func:`link` found."""

    rows: pa.Table
    """Every readable row, cleaned, with ``_row`` and ``cluster_id`` (the
    ``_row`` of the cluster's first record)."""
    rejects: pa.Table
    """Rows with validation errors (also in ``rows``, their failed fields
    counting as missing) and rows that could not be read."""
    pairs: pa.Table
    """Matched pairs: ``row_a``, ``row_b``, ``weight``, ``probability`` and
    ``explanation`` (each field's level and weight, never a value)."""
    golden: pa.Table
    """One merged record per cluster, with ``cluster_id``, ``_members`` and
    ``_sources`` (the row each value came from)."""
    model: str
    """The model used (trained or given), as JSON: pass it as ``model=`` to
    score other data the same way, or to :class:`Index`."""
    summary: dict[str, Any] = field(default_factory=dict)
    """Counts: rows in, out and rejected, clusters, pairs..."""
    review: Optional[str] = None
    """The match review page (one self-contained HTML file), when asked
    for with ``review=True``. It names rows by their line in the CSV the
    table was sent as (row position + 2 when no value breaks a line), and
    the labels it saves are read back by ``labels=pathlib.Path(...)``."""

    @property
    def cluster_ids(self) -> pa.ChunkedArray:
        """Each row's cluster id, in row order."""
        return self.rows.column("cluster_id")


def _dedupe_settings(
    model: Optional[Json], config: Optional[Json], merge_policy: Optional[Json], settings: Mapping[str, Any]
) -> dict[str, Any]:
    dedupe_config = dict(_json_value(config) or {})
    dedupe_config.update({k: v for k, v in settings.items() if k not in _ROW_OPTIONS})
    section: dict[str, Any] = {}
    if dedupe_config:
        section["config"] = dedupe_config
    if model is not None:
        section["model"] = _json_value(model)
    if merge_policy is not None:
        section["merge_policy"] = _json_value(merge_policy)
    return section


def _outcome(out: dict[str, Any], rows: pa.Table, rejects: pa.Table, pairs: pa.Table, golden: pa.Table) -> Outcome:
    for name, kind in (("weight", pa.float64()), ("probability", pa.float64())):
        if name in pairs.column_names:
            pairs = replace(pairs, name, pc.cast(pairs.column(name), kind))
    return Outcome(
        rows=rows,
        rejects=rejects,
        pairs=pairs,
        golden=golden,
        model=out["model"] or "",
        summary=json.loads(out["summary"]),
        review=out.get("review"),
    )


def dedupe(
    table: Any,
    schema: Optional[Schema] = None,
    *,
    model: Optional[Json] = None,
    config: Optional[Json] = None,
    merge_policy: Optional[Json] = None,
    labels: Optional[LabelledPairs] = None,
    review: bool = False,
    review_band: tuple[float, float] = (0.2, 0.95),
    review_limit: int = 200,
    review_audience: Optional[str] = None,
    **settings: Any,
) -> Outcome:
    """Cleans the rows and finds the records of one customer (the
    ``dedupe`` command).

    ``model`` (JSON) scores instead of a model trained on the rows;
    ``config`` holds dedupe settings (``threshold``, ``blocking``,
    ``max_block``...; see the README), and any other keyword is one of them
    too (``threshold=0.95``), or a row option of :func:`clean` (``map``,
    ``drop``, ``warnings_column``, ``reject_on``,
    ``accept_possible_phones``). ``merge_policy`` (JSON) says how golden
    records are merged.

    ``labels`` are pairs a reviewer labelled (``--labels``): a table or
    DataFrame with ``row_a``, ``row_b`` (row positions) and ``label``
    (``match`` or ``non_match``), a sequence of such triples, or a
    ``pathlib.Path`` to the file the review page saved for this table.
    Training starts from them, and labelled pairs are linked or kept apart.
    ``review=True`` makes the match review page (``--review``):
    ``Outcome.review``, showing the pairs whose match probability is in
    ``review_band`` (at most ``review_limit``, nearest the threshold
    first), their values as ``review_audience`` sees them (``support`` by
    default: masked).
    """
    section = _dedupe_settings(model, config, merge_policy, settings)
    page = (float(review_band[0]), float(review_band[1]), int(review_limit), review_audience) if review else None
    encoded, out = _run(
        table,
        _config(schema, ["clean", "dedupe"], settings, dedupe=section),
        pairs=True,
        golden=True,
        labels=labels,
        review=page,
    )
    rows = _map_rows(read_csv(out["rows"]), encoded, "_row", "cluster_id")
    rejects = _map_rows(read_csv(out["rejects"]), encoded, "_row")
    pairs = _map_rows(read_csv(out["pairs"]), encoded, "row_a", "row_b")
    golden = _map_lists(_map_rows(read_csv(out["golden"]), encoded, "cluster_id"), encoded)
    return _outcome(out, rows, rejects, pairs, golden)


class Profile:
    """A data-quality profile (``custodia profile``): per field
    completeness, validity by issue code, distinct counts, top values of
    non-sensitive fields (format patterns of sensitive ones), lengths and
    date ranges, normalization changes; per record set duplicates (when the
    table has a ``cluster_id`` column), staleness and completeness. ``data``
    is the profile's JSON as a dict (the README's stable format)."""

    __slots__ = ("_json", "data")

    def __init__(self, json_text: str) -> None:
        self._json = json_text
        self.data: dict[str, Any] = json.loads(json_text)

    def to_json(self) -> str:
        """The profile's JSON (as ``custodia profile --json`` writes it)."""
        return self._json

    def to_html(self) -> str:
        """One self-contained HTML page with the profile's charts (inline
        CSS and SVG, nothing fetched)."""
        return _native.profile_html(self._json)

    def compare(self, previous: Union["Profile", Json], points: float = 1.0) -> "Profile":
        """This profile with its drift since ``previous`` (a profile or its
        JSON): fields whose completeness or validity moved by at least
        ``points`` percentage points, issue codes new and gone."""
        earlier = previous.to_json() if isinstance(previous, Profile) else previous
        if not isinstance(earlier, str):
            earlier = json.dumps(earlier)
        return Profile(_native.profile_compare(self._json, earlier, float(points)))

    def __repr__(self) -> str:
        rows = self.data.get("rows", {})
        return f"Profile(rows={rows.get('read')!r}, fields={len(self.data.get('fields', []))})"


def profile(
    table: Any,
    schema: Optional[Schema] = None,
    *,
    settings: Optional[Json] = None,
    previous: Optional[Union[Profile, Json]] = None,
    drift_points: float = 1.0,
    **options: Any,
) -> Profile:
    """Profiles the rows through cleaning (the ``profile`` command):
    nothing is written, every row counts. ``settings`` (JSON) holds
    ``top``, ``as_of`` and ``staleness_field``; ``previous`` (a profile or
    its JSON) adds the drift since it (``--compare``, with
    ``drift_points``). Row options as for :func:`clean`."""
    _check_options(options)
    config = _config(schema, ["clean"], options)
    settings_json = None if settings is None else (settings if isinstance(settings, str) else json.dumps(settings))
    made = Profile(_native.profile(config, Encoded(table).bytes, settings_json))
    return made if previous is None else made.compare(previous, drift_points)


def _map_refs(table: pa.Table, sides: Mapping[str, Encoded], columns: Sequence[str]) -> pa.Table:
    """Maps `source:line` references (and `_row` by `_source`) of a link to
    `source:position`."""
    rows = {name: _row_mapper(e) for name, e in sides.items()}

    def ref(text: Optional[str]) -> Optional[str]:
        if text is None:
            return None
        name, _, line = text.rpartition(":")
        return f"{name}:{rows[name](line)}"

    for column in columns:
        if column in table.column_names:
            values = table.column(column).to_pylist()
            if column == "_members":
                mapped = [None if v is None else ";".join(ref(x) or "" for x in v.split(";")) for v in values]
            elif column == "_sources":
                mapped = [
                    None if v is None else ";".join(f"{f}={ref(r)}" for f, _, r in (p.partition("=") for p in v.split(";")))
                    for v in values
                ]
            else:
                mapped = [ref(v) for v in values]
            table = replace(table, column, pa.array(mapped, pa.string()))
    if "_row" in table.column_names and "_source" in table.column_names:
        mapped_rows = [
            None if line is None else rows[source](line)
            for source, line in zip(table.column("_source").to_pylist(), table.column("_row").to_pylist())
        ]
        table = replace(table, "_row", pa.array(mapped_rows, pa.int64()))
    return table


def _link_rejects(data: Optional[bytes], sides: Mapping[str, Encoded]) -> pa.Table:
    """The rejects of a link: `_source`, `_row`, `_issues`, then each row as
    it came in, under its side's column names (the union of both)."""
    names = ["_source", "_row", "_issues"]
    for side in sides.values():
        names.extend(c for c in side.columns if c not in names and c != PAD)
    rows = []
    if data:
        reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
        next(reader, None)
        for cells in reader:
            if len(cells) < 3:
                continue
            row: dict[str, Optional[str]] = dict(zip(names[:3], cells[:3]))
            columns = sides[cells[0]].columns if cells[0] in sides else []
            row.update(zip(columns, (c or None for c in cells[3:])))
            row.pop(PAD, None)
            rows.append(row)
    return pa.table({n: pa.array([r.get(n) for r in rows], pa.string()) for n in names})


def link(
    left: Any,
    right: Any,
    schema: Optional[Schema] = None,
    *,
    left_name: str = "left",
    right_name: str = "right",
    model: Optional[Json] = None,
    config: Optional[Json] = None,
    merge_policy: Optional[Json] = None,
    **settings: Any,
) -> Outcome:
    """Cleans two tables (say a CRM and a billing export) and links them,
    pairing records only across the two (the ``link`` command).

    Rows carry ``_source`` (``left_name`` or ``right_name``), ``_row`` (the
    position in that table) and a shared ``cluster_id``
    (``source:position`` of the cluster's first record); other arguments
    as for :func:`dedupe`.
    """
    section = _dedupe_settings(model, config, merge_policy, settings)
    config_json = _config(schema, ["clean", "dedupe"], settings, dedupe=section)
    sides = {left_name: Encoded(left), right_name: Encoded(right)}
    out = _native.link(
        config_json,
        (left_name, sides[left_name].bytes),
        (right_name, sides[right_name].bytes),
        None,
    )
    rows = _map_refs(read_csv(out["rows"]), sides, ["cluster_id"])
    rejects = _map_refs(_link_rejects(out["rejects"], sides), sides, [])
    pairs = _map_refs(read_csv(out["pairs"]), sides, ["row_a", "row_b"])
    golden = _map_refs(read_csv(out["golden"]), sides, ["cluster_id", "_members", "_sources"])
    return _outcome(out, rows, rejects, pairs, golden)


class Match(NamedTuple):
    """An indexed record found by :meth:`Index.query`."""

    row: int
    """The record's row in the index (insertion order, from 0)."""
    weight: float
    """The match weight (bits), as the batch run scores the pair."""
    probability: float
    """The match probability."""


def _record_json(record: Mapping[str, Any]) -> str:
    return json.dumps({k: v for k, v in record.items() if v is not None})


class Index:
    """An incremental match index: add records as they come, ask which
    indexed records are most likely the same customer as a new one. Scores
    equal those of :func:`dedupe` with the same model.

    ``model`` is a model's JSON (such as :attr:`Outcome.model`); for the
    customer schema it defaults to the built-in customer model.
    """

    def __init__(self, schema: Optional[Schema] = None, model: Optional[Json] = None, config: Optional[Json] = None) -> None:
        schema = schema or Schema.customer()
        if model is None:
            model_json = _native.defaults("model")
        else:
            model_json = model if isinstance(model, str) else json.dumps(model)
        config_json = None if config is None else (config if isinstance(config, str) else json.dumps(config))
        self.schema = schema
        self._index = _native.Index(schema.to_json(), model_json, config_json)

    def insert(self, record: Mapping[str, Any]) -> int:
        """Adds one record (field name to value) and returns its row."""
        return self._index.insert(_record_json(record))

    def extend(self, records: Union[Iterable[Mapping[str, Any]], Any]) -> None:
        """Adds many records: an Arrow table (or pandas/Polars DataFrame) or
        an iterable of dicts, in parallel."""
        if not isinstance(records, (list, tuple)) and not hasattr(records, "__next__"):
            try:
                records = to_table(records).to_pylist()
            except TypeError:
                pass
        self._index.extend([_record_json(r) for r in records])

    def query(self, record: Mapping[str, Any], k: int = 5) -> list[Match]:
        """The ``k`` indexed records most likely to be the same customer as
        ``record`` (which is not added), strongest first."""
        return [Match(*m) for m in self._index.query(_record_json(record), k)]

    def __len__(self) -> int:
        return len(self._index)
