"""Ids sort in the order they were made, so tables keyed by them grow at their index's edge."""

import uuid

from services.common.ids import new_id


def test_ids_are_uuid7_and_sort_in_the_order_they_were_made() -> None:
    ids = [new_id() for _ in range(10_000)]

    assert {uuid.UUID(i).version for i in ids} == {7}
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
