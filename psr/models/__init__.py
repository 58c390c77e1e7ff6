"""The psr app's models: the grid model (`grid`) and the production projects that hang on it (`projects`)."""

from .grid import (
    MPTT_FIELDS,
    AssetInfo,
    Connection,
    ExternalIdentifier,
    InstalledCapacity,
    Location,
    PowerSystemResource,
    TransmissionCapacity,
    are_connected,
)
from .projects import ContractType, Meter, ProductionProject, ProductionProjectGrant

__all__ = [
    "MPTT_FIELDS",
    "AssetInfo",
    "Connection",
    "ContractType",
    "ExternalIdentifier",
    "InstalledCapacity",
    "Location",
    "Meter",
    "PowerSystemResource",
    "ProductionProject",
    "ProductionProjectGrant",
    "TransmissionCapacity",
    "are_connected",
]
