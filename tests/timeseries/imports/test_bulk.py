"""The bulk path of the canonical CSV import (blocks of lines read by Arrow into columns, checked and staged as
arrays) against the row path it stands for: the same records, row errors and line numbers from the adapter, and
the same job outcome and store from the import, on both databases."""

import io
from datetime import timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from tests.timeseries.helpers import HOUR, run, utc, write, z
from tests.timeseries.imports.helpers import import_text
from timeseries.imports.adapters import canonical
from timeseries.imports.adapters.canonical import ADAPTER, DECIMAL, CanonicalCsvAdapter
from timeseries.imports.records import EPOCH, MICROSECOND, ImportFileError, ImportOptions, Record, RecordColumns
from timeseries.imports.validate import RowValidator
from timeseries.models import Point

REQUIRED = ["psr", "quantity", "start", "end", "value"]
OPTIONAL = ["unit", "fuel_type", "timeframe", "quality"]


def _unrolled(block: RecordColumns) -> list[Record]:
    """The block's rows as the Records they stand for."""
    out = []
    for i in range(len(block)):
        names = block.names[block.name_index[i]]
        start = EPOCH + int(block.start[i]) * MICROSECOND
        end = EPOCH + int(block.end[i]) * MICROSECOND
        value = float(block.value[i])
        out.append(Record(block.first_line + i, *names[:2], start, end, value, *names[2:], int(block.quality[i])))
    return out


def _read(items) -> tuple[list, str | None, int]:
    """What an adapter's items hold, with values exact (hex, so -0.0 is not 0.0), the file error that ended them
    and how many came as blocks."""
    out, error, blocks = [], None, 0
    try:
        for item in items:
            if isinstance(item, RecordColumns):
                blocks += 1
                out.extend(_unrolled(item))
            else:
                out.append(item)
    except ImportFileError as exc:
        error = str(exc)
    return [i._replace(value=i.value.hex()) if isinstance(i, Record) else i for i in out], error, blocks


def _both(text: str, block_chars: int, **options) -> tuple[tuple, tuple]:
    opts = ImportOptions(**options)
    with patch.object(canonical, "BLOCK_CHARS", block_chars):
        bulk = _read(ADAPTER.blocks(io.StringIO(text, newline=""), opts))
    rows = _read(ADAPTER.records(io.StringIO(text, newline=""), opts))
    return bulk, rows


def _line(cells: list[str], delimiter: str, end: str) -> str:
    return delimiter.join(cells) + end


@st.composite
def files(draw) -> tuple[str, str]:
    """A canonical CSV mixing plain rows with every kind of row the bulk path must hand back to the row reader."""
    delimiter = draw(st.sampled_from([",", ";"]))
    columns = REQUIRED + draw(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=3))
    columns = draw(st.permutations(columns))
    cells = {
        "psr": st.sampled_from(["US-WECC-CISO", " US-WECC-CISO", "eia:CISO", "NOPE"]),
        "quantity": st.sampled_from(["demand", "Demand ", "generation"]),
        "start": st.sampled_from(
            [
                *("2023-01-01T00:00:00Z", "2023-01-01T01:00:00+01:00", "2023-03-26T02:30:00", "2023-01-01T01:00:00"),
                *("2023-01-01T00:00:00.5Z", "2023-02-30T00:00:00Z", "", " 2023-01-01T02:00:00Z"),
                "1970-01-01T00:00:00Z",
            ]
        ),
        "value": st.sampled_from(
            ["1.5", "-2", "0", "-0", "1e400", "nan", "", "1_000", " 3", "abc", ".5", "7.", "1e-5", "0.1", "99999"]
            + (["0,5", "1,25e3"] if delimiter == ";" else [])
        ),
        "unit": st.sampled_from(["", "MWh", "GWh", "kWh", "bogus"]),
        "fuel_type": st.sampled_from(["", "F01050100", "Wind"]),
        "timeframe": st.sampled_from(["", "Real-time", "day-ahead"]),
        "quality": st.sampled_from(["", "measured", "Estimated", "2", "7", "bogus"]),
    }
    cells["end"] = cells["start"].map(lambda s: s.replace("T00", "T05") if s else "2023-01-01T06:00:00Z")
    lines = [_line(columns, delimiter, "\n")]
    for _ in range(draw(st.integers(1, 30))):
        row = [draw(cells[c]) for c in columns]
        kind = draw(st.sampled_from(["plain"] * 8 + ["blank", "narrow", "wide", "quoted"]))
        if kind == "blank":
            row = [""]
        elif kind == "narrow":
            row = row[:-1]
        elif kind == "wide":
            row = [*row, "1"]
        elif kind == "quoted":
            row[0] = f'"{row[0]}"'
        lines.append(_line(row, delimiter, draw(st.sampled_from(["\n"] * 6 + ["\r\n", "\r"]))))
    if draw(st.booleans()):
        lines[-1] = lines[-1].rstrip("\r\n")  # no line end after the last row
    return "".join(lines), delimiter


@given(files(), st.sampled_from([1, 16, 80, 400, 1 << 20]), st.sampled_from([None, ZoneInfo("Europe/Paris")]))
def test_the_blocks_give_the_rows_row_errors_and_file_errors_of_the_row_reader(file, block_chars, zone):
    text, _ = file
    bulk, rows = _both(text, block_chars, timezone=zone)
    assert bulk[:2] == rows[:2]


def test_plain_lines_come_as_blocks_and_the_rows_after_a_bad_one_keep_their_lines():
    rows = [
        f"US-WECC-CISO,demand,{z(utc(2023, 1, 1) + i * HOUR)},{z(utc(2023, 1, 1) + (i + 1) * HOUR)},{i}.5\n"
        for i in range(60)
    ]
    rows[31] = "US-WECC-CISO,demand,2023-02-01T00:00:00Z,2023-02-01T01:00:00Z,abc\n"
    text = "psr,quantity,start,end,value\n" + "".join(rows)
    with patch.object(canonical, "DATETIME_MEMO_SIZE", 7):  # instants forgotten and parsed again, block by block
        bulk, by_row = _both(text, 400)
    assert bulk[:2] == by_row[:2]
    assert bulk[2] >= 4  # most of the file came as blocks (about 400 characters, 5 rows, each)
    errors = [i for i in bulk[0] if not isinstance(i, Record)]
    assert [(e.line, e.column, e.value) for e in errors] == [(33, "value", "abc")]
    assert [r.line for r in bulk[0] if isinstance(r, Record)] == [n for n in range(2, 62) if n != 33]


@given(st.lists(st.from_regex(DECIMAL, fullmatch=True), min_size=1, max_size=200))
def test_arrow_reads_a_plain_decimal_to_the_double_python_reads(texts):
    try:
        arrow = pc.cast(pa.array(texts), pa.float64()).to_pylist()
    except pa.ArrowInvalid:
        return  # the block then goes to float(), row by row
    assert [a.hex() for a in arrow] == [float(t).hex() for t in texts]


# -- the import, both ways -----------------------------------------------------------------------------------------


def _outcome(tmp_path, content: str, **options) -> tuple:
    """What an import does (job, errors, store), rolled back after, so the next run starts from the same store."""
    with transaction.atomic():
        job = import_text(tmp_path, content, **options)
        errors = [(e.line, e.column, e.value, e.reason) for e in job.errors.order_by("line", "pk")]
        store = list(
            Point.objects.order_by("series__psr_id", "series__quantity", "series__unit", "start").values_list(
                "series__psr_id", "series__quantity", "series__unit", "start", "end", "value", "quality"
            )
        )
        counts = (job.status, job.rows_read, job.rows_inserted, job.rows_updated, job.rows_unchanged)
        outcome = (counts, job.rows_rejected, job.message, errors, store, job.written)
        transaction.set_rollback(True)
    return outcome


BAD_ROWS = [
    ("value", "US-WECC-CISO,demand,2023-01-05T00:00:00Z,2023-01-05T01:00:00Z,abc,,"),  # not a number
    ("psr", "NOPE,demand,2023-01-05T00:00:00Z,2023-01-05T01:00:00Z,1,,"),  # no such PSR
    ("value", "US-WECC-CISO,imports,2023-01-05T02:00:00Z,2023-01-05T03:00:00Z,-5,,"),  # a flow is never negative
    ("start", "US-WECC-CISO,demand,2023-01-01T05:00:00Z,2023-01-01T06:00:00Z,9,,"),  # a duplicate, blocks later
    ("end", "US-WECC-CISO,demand,2023-01-05T07:30:00Z,2023-01-05T07:00:00Z,9,,"),  # ends before it starts
    ("quality", "US-WECC-CISO,demand,2023-01-05T02:00:00Z,2023-01-05T03:00:00Z,1,,bogus"),  # no such quality
    ("unit", "US-WECC-CISO,demand,2023-01-05T02:00:00Z,2023-01-05T03:00:00Z,1,USD,"),  # demand is energy
    ("value", "US-WECC-CISO,generation,2023-01-05T02:00:00Z,2023-01-05T03:00:00Z,1e306,GWh,"),  # too big in MWh
    ("start", "US-WECC-CISO,demand,2023-01-05T04:00:00.5Z,2023-01-05T05:00:00Z,1,,"),  # not a whole second
]


def _mixed_file() -> tuple[str, list[int]]:
    """A file of many blocks: plain runs, with one row each check refuses between them, each in a block of its
    own (about ten rows a block, a bad row every 17); and the lines of those rows."""
    start = utc(2023, 1, 1)
    lines = ["psr,quantity,start,end,value,unit,quality\n"]
    bad_lines = []
    for i in range(16 * len(BAD_ROWS)):
        lines.append(f"US-WECC-CISO,demand,{z(start + i * HOUR)},{z(start + (i + 1) * HOUR)},{i}.25,,measured\n")
        if i % 16 == 15:
            lines.append(BAD_ROWS[i // 16][1] + "\n")
            bad_lines.append(len(lines))
    for i in range(24):  # another series, in GWh (stored in MWh)
        lines.append(f"US-WECC-CISO,generation,{z(start + i * HOUR)},{z(start + (i + 1) * HOUR)},0.00{i},GWh,\n")
    return "".join(lines), bad_lines


@pytest.mark.parametrize("mode", ["lenient", "strict"])
def test_an_import_by_blocks_does_what_the_import_row_by_row_does(demo, tmp_path, mode):
    write("US-WECC-CISO", "demand", run(utc(2022, 12, 31, 12), [1.0] * 24))  # overlaps the file's first hours
    content, bad_lines = _mixed_file()
    used = []
    check_columns = RowValidator.check_columns

    def counted(validator, block):
        checked = check_columns(validator, block)
        used.append(checked is not None)
        return checked

    with patch.object(canonical, "BLOCK_CHARS", 700), patch.object(RowValidator, "check_columns", counted):
        bulk = _outcome(tmp_path, content, mode=mode)
    with patch.object(CanonicalCsvAdapter, "blocks", CanonicalCsvAdapter.records):
        by_row = _outcome(tmp_path, content, mode=mode)
    assert bulk == by_row
    assert sum(used) >= 10  # most blocks were staged as columns
    status, read = bulk[0][:2]
    assert read == 17 * len(BAD_ROWS) + 24 and status == ("succeeded" if mode == "lenient" else "failed")
    if mode == "lenient":
        # Each refused on its line, and the stored day's overlap with the file's first hours by the set checks.
        refused = {line: column for line, column, *_ in bulk[3]}
        expected = dict(zip(bad_lines, (column for column, _ in BAD_ROWS), strict=True))
        assert {line: refused.get(line) for line in bad_lines} == expected
        gwh = [p for p in bulk[4] if p[1] == "generation"]
        assert [p[5] for p in gwh[:3]] == [0.0, 1.0, 2.0]  # 0.000 GWh, 0.001 GWh = 1 MWh, ...


def test_an_import_by_blocks_stages_instants_before_1970_and_far_ahead(demo, tmp_path):
    rows = [
        ("1969-12-31T23:00:00Z", "1970-01-01T00:00:00Z"),
        ("1970-01-01T00:00:00Z", "1970-01-01T01:00:00Z"),
        ("2999-12-31T23:00:00+00:00", "3000-01-01T00:00:00Z"),
    ]
    content = "psr,quantity,start,end,value\n" + "".join(f"US-WECC-CISO,demand,{a},{b},1.5\n" for a, b in rows)
    bulk = _outcome(tmp_path, content)
    with patch.object(CanonicalCsvAdapter, "blocks", CanonicalCsvAdapter.records):
        by_row = _outcome(tmp_path, content)
    assert bulk == by_row
    assert [(p[3], p[4] - p[3]) for p in bulk[4]] == [
        (utc(1969, 12, 31, 23), timedelta(hours=1)),
        (utc(1970, 1, 1), timedelta(hours=1)),
        (utc(2999, 12, 31, 23), timedelta(hours=1)),
    ]


def test_a_series_that_goes_back_in_time_across_blocks_is_noted_as_check_notes_it(demo):
    names = ("US-WECC-CISO", "demand", None, None, None, None, None)
    runs = [[0, 1, 2], [5], [1], [7, 8]]  # hours of 2023-01-01: the third block starts before the second ends

    def block(first_line: int, hours: list[int]) -> RecordColumns:
        start = np.array([(utc(2023, 1, 1, h) - EPOCH) // MICROSECOND for h in hours], dtype=np.int64)
        ones = np.ones(len(hours))
        return RecordColumns(
            first_line, [names], np.zeros(len(hours), dtype=np.int64), start, start + 3_600_000_000, ones,
            np.zeros(len(hours), dtype=np.int16), lambda: iter(()),
        )  # fmt: skip

    by_blocks, by_rows = RowValidator(), RowValidator()
    noted = []
    for hours in runs:
        assert by_blocks.check_columns(block(2, hours)) is not None
        for h in hours:
            by_rows.check(Record(2, *names[:2], utc(2023, 1, 1, h), utc(2023, 1, 1, h + 1), 1.0, *names[2:]))
        noted.append((set(by_blocks.unordered), set(by_rows.unordered)))
    assert noted == [(set(), set()), (set(), set()), ({1}, {1}), ({1}, {1})]
