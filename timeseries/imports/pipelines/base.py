"""What every pipeline is: a function that runs a job's records, read by its adapter, through to the store."""

from collections.abc import Callable
from typing import Protocol

from ...models import ImportJob
from ..adapters import Adapter
from ..files import ImportSource
from ..records import ImportOptions

# progress(rows_read, bytes_read, bytes_total): called as a job reads its file (the command draws a bar with it).
Progress = Callable[[int, int, int], None]


class Pipeline(Protocol):
    def __call__(
        self,
        *,
        job: ImportJob,
        adapter: Adapter,
        source: ImportSource,
        options: ImportOptions,
        progress: Progress | None,
    ) -> None:
        """Read, check and write the job's records, and conclude the job (succeeded, or a dry run's counts);
        raises JobFailed or JobCancelled, having written nothing."""
