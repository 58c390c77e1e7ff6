"""Opening an import file: gzip or not, UTF-8 or a clear refusal, read in a stream whose progress can be told."""

import codecs
import gzip
import io
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .records import ImportFileError

HEAD_BYTES = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"
# Signatures of files people upload by mistake, to name what they uploaded instead of "not UTF-8".
SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (or an Excel workbook); upload the CSV, JSON or XML itself, or gzip it",
    b"BZh": "a bzip2 archive; upload the CSV, JSON or XML itself, or gzip it",
    b"\xfd7zXZ\x00": "an xz archive; upload the CSV, JSON or XML itself, or gzip it",
}
UTF16_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class _CountingReader(io.RawIOBase):
    """The file's bytes (inflated, for a gzip file) as read, counted, refused past a limit (a small gzip file can
    inflate to terabytes), with the source's read hook called at every buffer read: a job reading a long run of
    blank lines, which yields no rows, still checks for a cancel and reports its progress."""

    def __init__(self, stream: BinaryIO, limit: int | None, source: "ImportSource") -> None:
        self._stream = stream
        self._limit = limit
        self._source = source
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            n = self._stream.readinto(buffer)
        except (OSError, EOFError, zlib.error) as exc:
            raise ImportFileError(f"The gzip file is damaged or truncated ({exc}).") from exc
        self.count += n
        if self._limit is not None and self.count > self._limit:
            raise ImportFileError(
                f"The gzip file inflates to more than {self._limit:,} bytes, the limit of one import "
                "(CDSC_IMPORT_MAX_DECOMPRESSED_BYTES); split it or raise the limit."
            )
        if self._source.on_read is not None:
            self._source.on_read()
        return n


class ImportSource:
    """An import file opened for reading as text, with the number of its bytes (as stored) read so far."""

    def __init__(self, path: Path, *, max_decompressed: int) -> None:
        self.path = Path(path)
        self.size = self.path.stat().st_size
        self._raw = self.path.open("rb", buffering=HEAD_BYTES)
        self.compressed = self._raw.read(2) == GZIP_MAGIC
        self._raw.seek(0)
        # Called (with no argument) each time a buffer of the file is read; may raise to stop the reading (a cancel,
        # a time limit). Whoever sets it keeps it cheap: it runs every HEAD_BYTES of text.
        self.on_read: Callable[[], None] | None = None
        if self.compressed:
            self._counter = _CountingReader(gzip.GzipFile(fileobj=self._raw), max_decompressed, self)
        else:
            self._counter = _CountingReader(self._raw, None, self)
        binary = io.BufferedReader(self._counter, HEAD_BYTES)
        self.head = _check_head(_read_head(binary))
        # newline="" lets the csv module see the line ends itself (quoted newlines, CRLF); the BOM is dropped.
        self.text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")

    @property
    def bytes_read(self) -> int:
        """Bytes of the stored file consumed so far (compressed bytes for a gzip file)."""
        try:
            return min(self._raw.tell(), self.size)
        except ValueError:  # closed
            return self.size

    @property
    def text_bytes_read(self) -> int:
        """Bytes of text read so far (inflated bytes for a gzip file; a little ahead of what the adapter consumed)."""
        return self._counter.count

    def close(self) -> None:
        self.text.close()
        self._raw.close()

    def __enter__(self) -> "ImportSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _read_head(binary: io.BufferedReader) -> bytes:
    """The first buffer of the file, without consuming it."""
    try:
        return binary.peek(HEAD_BYTES)[:HEAD_BYTES]
    except (OSError, EOFError, zlib.error) as exc:
        raise ImportFileError(f"The gzip file is damaged or truncated ({exc}).") from exc


def _check_head(head: bytes) -> str:
    """The start of the file as text, or an ImportFileError saying what the file is instead."""
    if not head.strip():
        raise ImportFileError("The file is empty.")
    for signature, what in SIGNATURES.items():
        if head.startswith(signature):
            raise ImportFileError(f"The file is {what}, not CSV, JSON or XML text.")
    if head.startswith(UTF16_BOMS) or (len(head) > 1 and head.count(b"\x00") > len(head) // 4):
        raise ImportFileError("The file is UTF-16 or UTF-32 text; save it as UTF-8 and upload it again.")
    if b"\x00" in head:
        raise ImportFileError("The file is binary (it holds NUL bytes), not CSV, JSON or XML text.")
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise ImportFileError(not_utf8_message(head, exc.start)) from exc


def not_utf8_message(data: bytes, position: int) -> str:
    line = data.count(b"\n", 0, position) + 1
    return (
        f"The file is not UTF-8 text: byte 0x{data[position]:02x} on line {line} is not valid UTF-8 "
        "(a file saved as Latin-1 or Windows-1252?). Save it as UTF-8 and upload it again."
    )
