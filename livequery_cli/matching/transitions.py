"""Pure decisions about LiveQuery events: which op, which fields, whether ``watch`` lets it through.

These are Parse Server's rules (``ParseLiveQueryServer._onAfterSave``,
``Client._toJSONWithFields``, ``_checkWatchFields``), kept free of I/O so the
embedded server and the differential tests share one definition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, Literal

from livequery_cli.matching.canonical import MISSING, canonical, lookup_path

__all__ = [
    "ALWAYS_KEPT",
    "SaveEvent",
    "decide_event",
    "event_bodies",
    "project",
    "watch_triggers",
]

SaveEvent = Literal["create", "enter", "update", "leave"]

# Fields a ``keys`` projection never removes, in the order Parse writes them.
ALWAYS_KEPT: Final = ("className", "objectId", "updatedAt", "createdAt", "ACL")


def decide_event(
    original_matches: bool, current_matches: bool, has_original: bool
) -> SaveEvent | None:
    """The event a save produces for one subscriber, or ``None`` for no event.

    "Matches" means the version matched the query *and* was readable by the
    subscriber (ACL); the caller folds readability in. ``has_original`` is
    false for a newly created object, turning ``enter`` into ``create``.

    ======== ======= ==========================================
    original current event
    ======== ======= ==========================================
    yes      yes     ``update``
    yes      no      ``leave``
    no       yes     ``enter``, or ``create`` without an original
    no       no      none
    ======== ======= ==========================================
    """
    if original_matches:
        return "update" if current_matches else "leave"
    if current_matches:
        return "enter" if has_original else "create"
    return None


def event_bodies(
    op: SaveEvent,
    current: Mapping[str, object],
    original: Mapping[str, object] | None,
    *,
    original_query_matched: bool,
    current_query_matched: bool,
    original_readable: bool,
    current_readable: bool,
) -> tuple[Mapping[str, object], Mapping[str, object] | None]:
    """The ``(object, original)`` of a save event, minus what the subscriber may not read.

    Parse Server 9 (``_onAfterSave``): a ``leave`` caused by losing read
    access (the query still matches, or the new version is not readable)
    carries the *original* as ``object``, not the state the subscriber may no
    longer see; an ``enter`` caused by gaining read access (the query already
    matched, or the old version was not readable) carries no ``original``.
    ``*_query_matched`` are the bare query verdicts, ``*_readable`` the ACL
    verdicts for this subscriber.
    """
    if op == "leave" and (current_query_matched or not current_readable):
        return (original if original is not None else current), original
    if op == "enter" and (original_query_matched or not original_readable):
        return current, None
    return current, original


def project(obj: Mapping[str, object], keys: Iterable[str] | None) -> dict[str, object]:
    """``obj`` restricted to ``keys`` plus ``ALWAYS_KEPT``; a plain copy when ``keys`` is ``None``.

    As in Parse, only top-level keys are projected, the always-kept fields
    come first, and fields the object lacks are left out rather than set to
    ``null``.
    """
    if keys is None:
        return dict(obj)
    projected = {name: obj[name] for name in ALWAYS_KEPT if name in obj}
    for name in keys:
        if name in obj:
            projected[name] = obj[name]
    return projected


def _field(obj: Mapping[str, object] | None, name: str) -> object:
    if obj is None:
        return MISSING
    if "." in name:
        return lookup_path(obj, tuple(name.split(".")))
    return obj.get(name, MISSING)


def watch_triggers(
    watch: Iterable[str] | None,
    current: Mapping[str, object],
    original: Mapping[str, object] | None,
) -> bool:
    """Whether a ``create``/``update`` passes a subscription's ``watch`` list.

    Parse sends ``create`` and ``update`` only when some watched field differs
    between the current and original object (``enter``, ``leave`` and
    ``delete`` are never filtered). With no original (a create), a watched
    field differs when the new object has it at all, even as ``null``. Values
    compare as Parse values: a ``Date`` by instant, a pointer by class and id
    (Parse compares freshly decoded pointer objects, which never compare
    equal, so watching a pointer field there lets every save through).
    Dotted names read into sub-objects (Parse never sees a change in them).
    No ``watch`` (``None`` or empty) lets everything through.
    """
    if not watch:
        return True
    return any(
        canonical(_field(current, name)) != canonical(_field(original, name)) for name in watch
    )
