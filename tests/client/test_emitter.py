"""The event emitter: registration, once/off, and listener failures kept contained."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from livequery_cli.client.emitter import EventEmitter


def test_listeners_run_in_order_with_the_event_arguments() -> None:
    emitter = EventEmitter({"update"})
    calls: list[tuple[str, Any, Any]] = []
    emitter.on("update", lambda obj, orig: calls.append(("a", obj, orig)))
    emitter.on("update", lambda obj, orig: calls.append(("b", obj, orig)))
    assert emitter.emit("update", 1, 2) is True
    assert calls == [("a", 1, 2), ("b", 1, 2)]


def test_once_and_off() -> None:
    emitter = EventEmitter({"open"})
    calls: list[str] = []

    def forever() -> None:
        calls.append("forever")

    emitter.once("open", lambda: calls.append("once"))
    emitter.on("open", forever)
    emitter.emit("open")
    emitter.emit("open")
    emitter.off("open", forever)
    assert emitter.emit("open") is False
    assert calls == ["once", "forever", "forever"]


def test_unknown_event_names_are_refused_at_registration() -> None:
    emitter = EventEmitter({"open"})
    with pytest.raises(ValueError, match="unknown event 'opne'"):
        emitter.on("opne", lambda: None)
    with pytest.raises(TypeError, match="not callable"):
        emitter.on("open", "nope")  # type: ignore[arg-type]


def test_a_raising_listener_is_reported_as_error_and_the_others_still_run() -> None:
    emitter = EventEmitter({"create"})
    errors: list[BaseException] = []
    calls: list[str] = []

    def broken(_obj: object) -> None:
        raise KeyError("bug")

    emitter.on("error", errors.append)
    emitter.on("create", broken)
    emitter.on("create", lambda _obj: calls.append("after"))
    emitter.emit("create", {})
    assert calls == ["after"]
    assert [type(e) for e in errors] == [KeyError]


def test_an_error_listener_that_raises_is_logged_not_recursed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    emitter = EventEmitter({"create"})
    seen: list[BaseException] = []

    def bad_error_handler(exc: BaseException) -> None:
        seen.append(exc)
        raise RuntimeError("error handler bug")

    emitter.on("error", bad_error_handler)
    emitter.on("create", lambda: 1 / 0)
    with caplog.at_level(logging.ERROR, logger="livequery_cli"):
        emitter.emit("create")
    assert [type(e) for e in seen] == [ZeroDivisionError]
    assert "an 'error' listener raised" in caplog.text


def test_an_unhandled_error_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    emitter = EventEmitter({"create"})
    emitter.on("create", lambda: 1 / 0)
    with caplog.at_level(logging.WARNING, logger="livequery_cli"):
        emitter.emit("create")
    assert "unhandled error on EventEmitter" in caplog.text


async def test_async_listeners_are_scheduled_and_their_failures_reported() -> None:
    emitter = EventEmitter({"open"})
    done = asyncio.Event()
    errors: list[BaseException] = []

    async def listener() -> None:
        done.set()
        raise ValueError("async bug")

    emitter.on("open", listener)
    emitter.on("error", errors.append)
    emitter.emit("open")
    await asyncio.wait_for(done.wait(), 5)
    for _ in range(3):
        await asyncio.sleep(0)
    assert [type(e) for e in errors] == [ValueError]
