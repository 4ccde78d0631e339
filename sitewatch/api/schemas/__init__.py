from sitewatch.api.schemas.devices import (
    DeviceFilters,
    DeviceIn,
    DeviceOut,
    DevicePatch,
    PointFilters,
    PointIn,
    PointOut,
    PointPatch,
)
from sitewatch.api.schemas.parties import (
    DeviceModelFilters,
    DeviceModelIn,
    DeviceModelOut,
    DeviceModelPatch,
    FirmFilters,
    FirmIn,
    FirmOut,
    FirmPatch,
)
from sitewatch.api.schemas.projects import DistrictOut, ProjectFilters, ProjectIn, ProjectOut, ProjectPatch

__all__ = [
    "DeviceFilters", "DeviceIn", "DeviceModelFilters", "DeviceModelIn", "DeviceModelOut", "DeviceModelPatch",
    "DeviceOut", "DevicePatch", "DistrictOut", "FirmFilters", "FirmIn", "FirmOut", "FirmPatch", "PointFilters",
    "PointIn", "PointOut", "PointPatch", "ProjectFilters", "ProjectIn", "ProjectOut", "ProjectPatch",
]
