"""The import pipelines, one per kind of payload an adapter yields: time series, meter readings, installed
capacities, inventories.

Each is a function with the same keyword arguments (base.Pipeline); the adapter's `kind` picks it.
"""

from ..records import Payload
from . import capacities, inventories, readings, timeseries
from .base import Pipeline, Progress

PIPELINES: dict[Payload, Pipeline] = {
    Payload.TIMESERIES: timeseries.run,
    Payload.READINGS: readings.run,
    Payload.CAPACITY: capacities.run,
    Payload.INVENTORY: inventories.run,
}

__all__ = ["PIPELINES", "Pipeline", "Progress"]
