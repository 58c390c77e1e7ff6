"""The upload form of the import page, and the upload handler that stops an upload once it passes the size limit."""

import zoneinfo

from django import forms
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.template.defaultfilters import filesizeformat

from psr.choices import ReadingFormat, ReadingValidity
from psr.models import Meter, PowerSystemResource

from ...models import ImportJob
from ..adapters import registry

# What a multipart body carries besides the file: the form's fields (bounded by DATA_UPLOAD_MAX_MEMORY_SIZE) and
# the part headers. A body larger than the file limit plus this cannot hold a file within the limit.
MULTIPART_OVERHEAD = 1024 * 1024


def upload_limit_message(max_bytes: int) -> str:
    return (
        f"The file is larger than the upload limit of {filesizeformat(max_bytes)} ({max_bytes:,} bytes); "
        "nothing was stored. Compress it with gzip or split it into smaller files."
    )


class UploadLimitHandler(FileUploadHandler):
    """Counts the bytes of the uploaded files and stops the upload as soon as they pass `max_bytes`.

    It runs before Django's own handlers, so no chunk past the limit reaches the temporary file; on a stop Django
    closes (and so deletes) the partial temporary file, reads and drops the rest of the body, and keeps the fields
    sent before the file (the form puts the file last).
    """

    def __init__(self, request=None, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0
        self.exceeded = False
        self.body_length: int | None = None

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.body_length = content_length
        return None  # the normal multipart parsing goes on

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        # Refuse a body that is certainly too large before spooling any of it to disk.
        fields_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if fields_limit is not None and (self.body_length or 0) > self.max_bytes + fields_limit + MULTIPART_OVERHEAD:
            self._stop()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self._stop()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers build the file

    def _stop(self) -> None:
        self.exceeded = True
        # Not a connection reset: the browser must get the page that says why.
        raise StopUpload(connection_reset=False)


def _format_choices() -> list[tuple[str, str]]:
    return [("auto", "Detect from the file"), *((a.name, a.label) for a in registry().values())]


class ImportUploadForm(forms.Form):
    """What the person importing chooses; the file comes last so that a stopped upload keeps the other fields."""

    format = forms.ChoiceField(choices=_format_choices, initial="auto", help_text="Detected from the file by default.")
    mode = forms.ChoiceField(choices=ImportJob.Mode.choices, initial=ImportJob.Mode.STRICT, widget=forms.RadioSelect)
    dry_run = forms.BooleanField(
        required=False, label="Dry run", help_text="Read and check the file, report counts and errors, write nothing."
    )
    timezone = forms.CharField(
        required=False,
        max_length=64,
        help_text="IANA name (e.g. America/Los_Angeles) of the datetimes the file writes without an offset.",
    )
    psr = forms.CharField(
        required=False,
        max_length=128,
        label="Power system resource",
        help_text="The PSR id (e.g. US-WECC-CISO) of a file that names no area.",
    )
    meter = forms.CharField(
        required=False,
        max_length=64,
        label="Meter",
        help_text="Meter readings: the meter number of a file that names none (Green Button, SCADA logs).",
    )
    reading_format = forms.ChoiceField(
        required=False,
        choices=[("", "The file's, or its kind's default"), *ReadingFormat.choices],
        label="Reading format",
        help_text="Meter readings: the format of streams the file does not name.",
    )
    validity = forms.ChoiceField(
        required=False,
        choices=[("", "The file's, or its kind's default"), *ReadingValidity.choices],
        label="Reading validity",
        help_text="Meter readings: the validity of streams the file does not name.",
    )
    file = forms.FileField(
        help_text="CSV, JSON or XML (Green Button), or any of them compressed with gzip (.gz).",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.json,.xml,.gz,.txt,text/csv,application/json,application/xml,text/xml"}
        ),
    )

    def __init__(self, *args, upload_limit_exceeded: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = settings.CDSC_IMPORT_MAX_BYTES
        self.upload_limit_exceeded = upload_limit_exceeded
        if upload_limit_exceeded:
            # The file never arrived: say why, instead of "this field is required".
            self.fields["file"].required = False
        self.fields["file"].help_text += f" At most {filesizeformat(self.max_bytes)}."
        self.fields["file"].widget.attrs["data-max-bytes"] = str(self.max_bytes)

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if self.upload_limit_exceeded or (file is not None and file.size > self.max_bytes):
            raise forms.ValidationError(upload_limit_message(self.max_bytes), code="too_large")
        return file

    def clean_timezone(self) -> str:
        name = self.cleaned_data["timezone"].strip()
        if not name:
            return ""
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, a name too long
            raise forms.ValidationError(
                f"'{name}' is not an IANA timezone name (e.g. Europe/Paris, America/New_York, UTC).", code="invalid"
            ) from None
        return name

    def clean_meter(self) -> Meter | None:
        number = self.cleaned_data["meter"].strip()
        if not number:
            return None
        meter = Meter.objects.filter(meter_number=number).first()
        if meter is None:
            raise forms.ValidationError(f"There is no meter '{number}'.", code="unknown")
        return meter

    def clean_psr(self) -> PowerSystemResource | None:
        psr_id = self.cleaned_data["psr"].strip()
        if not psr_id:
            return None
        psr = PowerSystemResource.objects.filter(pk=psr_id).first()
        if psr is None:
            raise forms.ValidationError(f"There is no power system resource '{psr_id}'.", code="unknown")
        return psr
