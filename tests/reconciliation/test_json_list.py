"""The importer writes the entries' reference lists as JSON text itself (``_json_list``): for
any list of strings it must be the JSON of that list, whatever the strings hold."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from reconciliation.services.staging import _json_list


@given(st.lists(st.text(max_size=40), max_size=6))
def test_the_text_is_the_json_of_the_list(values):
    assert json.loads(_json_list(values)) == values


def test_plain_references_skip_the_encoder_and_others_are_escaped():
    assert _json_list(["E2E-1", "KID 0000000018", "æøå"]) == '["E2E-1","KID 0000000018","æøå"]'
    assert json.loads(_json_list(['say "hi"', "back\\slash", "new\nline"])) == [
        'say "hi"',
        "back\\slash",
        "new\nline",
    ]
