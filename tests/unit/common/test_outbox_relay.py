"""When the outbox relay gives its Kafka producer up for a new one."""

from kafka.errors import KafkaError, KafkaTimeoutError
from sqlalchemy.exc import OperationalError

from services.common.runtime.outbox_relay import REPLACE_PRODUCER_AFTER, producer_spent


def test_a_producer_that_failed_for_good_is_replaced_at_once() -> None:
    assert producer_spent(KafkaError("Unexpected error in InitProducerIdResponse: UnknownError"), failures=1)


def test_a_producer_that_timed_out_is_kept_until_it_failed_several_times_in_a_row() -> None:
    timeouts = [producer_spent(KafkaTimeoutError(), failures) for failures in range(1, REPLACE_PRODUCER_AFTER + 1)]
    assert timeouts == [False] * (REPLACE_PRODUCER_AFTER - 1) + [True]


def test_a_database_that_is_away_does_not_cost_the_producer() -> None:
    unreachable = OperationalError("SELECT", {}, Exception("connection refused"))
    assert not producer_spent(unreachable, failures=REPLACE_PRODUCER_AFTER)
