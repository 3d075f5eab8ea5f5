"""The catalog as the engines use it: immutable, indexed by code, conditions compiled once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from onething.catalog import spec
from onething.kit.conditions import Condition


@dataclass(frozen=True, slots=True)
class CompiledQuestion:
    spec: spec.Question
    when: Condition | None
    option_labels: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class CompiledComponent:
    spec: spec.Component
    when: Condition | None
    reads: frozenset[str]  # question codes the condition reads
    compares: Mapping[str, frozenset[str]]  # question code -> option codes the condition names


@dataclass(frozen=True, slots=True)
class CompiledMaterialRef:
    spec: spec.MaterialRef
    when: Condition | None


@dataclass(frozen=True, slots=True)
class CompiledItem:
    spec: spec.Item
    materials: tuple[CompiledMaterialRef, ...]
    code: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", self.spec.code)  # read on every guide: a slot, not a property


@dataclass(frozen=True, slots=True)
class CompiledThing:
    spec: spec.Thing
    questions: tuple[CompiledQuestion, ...]
    components: tuple[CompiledComponent, ...]
    question_index: Mapping[str, CompiledQuestion]

    @property
    def code(self) -> str:
        return self.spec.code


@dataclass(frozen=True, eq=False)  # identity: engines cache derived views per catalog object
class Catalog:
    digest: str
    regions: Mapping[str, spec.Region]
    org_kinds: Mapping[str, spec.OrgKind]
    license_types: Mapping[str, spec.LicenseType]
    data_elements: Mapping[str, spec.DataElement]
    materials: Mapping[str, spec.Material]
    items: Mapping[str, CompiledItem]
    things: Mapping[str, CompiledThing]
    implementations: Mapping[tuple[str, str], spec.Implementation]
    synonyms: tuple[tuple[str, ...], ...] = ()
    holidays: tuple[spec.HolidayYear, ...] = ()
    version: int | None = None  # set once stored

    def region_chain(self, code: str) -> list[spec.Region]:
        """The region and its ancestors, most specific first."""
        chain: list[spec.Region] = []
        current = self.regions.get(code)
        while current is not None:
            chain.append(current)
            current = self.regions.get(current.parent) if current.parent else None
        return chain

    def implementation(self, item: str, region: str | None) -> spec.Implementation | None:
        """The most specific override of ``item`` that applies in ``region``."""
        if region is None or not self.implementations:
            return None
        for r in self.region_chain(region):
            found = self.implementations.get((item, r.code))
            if found is not None:
                return found
        return None

    def with_version(self, version: int) -> Catalog:
        return replace(self, version=version)
