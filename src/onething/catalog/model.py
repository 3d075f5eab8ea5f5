"""The catalog as the engines use it: immutable, indexed by code, conditions compiled once."""

from __future__ import annotations

from collections.abc import Collection, Mapping
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

    def effective_deps(self, applicable: Collection[str]) -> dict[str, tuple[str, ...]]:
        """Prerequisites among the applicable items.

        An `after` that names an item which does not apply passes through to that item's own
        prerequisites, so ordering is never lost. In a staged thing (construction projects) a stage
        starts when the previous stage that has applicable items is done: parallel inside a stage,
        one stage after another."""
        declared = {c.spec.item: c.spec.after for c in self.components}
        stage_of = {c.spec.item: c.spec.stage for c in self.components if c.spec.item in applicable}

        def reach(code: str, seen: set[str]) -> list[str]:
            found: list[str] = []
            for dep in declared.get(code, ()):
                if dep in seen:
                    continue
                seen.add(dep)
                found.extend([dep] if dep in applicable else reach(dep, seen))
            return found

        deps: dict[str, tuple[str, ...]] = {}
        for comp in self.components:
            code = comp.spec.item
            if code not in applicable:
                continue
            found = reach(code, set())
            stage = comp.spec.stage
            if stage is not None:
                earlier = [s for s in stage_of.values() if s is not None and s < stage]
                if earlier:
                    previous = max(earlier)
                    found += [c for c, s in stage_of.items() if s == previous]
            deps[code] = tuple(dict.fromkeys(found))
        return deps


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
