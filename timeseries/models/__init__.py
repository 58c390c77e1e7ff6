"""The app's models: the time-series store (series and points) and the import jobs that write to it."""

from .imports import ImportJob, ImportRowError, ImportStorage, import_storage
from .store import DataVersion, Point, Series

__all__ = ["DataVersion", "ImportJob", "ImportRowError", "ImportStorage", "Point", "Series", "import_storage"]
