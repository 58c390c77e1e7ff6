"""The psr app's models: the grid model (`grid`), the production projects that hang on it (`projects`), and the
emission factors operators set for a PSR's subtree (`emissions`)."""

from .emissions import DeclaredIntensity, PsrEmissionFactor
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
    "DeclaredIntensity",
    "ExternalIdentifier",
    "InstalledCapacity",
    "Location",
    "Meter",
    "PowerSystemResource",
    "ProductionProject",
    "ProductionProjectGrant",
    "PsrEmissionFactor",
    "TransmissionCapacity",
    "are_connected",
]
