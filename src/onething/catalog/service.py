"""Catalog operations: validate YAML, store it as a numbered version, serve the active version.

The compiled catalog of a version never changes, so each process keeps the ones it has built
(keyed by version number); any process can rebuild them from the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onething.catalog import holidays, repository, spec
from onething.catalog.diff import CatalogDiff, as_yaml, compare
from onething.catalog.model import Catalog
from onething.catalog.source import Located, Problem, SourceSet, read_sources
from onething.catalog.validate import build_catalog
from onething.identity.principal import Principal
from onething.kit.errors import AppError, Conflict, NotFound, ServiceUnavailable, ValidationFailed
from onething.kit.memo import Fresh, OnceMap
from onething.kit.settings import get_settings, shipped_data
from onething.models import CatalogEntry, CatalogVersion

_cache: OnceMap[tuple[int, str], Catalog] = OnceMap(limit=8)  # the active version and a few pinned ones


class CatalogInvalid(AppError):
    status = 422
    code = "catalog_invalid"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"目录有 {len(problems)} 处错误，未载入任何内容")
        self.problems = problems


def default_catalog_path() -> Path:
    configured = get_settings().catalog_path
    if configured is not None:
        return configured
    return shipped_data("catalog")


def validate_path(path: Path | None = None) -> tuple[Catalog | None, list[Problem], SourceSet]:
    sources = read_sources(path or default_catalog_path())
    catalog, problems = build_catalog(sources)
    return catalog, problems, sources


@dataclass(frozen=True)
class LoadResult:
    number: int
    created: bool
    counts: dict[str, int]
    regions_changed: int


def load(session: Session, path: Path | None = None) -> LoadResult:
    """Validate and store the catalog; a catalog identical to the latest version changes nothing."""
    root = path or default_catalog_path()
    catalog, problems, sources = validate_path(root)
    if catalog is None:
        raise CatalogInvalid(problems)
    counts = {section: len(rows) for section, rows in sources.entries.items() if rows}
    regions_changed = repository.upsert_regions(session, _regions_parents_first(catalog))
    latest = repository.latest_version(session)
    if latest is not None and latest.digest == sources.digest:
        return LoadResult(latest.number, False, dict(latest.counts), regions_changed)
    number = (latest.number if latest else 0) + 1
    version = CatalogVersion(number=number, digest=sources.digest, source=str(root)[:500], counts=counts)
    rows = [
        CatalogEntry(
            section=section, code=_code(entry, n), name=_name(entry, n), body=entry.value.model_dump(mode="json")
        )
        for section, located in sources.entries.items()
        for n, entry in enumerate(located)
    ]
    try:
        repository.add_version(session, version, rows)
    except IntegrityError:  # another process stored this number first
        raise Conflict("另一个进程刚刚载入了目录，本次未作任何修改，请重新运行", code="catalog_load_conflict") from None
    holidays.apply_catalog_years(session, catalog.holidays)
    return LoadResult(number, True, counts, regions_changed)


def _regions_parents_first(catalog: Catalog) -> list[tuple[str, str, str, str | None]]:
    order = {level.value: i for i, level in enumerate(spec.Level)}
    ranked = sorted(catalog.regions.values(), key=lambda r: (order[r.level.value], r.code))
    return [(r.code, r.name, r.level.value, r.parent) for r in ranked]


def _code(entry: Located, n: int) -> str:
    """The entry's key within its section; synonym groups have none, so their position serves."""
    value = entry.value
    if isinstance(value, spec.Implementation):
        return f"{value.item}@{value.region}"
    if isinstance(value, spec.Synonym):
        return f"synonym_{n}"
    if isinstance(value, spec.HolidayYear):
        return str(value.year)
    return str(value.code)


def _name(entry: Located, n: int) -> str:
    value = entry.value
    name = getattr(value, "name", None) or getattr(value, "label", None)
    if name is None and isinstance(value, spec.Synonym):
        name = "、".join(value.words)
    return str(name or _code(entry, n))[:200]


_MODELS: dict[str, type[BaseModel]] = {
    "regions": spec.Region,
    "org_kinds": spec.OrgKind,
    "license_types": spec.LicenseType,
    "data_elements": spec.DataElement,
    "materials": spec.Material,
    "items": spec.Item,
    "implementations": spec.Implementation,
    "things": spec.Thing,
    "synonyms": spec.Synonym,
    "holidays": spec.HolidayYear,
}


def _check_seconds() -> float:
    return get_settings().catalog_check_seconds


_latest: Fresh[str, tuple[int, str]] = Fresh(_check_seconds)  # database URL -> (number, digest)
_digests: Fresh[tuple[str, int], str] = Fresh(_check_seconds)  # (database URL, number) -> digest


def active_catalog(session: Session) -> Catalog:
    latest = _latest_key(session)
    if latest is None:
        raise ServiceUnavailable("目录尚未载入，请先运行 onething catalog load", code="catalog_not_loaded")
    return _cached(session, *latest)


def _database(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=True)


def _trusted_key(session: Session) -> tuple[int, str] | None:
    """The active version as this process last read it, if within ``catalog_check_seconds``."""
    return _latest.get(_database(session))


def known_catalog(session: Session) -> Catalog | None:
    """The active catalog when this process knows it without asking the database, else None.

    Lets a CPU-only route stay on the event loop and go to the thread pool only for the rare
    database check."""
    key = _trusted_key(session)
    return _cache.peek(key) if key else None


def _latest_key(session: Session) -> tuple[int, str] | None:
    """The active version, asked of the database at most every ``catalog_check_seconds``."""
    key = _trusted_key(session)
    if key is not None:
        return key
    latest = repository.latest_key(session)
    if latest is not None:
        _latest.put(_database(session), latest)
    return latest


def catalog_version(session: Session, number: int) -> Catalog:
    """A stored version (cases read the one they were submitted under). Its digest is trusted for
    ``catalog_check_seconds`` like the active version's, so a case's steps cost no catalog query."""
    key = (_database(session), number)
    digest = _digests.get(key)
    if digest is not None:
        return _cached(session, number, digest)
    version = repository.version_by_number(session, number)
    if version is None:
        raise NotFound(f"目录版本 {number} 不存在", field="version", code="catalog_version_not_found")
    _digests.put(key, version.digest)
    return _cached(session, version.number, version.digest)


def _cached(session: Session, number: int, digest: str) -> Catalog:
    # Keyed by content as well as number: two databases (or a rolled-back load) may reuse a number.
    return _cache.get((number, digest), lambda: _build_from_db(session, number))


def _build_from_db(session: Session, number: int) -> Catalog:
    version = repository.version_by_number(session, number)
    if version is None:
        raise NotFound(f"目录版本 {number} 不存在", field="version", code="catalog_version_not_found")
    sources = SourceSet(root=Path(), digest=version.digest)
    for i, (section, body) in enumerate(repository.entries(session, version.id)):
        model = _MODELS[section].model_validate(body)
        sources.entries[section].append(Located(model, f"<版本 {number}>", {}, (section, i)))
    catalog, problems = build_catalog(sources)
    if catalog is None:  # stored versions were valid when stored; this means the code changed under them
        raise ServiceUnavailable(f"目录版本 {number} 无法重建：{problems[0]}", code="catalog_corrupt")
    return catalog.with_version(number)


def versions(session: Session) -> list[CatalogVersion]:
    return list(repository.list_versions(session))


def current_number(session: Session) -> int | None:
    latest = repository.latest_key(session)
    return latest[0] if latest else None


# ---------------------------------------------------------------- browsing stored versions (staff pages)

# Reading versions changes nothing; supervisors read them to check what a case was judged under.
READERS = ("catalog_admin", "system_admin", "supervisor")
SECTION_NAMES = {
    "things": "一件事",
    "items": "事项",
    "materials": "材料",
    "data_elements": "数据元",
    "license_types": "证照类型",
    "org_kinds": "机构类型",
    "regions": "行政区划",
    "implementations": "实施清单",
    "synonyms": "同义词",
    "holidays": "节假日",
}


@dataclass(frozen=True)
class VersionSection:
    version: CatalogVersion
    active: bool
    section: str
    entries: list[tuple[str, str]]  # (code, name)


@dataclass(frozen=True)
class StoredEntry:
    version: CatalogVersion
    active: bool
    section: str
    code: str
    name: str
    text: str  # the entry as YAML


def _version(session: Session, number: int) -> CatalogVersion:
    version = repository.version_by_number(session, number)
    if version is None:
        raise NotFound(f"目录版本 {number} 不存在", field="number", code="catalog_version_not_found")
    return version


def _section(section: str) -> str:
    if section not in spec.SECTIONS:
        raise NotFound(f"目录没有“{section}”这一部分", field="section", code="catalog_section_not_found")
    return section


def stored_versions(session: Session, principal: Principal) -> list[CatalogVersion]:
    """Newest first: the first one is the active version."""
    principal.require(*READERS)
    return versions(session)


def version_section(session: Session, principal: Principal, number: int, section: str) -> VersionSection:
    principal.require(*READERS)
    version = _version(session, number)
    entries = list(repository.entry_names(session, version.id, _section(section)))
    return VersionSection(version, number == current_number(session), section, entries)


def stored_entry(session: Session, principal: Principal, number: int, section: str, code: str) -> StoredEntry:
    principal.require(*READERS)
    version = _version(session, number)
    row = repository.entry(session, version.id, _section(section), code)
    if row is None:
        raise NotFound(
            f"目录第 {number} 版的{SECTION_NAMES[section]}中没有 {code}", field="code", code="catalog_entry_not_found"
        )
    return StoredEntry(version, number == current_number(session), section, row.code, row.name, as_yaml(row.body))


def compare_versions(session: Session, principal: Principal, before: int, after: int) -> CatalogDiff:
    principal.require(*READERS)
    if before == after:
        raise ValidationFailed("请选择两个不同的版本进行比较", field="to", code="same_version")
    old = _version_for_diff(session, before, "from")
    new = _version_for_diff(session, after, "to")
    return compare(before, repository.keyed_entries(session, old.id), after, repository.keyed_entries(session, new.id))


def _version_for_diff(session: Session, number: int, field: str) -> CatalogVersion:
    version = repository.version_by_number(session, number)
    if version is None:
        raise ValidationFailed(f"目录版本 {number} 不存在", field=field, code="catalog_version_not_found")
    return version
