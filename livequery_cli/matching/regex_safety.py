"""Refusing ``$regex`` patterns whose matching time can explode (ReDoS).

Python's ``re`` is a backtracking engine that cannot be interrupted, and the
matcher runs inside the server's event loop: one ``^(a+)+$`` tested against
``"aaaa...a!"`` would freeze REST and LiveQuery for everybody. A timeout would
need a thread or a process per match, so the defence is to refuse, when the
query is compiled, the pattern shapes that backtrack exponentially. Shapes are
read from the parse tree of the pattern (``re._parser``, the parser ``re``
itself uses: private, but stable since Python 3.11 and the only exact view of
how ``re`` will run the pattern).

Inside the body of a repeat that may run more than once (``*``, ``+``,
``{2,}``, ``{1,5}``), these are refused, because they let the same text be
split between iterations in exponentially many ways:

- a nested variable repeat: ``(a+)+``, ``(a*)*``, ``(.*)*``, ``(\\w+\\s?)*``,
  ``(a{1,3})+`` (a fixed count such as ``(\\d{3}-)+`` is fine);
- an optional element: ``(aa?)+``;
- alternatives that can start with the same character or be empty:
  ``(a|aa)+``, ``(a|ab)*``, ``(|a)+`` (``(cat|dog)+`` is fine);
- a body that can match the empty string: ``(a?)*``, ``(?=a)*``.

Backreferences (``\\1``, ``(?P=name)``) and conditional groups are refused
anywhere: matching them is NP-hard in general, no shape rule bounds them.
Lookaround bodies are checked as patterns of their
own: ``re`` never backtracks into a lookaround once it succeeded.

In one sequence, two variable repeats that can take text from each other
are refused too (``a*a*x``, ``.*.*x``, ``.*a.*b``, ``\\d+\\w+``): every split
of the text between them is tried, polynomial time whose degree grows with
each repeat. ``\\w+@\\w+`` or ``^\\d+\\.\\d+$`` are fine: the ``@`` or the
``.`` cannot be taken by the first repeat, so the split is forced.

What stays accepted is everything the SDKs generate (``\\Q...\\E`` literals,
``^prefix``, ``suffix$``, ``contains``) and ordinary hand-written patterns:
classes, a quantifier per run of text, fixed-count groups, disjoint
alternatives. Even a single quantifier costs time quadratic in the tested
string (``search`` tries every start), so strings longer than
``MAX_REGEX_SUBJECT_LENGTH`` (``limits``) are not tested at all.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from livequery_cli.exceptions import QueryError

if TYPE_CHECKING:  # the stubs describe the same modules under their deprecated names
    import sre_constants as _constants
    import sre_parse as _parser
else:
    from re import _constants, _parser

__all__ = ["check_backtracking"]

_REPEATS: Final = frozenset(
    {_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT}
)
_LOOKAROUNDS: Final = frozenset({_constants.ASSERT, _constants.ASSERT_NOT})
# Character classes spanning more than this are treated as "any character".
_MAX_CLASS_SPAN: Final = 256

_OVERLAPPING: Final = (
    "alternatives that can match the same text in a repeated group such as (a|aa)+"
)
# A character set: code points and ``\\d``/``\\w``/``\\s`` categories, or None for "any".
FirstSet = frozenset[int | str] | None
_CATEGORIES: Final = {
    _constants.CATEGORY_DIGIT: "\\d",
    _constants.CATEGORY_WORD: "\\w",
    _constants.CATEGORY_SPACE: "\\s",
}


def check_backtracking(source: str, flags: int) -> None:
    """Raise ``QueryError`` if ``source`` (``re`` syntax) can backtrack catastrophically.

    ``source`` must already be valid for ``re`` (``re.error`` propagates otherwise).
    """
    tree = _parser.parse(source, flags)
    try:
        _check(tree, repeated=False)
        _check_sequences(tree)
    except RecursionError:
        raise QueryError("$regex refused: the pattern nests too deeply") from None


def _refuse(construct: str) -> QueryError:
    return QueryError(f"$regex refused: {construct} can backtrack catastrophically")


def _check(pattern: _parser.SubPattern, repeated: bool) -> None:
    """Walk ``pattern``; ``repeated`` is true inside the body of a multi-iteration repeat."""
    for op, operand in pattern.data:
        av: Any = operand
        if op is _constants.GROUPREF or op is _constants.GROUPREF_EXISTS:
            name = "a backreference" if op is _constants.GROUPREF else "a conditional group"
            raise QueryError(f"$regex refused: {name} is not supported")
        if op in _REPEATS:
            low, high, body = av
            if repeated and low != high:
                if high > 1:
                    raise _refuse("a nested quantifier such as (a+)+")
                raise _refuse("an optional element inside a repeated group such as (aa?)+")
            many = high > 1
            _check(body, repeated or many)
            if many and body.getwidth()[0] == 0:
                raise _refuse("a repeated group that can match nothing such as (?=a)*")
        elif op is _constants.BRANCH:
            alternatives: list[_parser.SubPattern] = av[1]
            if repeated:
                _check_alternatives(alternatives)
            for alternative in alternatives:
                _check(alternative, repeated)
        elif op is _constants.SUBPATTERN:
            _check(av[3], repeated)
        elif op is _constants.ATOMIC_GROUP:
            _check(av, repeated)
        elif op in _LOOKAROUNDS:
            _check(av[1], repeated=False)


def _check_sequences(pattern: _parser.SubPattern) -> None:
    """Refuse two variable repeats in one sequence that can take text from each other.

    ``a*a*x``, ``.*.*x`` and ``.*a.*b`` try every split of the text between the
    repeats: polynomial time of a degree that grows with each repeat. A repeat
    is "open" until an item follows that it cannot match (``\\w+@\\w+`` is
    fine: ``@`` closes the first repeat).
    """
    is_open = False  # a variable repeat could still take the text that follows
    open_set: FirstSet = frozenset()
    for item in pattern.data:
        op, av = item
        if op is _constants.AT or op in _LOOKAROUNDS:
            pass  # zero-width: does not close the open repeat
        elif _is_variable_repeat(pattern, item):
            chars = _char_set_of(op, av)
            if is_open and _overlap(open_set, chars):
                raise _refuse("adjacent quantifiers that can match the same text such as .*a.*")
            is_open, open_set = True, chars
        elif is_open and not _within(_char_set_of(op, av), open_set):
            is_open = False
        _check_nested_sequences(op, av)


def _is_variable_repeat(pattern: _parser.SubPattern, item: Any) -> bool:
    """A repeat of variable count, or a group holding an unbounded one."""
    op, av = item
    if op in _REPEATS:
        return bool(av[0] != av[1] and av[1] > 1)
    return _parser.SubPattern(pattern.state, [item]).getwidth()[1] >= _parser.MAXWIDTH


def _within(chars: FirstSet, open_set: FirstSet) -> bool:
    if open_set is None:
        return True
    return chars is not None and all(_member(x, open_set) for x in chars)


def _check_nested_sequences(op: object, av: Any) -> None:
    if op in _REPEATS:
        _check_sequences(av[2])
    elif op is _constants.BRANCH:
        for alternative in av[1]:
            _check_sequences(alternative)
    elif op is _constants.SUBPATTERN:
        _check_sequences(av[3])
    elif op is _constants.ATOMIC_GROUP:
        _check_sequences(av)
    elif op in _LOOKAROUNDS:
        _check_sequences(av[1])


def _overlap(first: FirstSet, second: FirstSet) -> bool:
    if first is None or second is None:
        return True
    return any(_member(x, second) for x in first) or any(_member(y, first) for y in second)


def _member(element: int | str, chars: frozenset[int | str]) -> bool:
    """Whether ``element`` (a code point or a category) is inside ``chars``."""
    if element in chars:
        return True
    if isinstance(element, str):
        return element == "\\d" and "\\w" in chars
    return any(isinstance(c, str) and re.fullmatch(c, chr(element)) for c in chars)


def _char_set(pattern: _parser.SubPattern) -> FirstSet:
    """Every character a match of ``pattern`` can contain, or None for "any"."""
    found: set[int | str] = set()
    for op, operand in pattern.data:
        chars = _char_set_of(op, operand)
        if chars is None:
            return None
        found.update(chars)
    return frozenset(found)


def _char_set_of(op: object, operand: object) -> FirstSet:
    av: Any = operand
    if op is _constants.AT or op in _LOOKAROUNDS:
        return frozenset()
    if op is _constants.LITERAL:
        return _both_cases([av])
    if op is _constants.IN:
        return _class_set(av)
    if op in _REPEATS:
        return _char_set(av[2])
    if op is _constants.SUBPATTERN:
        return _char_set(av[3])
    if op is _constants.ATOMIC_GROUP:
        return _char_set(av)
    if op is _constants.BRANCH:
        found: set[int | str] = set()
        for alternative in av[1]:
            chars = _char_set(alternative)
            if chars is None:
                return None
            found.update(chars)
        return frozenset(found)
    return None


def _check_alternatives(alternatives: list[_parser.SubPattern]) -> None:
    """Alternatives in a repeated body must be non-empty and start differently."""
    seen: set[int | str] = set()
    for alternative in alternatives:
        if alternative.getwidth()[0] == 0:
            raise _refuse(_OVERLAPPING)
        first = _first_set(alternative)
        if _overlap(frozenset(seen), first):
            raise _refuse(_OVERLAPPING)
        assert first is not None  # _overlap is true for None
        seen.update(first)


def _first_set(pattern: _parser.SubPattern) -> FirstSet:
    """The characters a match of ``pattern`` can start with (both cases of letters)."""
    found: set[int | str] = set()
    for op, operand in pattern.data:
        av: Any = operand
        item: FirstSet
        nullable = False
        if op is _constants.AT or op in _LOOKAROUNDS:
            continue  # zero-width: the next item decides
        if op is _constants.LITERAL:
            item = _both_cases([av])
        elif op is _constants.IN:
            item = _class_set(av)
        elif op is _constants.SUBPATTERN:
            item, nullable = _first_set(av[3]), av[3].getwidth()[0] == 0
        elif op is _constants.ATOMIC_GROUP:
            item, nullable = _first_set(av), av.getwidth()[0] == 0
        elif op in _REPEATS:
            item, nullable = _first_set(av[2]), av[0] == 0 or av[2].getwidth()[0] == 0
        elif op is _constants.BRANCH:
            item = frozenset()
            for alternative in av[1]:
                part = _first_set(alternative)
                item = None if part is None or item is None else item | part
            nullable = any(alternative.getwidth()[0] == 0 for alternative in av[1])
        else:
            return None  # ANY, NOT_LITERAL, ...: could be anything
        if item is None:
            return None
        found.update(item)
        if not nullable:
            break
    return frozenset(found)


def _class_set(items: list[tuple[Any, Any]]) -> FirstSet:
    """The members of a ``[...]`` class, or None if negated, a category or too wide."""
    codes: list[int] = []
    categories: set[str] = set()
    for op, av in items:
        if op is _constants.LITERAL:
            codes.append(av)
        elif op is _constants.RANGE and av[1] - av[0] <= _MAX_CLASS_SPAN:
            codes.extend(range(av[0], av[1] + 1))
        elif op is _constants.CATEGORY and av in _CATEGORIES:
            categories.add(_CATEGORIES[av])
        else:
            return None
    return _both_cases(codes) | categories


def _both_cases(codes: list[int]) -> frozenset[int | str]:
    """``codes`` with the other case of every letter: ``$options`` may include ``i``."""
    out: set[int | str] = set()
    for code in codes:
        char = chr(code)
        out.update((code, *(ord(c) for c in (char.lower(), char.upper()) if len(c) == 1)))
    return frozenset(out)
