"""Small-cell suppression with complementary suppression (reports.md, ``audience=public``).

Small counts (``SMALL_CELLS``) are withheld (primary suppression); then further counts
(complements) until the reader of ``attacker`` recovers none of them; then every complement
that is not needed is shown again, so that as few counts as possible are withheld:

1. Complements, one at a time, for the first recovered count (in key order): from the relations
   that hold it, then those that share a withheld count with them, and so on (breadth first),
   a shown non-zero part of a relation that would otherwise have a single unknown if there is
   one, preferring the lightest (``weight``), then those that close more such relations, then
   the smallest, then by key; the relation's total when no part will do. Zeros are shown and
   never complements.
2. Then each complement, heaviest first (by ``weight``, then value), is shown again if the
   reader still recovers nothing.

The result is minimal in that sense: showing any one more withheld count would give one away.
Deterministic: the same counts and relations give the same withheld set.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from typing import Any, TypeVar

from services.reporting.domain.attacker import Attacker
from services.reporting.domain.cells import COUNT_MEASURES, Cell, Key, cell_key
from services.reporting.domain.constraints import Constraint
from services.reporting.domain.small_cells import SMALL_CELLS, SmallCellRule

K = TypeVar("K", bound=Hashable)
_REACH = 4
"""How many layers of relations around a pinned count are searched for a light complement."""
PCT_NOTE = "suppressed"
COMPLEMENT_NOTE = "suppressed (complementary)"


def order(obj: object) -> tuple[Any, ...]:
    """A total, deterministic order over keys mixing str and int parts."""
    if isinstance(obj, tuple):
        return (2, tuple(order(x) for x in obj))
    if isinstance(obj, int | float):
        return (0, obj)
    if isinstance(obj, str):
        return (1, obj)
    return (3, repr(obj))


def _validate(values: Mapping[K, int], constraints: Sequence[Constraint[K]]) -> None:
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"a count must be a non-negative int: {key!r}={value!r}")
    for constraint in constraints:
        missing = [k for k in constraint.members if k not in values]
        if missing:
            raise ValueError(f"constraint members without a value: {missing!r}")
        if not constraint.holds(values):
            raise ValueError(f"constraint does not hold: {constraint!r}")


def suppress(
    values: Mapping[K, int],
    constraints: Sequence[Constraint[K]],
    *,
    unpublished: Collection[K] = frozenset(),
    free: Collection[K] = frozenset(),
    rule: SmallCellRule = SMALL_CELLS,
    weight: Callable[[K], int] = lambda key: 0,
) -> frozenset[K]:
    """The published counts to withhold, primary and complementary; complements are chosen
    among the lightest counts first (``weight``: e.g. totals weigh more than their parts).

    ``values`` holds every count, including ``unpublished`` ones (implied by the relations but
    never printed, e.g. inactive where only active and total are shown: a small one is
    protected) and ``free`` ones (never printed nor protected). Raises ``ValueError`` if a
    relation member has no value or a relation does not add up.
    """
    _validate(values, constraints)
    never_shown = set(unpublished) | set(free)
    published = frozenset(k for k in values if k not in never_shown)
    attacker = Attacker(values, constraints, published, frozenset(free), rule, order, weight)
    primary = {k for k in published if rule.is_small(values[k])}
    hidden = _complete(attacker, set(primary))
    return frozenset(_prune(attacker, hidden, primary))


def _complete(attacker: Attacker[K], hidden: set[K]) -> set[K]:
    """Add complements until the reader recovers nothing (or nothing is left to withhold).

    While counts are recovered by elimination, each round adds one complement for every
    relation where such a count is alone (cheap); then groups are attacked, and a round adds
    one complement near every count pinned there.
    """
    while True:
        reading = attacker.read(hidden)
        recovered = attacker.ranked(reading.recovered) or attacker.ranked(attacker.pinned(reading))
        if not recovered:
            return hidden
        added = 0
        for key in recovered:
            extra = _alone(attacker, key, hidden, _unknown(attacker, hidden))
            if extra is not None:
                hidden.add(extra)
                added += 1
        if added:
            continue
        near: set[K] = set()  # pinned by bounds: one complement per neighbourhood and round
        for key in recovered:
            if key in near:
                continue
            extra = _nearest(attacker, key, hidden)
            if extra is not None:
                hidden.add(extra)
                added += 1
                near |= _neighbours(attacker, extra) | _neighbours(attacker, key)
        if not added:
            return hidden  # every relation around is withheld already: nothing more can help


def _prune(attacker: Attacker[K], hidden: set[K], primary: set[K]) -> set[K]:
    """Show again each complement that is not needed, largest first."""
    values = attacker.values
    reading = attacker.read(hidden)
    for key in sorted(hidden - primary, key=lambda k: (-attacker.weight(k), -values[k], order(k))):
        shown = attacker.show(reading, key)
        if shown is not None:
            hidden = hidden - {key}
            reading = shown
    return hidden


def _alone(attacker: Attacker[K], key: K, hidden: set[K], unknown: set[K]) -> K | None:
    """The best complement from the relations where ``key`` is the only unknown."""
    relations = [
        attacker.constraints[i]
        for i in attacker.members[key]
        if sum(m in unknown for m in attacker.constraints[i].members) == 1
    ]
    return _best(attacker, relations, hidden, unknown, spare=True) or _best(
        attacker, relations, hidden, unknown, spare=False
    )


def _nearest(attacker: Attacker[K], key: K, hidden: set[K]) -> K | None:
    """The best complement from the relations around ``key``, breadth first over the unknowns
    they share: the lightest within ``_REACH`` layers (the nearest among equally light); a
    count of the heaviest weight only when nothing else is found anywhere around."""
    return _around(attacker, key, hidden, spare=True) or _around(attacker, key, hidden, spare=False)


def _around(attacker: Attacker[K], key: K, hidden: set[K], *, spare: bool) -> K | None:
    constraints, unknown = attacker.constraints, _unknown(attacker, hidden)
    reached, visited = {key}, set[int]()
    layer = sorted(attacker.members[key])
    found: list[tuple[tuple[Any, ...], K]] = []
    for distance in itertools.count():
        for index in layer:
            extra = _candidate(attacker, constraints[index], hidden, unknown, spare)
            if extra is not None:
                score = _score(attacker, extra, hidden, unknown)
                found.append(((score[0], distance, *score[1:]), extra))
        visited.update(layer)
        for index in layer:
            reached.update(k for k in constraints[index].members if k in unknown)
        layer = sorted({i for k in reached for i in attacker.members[k]} - visited)
        if not layer or (found and distance >= _REACH) or (found and distance >= 1 and spare):
            break
    return min(found)[1] if found else None


def _best(
    attacker: Attacker[K],
    relations: Sequence[Constraint[K]],
    hidden: set[K],
    unknown: set[K],
    spare: bool,
) -> K | None:
    """The best candidate of any of the relations (see :func:`_candidate`)."""
    found = [c for r in relations if (c := _candidate(attacker, r, hidden, unknown, spare))]
    return min(found, key=lambda c: _score(attacker, c, hidden, unknown), default=None)


def _neighbours(attacker: Attacker[K], key: K) -> set[K]:
    """The counts sharing a relation with ``key``."""
    return {m for i in attacker.members[key] for m in attacker.constraints[i].members}


def _unknown(attacker: Attacker[K], hidden: set[K]) -> set[K]:
    return hidden | attacker.never_shown


def _candidate(
    attacker: Attacker[K],
    constraint: Constraint[K],
    hidden: set[K],
    unknown: set[K],
    spare: bool = True,
) -> K | None:
    """A shown non-zero part, else the total, by :func:`_score`; with ``spare``, never a count
    of the heaviest weight nor one whose withholding forces one (the release's headline,
    withheld only if nothing else will do)."""

    def shown(key: K) -> bool:
        if not _shown(attacker, key, hidden):
            return False
        heavy = _score(attacker, key, hidden, unknown)[0] >= attacker.heaviest > 0
        return not (spare and heavy)

    parts = [p for p in constraint.parts if shown(p)]
    if not parts:
        return constraint.total if shown(constraint.total) else None
    return min(parts, key=lambda p: _score(attacker, p, hidden, unknown))


def _score(attacker: Attacker[K], key: K, hidden: set[K], unknown: set[K]) -> tuple[Any, ...]:
    """Lower is better: the weight of the count or of a count its withholding forces at once,
    then more relations closed, then the smaller count, then by key."""
    return (
        max(attacker.weight(key), _forced(attacker, key, hidden, unknown)),
        -_closes(attacker, key, unknown),
        attacker.values[key],
        order(key),
    )


def _shown(attacker: Attacker[K], key: K, hidden: set[K]) -> bool:
    return key in attacker.published and key not in hidden and attacker.values[key] > 0


def _forced(attacker: Attacker[K], key: K, hidden: set[K], unknown: set[K]) -> int:
    """The weight of the heaviest count that withholding ``key`` would force at once: in a
    relation where it would be the only unknown and the other non-zero count is the total."""
    heaviest = -1
    for index in attacker.members[key]:
        relation = attacker.constraints[index]
        if any(m in unknown for m in relation.members):
            continue
        others = [p for p in relation.parts if p != key and _shown(attacker, p, hidden)]
        if not others and relation.total != key:
            heaviest = max(heaviest, attacker.weight(relation.total))
    return heaviest


def _closes(attacker: Attacker[K], key: K, unknown: set[K]) -> int:
    """How many relations holding ``key`` have a single withheld or unseen member now."""
    relations = (attacker.constraints[i] for i in attacker.members[key])
    return sum(1 for c in relations if sum(m in unknown for m in c.members) == 1)


def apply_suppression(
    cells: Sequence[Cell],
    constraints: Sequence[Constraint[Key]],
    *,
    unpublished: Mapping[Key, int] | None = None,
    free: Mapping[Key, int] | None = None,
    rule: SmallCellRule = SMALL_CELLS,
    linked: Sequence[Collection[str]] = (),
) -> list[Cell]:
    """The public version of one table's cells, in the same order (see :func:`withhold`)."""
    values: dict[Key, int] = {**(unpublished or {}), **(free or {})}
    for cell in cells:
        if cell.measure in COUNT_MEASURES and isinstance(cell.value, int):
            values[cell.key] = cell.value
    hidden = suppress(
        values,
        constraints,
        unpublished=(unpublished or {}).keys(),
        free=(free or {}).keys(),
        rule=rule,
    )
    return withhold(cells, constraints, hidden, rule, linked)


def withhold(
    cells: Sequence[Cell],
    constraints: Sequence[Constraint[Key]],
    hidden: Collection[Key],
    rule: SmallCellRule = SMALL_CELLS,
    linked: Sequence[Collection[str]] = (),
) -> list[Cell]:
    """``cells`` with the ``hidden`` counts withheld, in the same order.

    ``linked`` groups measures that reveal one another (doses are usually two per kit): where
    one of a group is withheld, the others with the same dimensions are too. Withholding more
    never helps a reader recover a withheld value. A small count becomes the small-cell label; a
    complementary one ``None`` with a note (it is not small, so the label would be false). A
    ``pct`` cell is withheld (``None``, note "suppressed") when its count is, or when its count
    is a part of a relation whose total is (the percentage would reveal that denominator).
    """
    withheld = _with_linked(frozenset(hidden), linked)
    no_pct = withheld | {p for c in constraints if c.total in withheld for p in c.parts}
    out: list[Cell] = []
    for cell in cells:
        if cell.key in withheld and isinstance(cell.value, int):
            small = rule.is_small(cell.value)
            out.append(
                cell.with_value(rule.label) if small else cell.with_value(None, COMPLEMENT_NOTE)
            )
        elif cell.measure == "pct" and cell_key("n", cell.dims) in no_pct:
            out.append(cell.with_value(None, PCT_NOTE))
        else:
            out.append(cell)
    return out


def _with_linked(hidden: frozenset[Key], linked: Sequence[Collection[str]]) -> frozenset[Key]:
    """``hidden`` and, for each hidden key, the keys of its linked measures (same dimensions)."""
    more: set[Key] = set()
    for key in hidden:
        dims = dict(key)
        measure = dims.pop("measure")
        for group in linked:
            if measure in group:
                more |= {cell_key(m, dims) for m in group}
    return hidden | more
