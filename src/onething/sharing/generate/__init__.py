"""Synthetic population (人口库) and legal-person (法人库) rows for Hunan: pure, deterministic, fast.

``people()`` and ``enterprises()`` yield plain tuples in the column order of ``PERSON_COLUMNS`` and
``ENTERPRISE_COLUMNS``. Row ``i`` depends only on ``(set of regions, i, seed, today)``, never on ``start``
or ``count``: ``people(r, 10, start=5)`` is rows 5..14 of ``people(r, 15)``. Callers add more rows later
by passing ``start`` = the number of rows already generated. Generation costs a few microseconds a row
(``bench/bench_generate.py``); the first call per ``today`` builds lookup tables (~0.5 s).

Uniqueness of ID numbers. The identity of a row is a *slot* ``(region, residue, sequence)`` in a space
of ``regions × days × sequences``; its ID number is region code + birth date + 3-digit sequence + check
character. The birth date is the one day of a fixed-length window ending ``today`` whose ordinal is
congruent to ``residue`` modulo the window length, so distinct slots always give distinct ID numbers,
whatever ``today`` is. Row ``i`` examines the candidate indexes ``i*K .. i*K+K-1`` (disjoint between
rows); each goes through a multiplicative permutation of the slot space, then two keyed shifts (the
residue by a table indexed by the sequence, the region by a table indexed by the residue), each a
bijection; the first candidate whose age passes an age-pyramid acceptance test is taken (the last one
otherwise). Hence distinct row indexes never share a slot: ID numbers are unique over any set of
non-overlapping ranges, for any seeds and any ``today``, as long as the *set* of region codes is the
same (their order does not matter; adding or removing a region changes the mapping). ``capacity()``
tells how many rows the regions hold (about 7.9 million people per county).

Legal representatives live in a separate slot space: sequence numbers 900-999 (people use 000-899),
ages 22-75, enterprise index ``i`` -> one slot by the same kind of permutation. They therefore never
collide with anyone from ``people()`` and are distinct from each other (one representative per
enterprise); they are not rows of ``people()``.

Credit codes: the 8-character organisation-code body encodes a bijective scramble of the enterprise
index below 10**8 (8 digits before the 2015-10 reform, ``MA`` + 6 base-31 characters after), so credit
codes are unique across ranges too. Names, phones, addresses and company details come from the seed;
phones and addresses are drawn from pools and may repeat, as they do in real life.

Check characters (GB 11643 MOD 11-2, GB 32100 MOD 31) are table look-ups whose per-position weights
are read back from ``onething.kit.validators`` once, so the weights live in one place.
"""

from __future__ import annotations

from onething.sharing.generate.enterprises import enterprises
from onething.sharing.generate.model import (
    ENTERPRISE_COLUMNS,
    PERSON_COLUMNS,
    EnterpriseRow,
    PersonRow,
    RegionSeed,
)
from onething.sharing.generate.people import people
from onething.sharing.generate.slots import capacity

__all__ = [
    "ENTERPRISE_COLUMNS",
    "PERSON_COLUMNS",
    "EnterpriseRow",
    "PersonRow",
    "RegionSeed",
    "capacity",
    "enterprises",
    "people",
]
