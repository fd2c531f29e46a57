"""``id`` in ``--where`` is the objectId, as the ``--json`` envelope calls it.

A field that is really named ``id`` is reached with backticks.
"""

from __future__ import annotations

import pytest

from livequery_cli.exceptions import WhereSyntaxError
from livequery_cli.where import compile_where, parse, unparse


def test_bare_id_is_the_object_id() -> None:
    assert compile_where("id = xWMyZ4YEGZ") == {"objectId": "xWMyZ4YEGZ"}
    assert compile_where("id in [a, b]") == {"objectId": {"$in": ["a", "b"]}}
    assert compile_where("not id = a") == {"objectId": {"$ne": "a"}}


def test_backquoted_id_is_a_field_named_id() -> None:
    assert compile_where("`id` = 7") == {"id": 7}


def test_only_a_whole_bare_id_is_the_alias() -> None:
    assert compile_where("id.x = 1") == {"id.x": 1}
    assert compile_where("ID = 1") == {"ID": 1}
    assert compile_where("ids = 1") == {"ids": 1}


def test_the_canonical_text_keeps_the_meaning() -> None:
    assert unparse(parse("id = a")) == 'objectId = "a"'
    assert unparse(parse("`id` = a")) == '`id` = "a"'
    assert parse(unparse(parse("`id` = a"))) == parse("`id` = a")


def test_an_object_id_may_start_with_a_digit() -> None:
    # objectIds are random letters and digits: about one in six starts with a digit.
    assert compile_where("id = 5L9BHrA76n") == {"objectId": "5L9BHrA76n"}
    assert compile_where("objectId in [9pq, abc]") == {"objectId": {"$in": ["9pq", "abc"]}}
    assert compile_where("id = 12") == {"objectId": 12}  # all digits: still a number


def test_elsewhere_a_word_that_starts_like_a_number_must_be_one() -> None:
    with pytest.raises(WhereSyntaxError, match="is not a number"):
        compile_where("name = 5L9BHrA76n")
