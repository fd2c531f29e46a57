"""Every public name has a docstring: ``livequery_cli.__all__`` and the public members
of the exported classes (methods, properties, classmethods), inherited ones included
when they come from the package. ``help(lq.Query.less_than)`` must say something."""

from __future__ import annotations

import inspect

import pytest

import livequery_cli as lq


def public_members() -> list[str]:
    names: list[str] = []
    for name in lq.__all__:
        obj = getattr(lq, name)
        if name.startswith("__") or not (inspect.isclass(obj) or callable(obj)):
            continue
        names.append(name)
        cls = obj if inspect.isclass(obj) else type(obj)
        if not cls.__module__.startswith("livequery_cli"):
            continue
        if issubclass(cls, BaseException):
            continue  # exception classes: their own docstring is checked above
        for member, value in inspect.getmembers(cls):
            if member.startswith("_"):
                continue
            owner = next((k for k in cls.__mro__ if member in vars(k)), None)
            if owner is None or not owner.__module__.startswith("livequery_cli"):
                continue
            if inspect.isfunction(value) or isinstance(value, property) or inspect.ismethod(value):
                names.append(f"{name}.{member}")
    return names


@pytest.mark.parametrize("dotted", public_members())
def test_public_name_has_a_docstring(dotted: str) -> None:
    head, _, member = dotted.partition(".")
    target = getattr(lq, head)
    if member:
        cls = target if inspect.isclass(target) else type(target)
        target = inspect.getattr_static(cls, member)
        if isinstance(target, classmethod | staticmethod):
            target = target.__func__
    doc = inspect.getdoc(target) if not isinstance(target, property) else target.__doc__
    assert (doc or "").strip(), f"{dotted} has no docstring"
