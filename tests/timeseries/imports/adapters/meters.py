"""Where the adapter tests find the real meter-level samples (../shared/data/meters), read in place, never copied."""

from pathlib import Path

import pytest

from tests.timeseries.helpers import METER_SAMPLES

REPO = Path(__file__).resolve().parents[4]
# `make test` sets CDSC_METER_DATA; without it the folder beside the clone (or the worktree) is used when it is there.
METER_DIR = Path(METER_SAMPLES) if METER_SAMPLES else REPO.parent / "shared" / "data" / "meters"


def meter_sample(name: str) -> str:
    """The text of a real meter sample as the import reads it; the test is skipped when this machine lacks it."""
    path = METER_DIR / name
    if not path.is_file():
        pytest.skip(f"the meter sample {name} is not under {METER_DIR} (set CDSC_METER_DATA)")
    with path.open(encoding="utf-8-sig", newline="") as file:
        return file.read()
