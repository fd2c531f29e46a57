"""``username_key``: the uniqueness key of usernames (case, invisible characters, NFKC)."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from livequery_cli.server.user_rules import username_key

printable_ascii = st.text(alphabet=string.printable[:-5], min_size=1, max_size=30)


@given(printable_ascii, st.sampled_from(["\u200b", "\u200d", "\u00ad", "\ufeff", "\u2060"]))
def test_the_ascii_fast_path_agrees_with_the_full_folding(name: str, invisible: str) -> None:
    # The variant with an invisible character takes the full (Unicode) path.
    assert username_key(name) == username_key(invisible + name + invisible)
    assert username_key(name) == username_key(name.swapcase())


def test_look_alikes_share_a_key_and_different_names_do_not() -> None:
    assert username_key("Snoopy") == username_key("\uff33noopy") == username_key("sno\u200bopy")
    assert username_key("\u00c9mile") == username_key("\u00e9mile")
    assert username_key("snoopy") != username_key("snoopy2")
    assert username_key("bob smith") != username_key("bobsmith")
