"""Step playbooks run by the real adapter (ansible-runner) on local-directory hosts, without the services around it:
what a step leaves on the hosts and on the controller."""

import shutil
from pathlib import Path

from services.migration.adapters.ansible import run_step
from services.migration.domain.model import Step
from services.migration.domain.orchestration import StepResult
from services.migration.ports import Host, StepJob

FIRST_RUN = "0a1b2c3d-0000-4000-8000-000000000001"
SECOND_RUN = "5e6f7a8b-0000-4000-8000-000000000002"
SOURCE_FILES = {"people.csv": "id,name\n1,张三\n", "archive/2015.csv": "year,count\n2015,3\n"}


def local_system(root: Path, address: str = "127.0.0.1") -> list[Host]:
    """A source holding SOURCE_FILES and an empty target, both directories under `root`."""
    for name, text in SOURCE_FILES.items():
        (root / "source" / "data" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "source" / "data" / name).write_text(text, encoding="utf-8")
    (root / "target").mkdir(parents=True, exist_ok=True)
    return [Host(f"h-{role}", role, address, "local", root=str(root / role)) for role in ("source", "target")]


def run(step: Step, hosts: list[Host], work_dir: Path, run_id: str = FIRST_RUN, attempt: int = 1) -> StepResult:
    """One attempt at a step of the run (a system of a few KB), to its end."""
    step_job = StepJob(run_id, step, attempt, "HA-WJW-JKK", 2, "ZY-A", True, hosts, work_dir)
    return run_step(step_job, lambda percent, message: None, lambda: False)


def migrate(steps: list[Step], hosts: list[Host], work_dir: Path, run_id: str = FIRST_RUN) -> None:
    for step in steps:
        result = run(step, hosts, work_dir, run_id)
        assert result.ok, result.message


def files_under(directory: Path) -> set[str]:
    return {str(path.relative_to(directory)) for path in directory.rglob("*") if path.is_file()}


def test_a_template_in_a_hosts_catalogue_fields_is_taken_literally_never_run(tmp_path: Path) -> None:
    def command_making(name: str) -> str:
        return "{{ lookup('pipe', 'touch " + str(tmp_path / name) + "') }}"

    root = tmp_path / f"root-{command_making('ran-from-root')}"
    hosts = local_system(root, address=f"127.0.0.1{command_making('ran-from-address')}")

    run(Step.PRECHECK, hosts, tmp_path / "runs")
    synced = run(Step.SYNC, hosts, tmp_path / "runs")  # the data streams by command lines built of those fields

    assert not (tmp_path / "ran-from-root").exists() and not (tmp_path / "ran-from-address").exists()
    assert (root / "target" / ".zhongyuan" / "journal").exists()
    assert synced.ok, synced.message
    assert files_under(root / "target" / "data") == set(SOURCE_FILES)


def data_stored_on_the_way(root: Path) -> list[Path]:
    """Copies of the data, packed or not, on the controller (the attempts' directories) or elsewhere on the source."""
    names = {Path(name).name for name in SOURCE_FILES}
    return [
        *(path for path in (root / "runs").rglob("*") if path.name in names or ".tar" in path.name),
        *(path for path in (root / "source").rglob("*.tar*")),
    ]


# One system through two syncs and a verify: each playbook run costs seconds of CPU, so the checks share them.
def test_a_sync_leaves_exactly_the_sources_files_on_the_datas_own_volume_and_verify_names_a_stray_file(
    tmp_path: Path,
) -> None:
    hosts = local_system(tmp_path)
    volume = tmp_path / "data-volume"  # the target's data lives on a volume of its own, linked in; the source's too
    volume.mkdir()
    (tmp_path / "target" / "data").symlink_to(volume)
    (tmp_path / "source" / "data").rename(tmp_path / "source-volume")
    (tmp_path / "source" / "data").symlink_to(tmp_path / "source-volume")
    assert run(Step.SYNC, hosts, tmp_path / "runs").ok
    assert data_stored_on_the_way(tmp_path) == []
    unchanged = (volume / "people.csv").stat().st_ino
    (tmp_path / "source" / "data" / "archive" / "2015.csv").unlink()
    (tmp_path / "source" / "data" / "2016.csv").write_text("year,count\n2016,4\n", encoding="utf-8")

    again = run(Step.SYNC, hosts, tmp_path / "runs", attempt=2)

    assert again.ok, again.message
    assert files_under(volume) == {"people.csv", "2016.csv"}
    assert (volume / "people.csv").stat().st_ino == unchanged, "a file the source did not change was sent again"
    assert (tmp_path / "target" / "data").readlink() == volume
    (tmp_path / "target" / "data" / "stray.csv").write_text("left behind\n", encoding="utf-8")
    verified = run(Step.VERIFY, hosts, tmp_path / "runs")
    assert not verified.ok and "the source does not have: ./stray.csv" in verified.message


def test_a_sync_cut_off_part_way_goes_on_with_what_it_had_unpacked(tmp_path: Path) -> None:
    hosts = local_system(tmp_path)
    left = tmp_path / "target" / "data" / ".zhongyuan-incoming"  # what the attempt cut off had unpacked
    (left / "archive").mkdir(parents=True)
    shutil.copy2(tmp_path / "source" / "data" / "people.csv", left / "people.csv")  # as tar left it: time, mode
    (left / "archive" / "2015.csv").write_text(SOURCE_FILES["archive/2015.csv"][:9], encoding="utf-8")
    (left / "gone.csv").write_text("deleted at the source since\n", encoding="utf-8")
    (left / "gone-link").symlink_to("/etc")
    whole = (left / "people.csv").stat().st_ino

    synced = run(Step.SYNC, hosts, tmp_path / "runs", attempt=2)

    assert synced.ok, synced.message
    data = tmp_path / "target" / "data"
    assert sorted(p.name for p in data.iterdir()) == ["archive", "people.csv"]
    assert {name: (data / name).read_text(encoding="utf-8") for name in files_under(data)} == SOURCE_FILES
    assert (data / "people.csv").stat().st_ino == whole, "a file unpacked whole before was sent again"


def test_a_sync_that_fails_on_the_target_stores_no_data_on_the_way_either(tmp_path: Path) -> None:
    hosts = local_system(tmp_path)
    (tmp_path / "target").rmdir()
    (tmp_path / "target").write_text("not a directory\n")  # the target's first task fails

    assert not run(Step.SYNC, hosts, tmp_path / "runs").ok

    assert data_stored_on_the_way(tmp_path) == []


def test_a_system_under_a_directory_with_spaces_migrates_and_passes_its_health_check(tmp_path: Path) -> None:
    hosts = local_system(tmp_path / "政务 云" / "jkk system")

    migrate([Step.SYNC, Step.DEPLOY, Step.CUTOVER, Step.VERIFY], hosts, tmp_path / "runs")


def test_a_cutover_that_fails_on_one_target_sends_no_traffic_anywhere(tmp_path: Path) -> None:
    hosts, runs = local_system(tmp_path), tmp_path / "runs"
    (tmp_path / "target-2").mkdir()
    hosts.append(Host("h-target-2", "target", "127.0.0.1", "local", root=str(tmp_path / "target-2")))
    migrate([Step.DEPLOY], hosts, runs)
    (tmp_path / "target-2" / "current" / "left-behind").mkdir(parents=True)  # `current` cannot become a link

    result = run(Step.CUTOVER, hosts, runs)

    assert not result.ok and "h-target-2" in result.message
    assert not (tmp_path / "source" / "ROUTE").exists()


def release_served(target: Path) -> str | None:
    return (target / "current").readlink().name if (target / "current").is_symlink() else None


def test_rollback_puts_back_the_release_its_cutover_replaced_and_touches_no_release_but_its_own(
    tmp_path: Path,
) -> None:
    hosts, runs, target = local_system(tmp_path), tmp_path / "runs", tmp_path / "target"
    migrate([Step.DEPLOY, Step.CUTOVER], hosts, runs, FIRST_RUN)
    migrate([Step.DEPLOY, Step.ROLLBACK], hosts, runs, SECOND_RUN)
    assert release_served(target) == f"r-{FIRST_RUN[:8]}", "a rollback before its cutover took a release out"

    migrate([Step.CUTOVER], hosts, runs, SECOND_RUN)
    assert release_served(target) == f"r-{SECOND_RUN[:8]}"

    migrate([Step.ROLLBACK, Step.ROLLBACK], hosts, runs, SECOND_RUN)
    assert release_served(target) == f"r-{FIRST_RUN[:8]}"
    assert (tmp_path / "source" / "ROUTE").read_text() == "serving=source\n"

    migrate([Step.ROLLBACK], hosts, runs, FIRST_RUN)
    assert release_served(target) is None, "the first cutover replaced no release: its rollback leaves none served"
