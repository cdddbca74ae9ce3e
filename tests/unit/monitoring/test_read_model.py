"""Folding events into the real read model (SQLite): what its rows keep."""

from services.common.events import STEP_FAILED
from tests.integration.monitoring.migration_events import Run, system_registered

# What the orchestrator sends as a failed step's reason: Ansible's message with its whole output, unbounded.
LONG_OUTPUT = "task 'copy data' failed on src-1: " + "rsync: [sender] write error: Broken pipe (32)\n" * 20


def test_free_text_longer_than_its_column_is_kept_cut_to_the_column(read_model, fold) -> None:
    run = Run("HA-WJW", "HA-WJW-JKK")

    fold(
        system_registered(run, name="居民健康卡" * 50),
        run.step(STEP_FAILED, "sync", message=LONG_OUTPUT),
        run.state("sync", "failed", reason=LONG_OUTPUT),
    )

    with read_model() as uow:
        (system,) = uow.progress.systems_of(organisation_code="HA-WJW")
    assert system["run"]["state"] == "failed"
    assert system["run"]["reason"] == LONG_OUTPUT[:500]
    assert system["steps"][0]["message"] == LONG_OUTPUT[:500]
    assert system["name"] == ("居民健康卡" * 50)[:200]
