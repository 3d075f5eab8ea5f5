"""Every ORM class, one module per aggregate; importing this package registers them all."""

from onething.models.base import Base
from onething.models.calendar import HolidayDay, HolidayYear
from onething.models.catalog import CatalogEntry, CatalogVersion
from onething.models.region import Region

__all__ = ["Base", "CatalogEntry", "CatalogVersion", "HolidayDay", "HolidayYear", "Region"]
