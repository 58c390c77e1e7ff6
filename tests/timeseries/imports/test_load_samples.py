"""`manage.py load_samples` (make run's last step before serving): it loads every sample it can read and skips the
others with a warning saying why; `--strict` makes any skipped file an error."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from timeseries.models import ImportJob, Point

pytestmark = pytest.mark.django_db

# Two hours of CISO's generation as EIA-930 exports it (hour-ending periods, megawatthours).
EIA930_FUEL = """\
period,respondent,respondent-name,fueltype,type-name,value,value-units
2021-06-01T01,CISO,California Independent System Operator,WAT,Hydro,1818,megawatthours
2021-06-01T01,CISO,California Independent System Operator,SUN,Solar,0,megawatthours
2021-06-01T02,CISO,California Independent System Operator,WAT,Hydro,1790,megawatthours
2021-06-01T02,CISO,California Independent System Operator,SUN,Solar,0,megawatthours
"""


@pytest.fixture
def samples(tmp_path):
    """A samples folder: one real-looking EIA-930 file, a CSV no adapter reads, a CSV that is not UTF-8."""
    (tmp_path / "eia930").mkdir()
    (tmp_path / "eia930" / "CISO_generation_by_fuel_2021-06.csv").write_text(EIA930_FUEL)
    (tmp_path / "notes.csv").write_text("author,remark\nana,check the June figures\n")
    (tmp_path / "latin1.csv").write_bytes("période;région;valeur\n2021-06-01;Île-de-France;12\n".encode("latin-1"))
    return tmp_path


def _load(folder, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("load_samples", str(folder), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_load_samples_imports_what_it_can_and_warns_about_each_file_it_skips(demo, samples):
    out, err = _load(samples)
    job = ImportJob.objects.get()
    assert (job.original_name, job.status, job.rows_inserted) == ("CISO_generation_by_fuel_2021-06.csv", "succeeded", 4)
    assert Point.objects.filter(series__psr_id="US-WECC-CISO", series__quantity="generation").exists()
    assert "eia930/CISO_generation_by_fuel_2021-06.csv: eia930-fuel-type -> areas named in the file: succeeded" in out
    assert "Skipped notes.csv: no adapter reads it (the formats we read: canonical-csv, " in err
    assert "Skipped latin1.csv: it cannot be read: " in err
    assert "UTF-8" in err.split("Skipped latin1.csv:")[1].split("\n")[0]
    assert err.strip().endswith("2 sample file(s) did not import: latin1.csv, notes.csv. The other samples are loaded.")


def test_load_samples_strict_fails_naming_the_files_it_skipped(demo, samples):
    with pytest.raises(CommandError, match=r"^2 sample file\(s\) did not import: latin1.csv, notes.csv$"):
        _load(samples, "--strict")
    assert ImportJob.objects.get().status == "succeeded"  # the file it could read is loaded all the same


def test_a_sample_whose_import_fails_is_skipped_with_the_jobs_message_and_first_errors(demo, tmp_path):
    bad = EIA930_FUEL.replace("1790", "lots")
    (tmp_path / "CISO_generation_by_fuel_2021-06.csv").write_text(bad)
    _, err = _load(tmp_path)
    job = ImportJob.objects.get()
    assert job.status == "failed"
    assert f"Skipped CISO_generation_by_fuel_2021-06.csv: its import failed (eia930-fuel-type): {job.message}" in err
    assert "\n  line 4 [value='lots']: " in err
    assert not Point.objects.exists()
