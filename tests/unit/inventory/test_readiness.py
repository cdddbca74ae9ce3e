from datetime import UTC, datetime

from services.inventory.domain.model import AdminLevel, Database, Engine, Strategy, System, SystemStatus, Zone
from services.inventory.domain.readiness import PENALTY_PER_UNAUTOMATED_DATABASE, assess, recommend_strategy

SECURE = Zone("ZY-ZWWW-A", "政务外网A区", transport_crypto=True, storage_crypto=True)
PLAIN = Zone("ZY-HLW", "互联网区")


def system(code: str = "HA-RST-SBK", **changes) -> System:  # type: ignore[no-untyped-def]
    fields = dict(
        code=code,
        name="社会保障卡",
        organisation_code="HA-RST",
        admin_level=AdminLevel.PROVINCE,
        mlps_level=3,
        registered_at=datetime(2016, 6, 30, tzinfo=UTC),
        tech_stack="Java 8 / Tomcat / MySQL",
        target_zone_code=SECURE.code,
        rollback_contact="李娜 0371-69690001",
    )
    return System(**{**fields, **changes})


def test_a_system_with_nothing_missing_scores_full_marks() -> None:
    assessment = assess(system(), host_count=2, dependencies=[], zone=SECURE)

    assert (assessment.score, assessment.blockers) == (100, [])


def test_every_blocker_is_named_and_lowers_the_score() -> None:
    pending = system("HA-GAT-RKK", name="人口基础信息库")
    assessment = assess(system(rollback_contact=""), host_count=0, dependencies=[pending], zone=PLAIN)

    assert assessment.score == 100 - 30 - 15 - 40 - 15
    assert assessment.blockers == [
        "no hosts are registered, so nothing can be moved",
        "depends on HA-GAT-RKK (人口基础信息库), which is neither migrated nor in an earlier wave",
        "等保 level 3 needs cryptography, but zone ZY-HLW (互联网区) does not provide transport and storage "
        "cryptography",
        "no rollback contact (回切负责人) is named",
    ]


def test_a_dependency_already_migrated_or_in_an_earlier_wave_is_no_blocker() -> None:
    migrated = system("HA-GAT-RKK", status=SystemStatus.MIGRATED)
    earlier = system("HA-GSJ-QYXY")

    assessment = assess(system(), 1, [migrated, earlier], SECURE, earlier_wave_codes=frozenset({"HA-GSJ-QYXY"}))

    assert assessment.blockers == []


def test_level_two_needs_no_cryptography() -> None:
    assert assess(system(mlps_level=2), 1, [], PLAIN).score == 100


def test_the_score_never_goes_below_zero() -> None:
    many = [system(f"HA-DEP-{i}") for i in range(10)]

    assessment = assess(system(rollback_contact="", target_zone_code=None), 0, many, None)

    assert assessment.score == 0
    assert len(assessment.blockers) == 13


def test_the_strategy_follows_the_stack_and_says_why() -> None:
    assert recommend_strategy(system(tech_stack="PowerBuilder 9 / Sybase"))[0] is Strategy.REFACTOR
    strategy, reason = recommend_strategy(system(tech_stack="Java 6 / WebLogic 10 / Oracle 11g"))
    assert strategy is Strategy.REPLATFORM and "weblogic" in reason
    assert recommend_strategy(system(status=SystemStatus.RETIRED))[0] is Strategy.RETIRE
    assert recommend_strategy(system(data_volume_gb=12000))[0] is Strategy.REHOST


def database(name: str, engine: Engine) -> Database:
    return Database(name, "HA-RST-SBK", engine, "10.41.3.20", "sbk", "10.200.12.20", "HA-RST-SBK/app")


def test_each_database_without_an_automated_path_is_named_with_its_engine() -> None:
    postgres, oracle, dm = (
        database(n, e) for n, e in [("sbk-pg", Engine.POSTGRESQL), ("sbk-ora", Engine.ORACLE), ("sbk-dm", Engine.DM)]
    )

    assert assess(system(), 2, [], SECURE, databases=[postgres]).blockers == []
    assessment = assess(system(), 2, [], SECURE, databases=[postgres, oracle, dm])

    assert assessment.score == 100 - 2 * PENALTY_PER_UNAUTOMATED_DATABASE
    assert assessment.blockers == [
        "sbk-dm (dm) needs a vendor tool or a manual runbook: no automated path",
        "sbk-ora (oracle) needs a vendor tool or a manual runbook: no automated path",
    ]
