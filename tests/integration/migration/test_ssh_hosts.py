"""A migration over real SSH into hosts in their own network namespaces, and a host that cannot be reached."""

import subprocess

import pytest

from tests.integration.migration.conftest import journal


def LAB_KEY(request) -> str:  # type: ignore[no-untyped-def]  # noqa: N802
    return str(request.getfixturevalue("ssh_lab").key_file)


def LAB_HOST_KEYS(request) -> str:  # type: ignore[no-untyped-def]  # noqa: N802
    return str(request.getfixturevalue("ssh_lab").known_hosts)


OVER_SSH = {"MIGRATION_SSH_KEY_FILE": LAB_KEY, "MIGRATION_SSH_KNOWN_HOSTS_FILE": LAB_HOST_KEYS}


def register_over_ssh(landscape, code: str, source, target) -> None:  # type: ignore[no-untyped-def]
    data = source.root / "data"
    data.mkdir(parents=True)
    (data / "ledger.csv").write_text("account,balance\n4101,100\n", encoding="utf-8")
    hosts = ", ".join(
        f"{{name: {h.name}, address: {h.address}, role: {role}, connection: ssh, user: root, root: '{h.root}', "
        "python: /usr/bin/python3}"
        for h, role in ((source, "source"), (target, "target"))
    )
    landscape.seed(
        f"systems: [{{code: {code}, name: 财税监管平台, organisation: HA-WJW, admin_level: province, "
        f"mlps_level: 3, target_zone: ZY-A, hosts: [{hosts}]}}]"
    )


@pytest.mark.parametrize("landscape", [OVER_SSH], indirect=True)
def test_a_system_migrates_over_ssh_between_two_namespaced_hosts(ssh_lab, landscape) -> None:  # type: ignore[no-untyped-def]
    source, target = ssh_lab.add_host("czt-src"), ssh_lab.add_host("czt-dst")
    register_over_ssh(landscape, "HA-CZT-CSJG", source, target)

    landscape.start("HA-CZT-CSJG", auto_approve=True)
    run = landscape.wait_until_settled("HA-CZT-CSJG")

    assert run.state == "completed", run.error
    assert (target.root / "data" / "ledger.csv").read_text(encoding="utf-8") == "account,balance\n4101,100\n"
    assert (source.root / "ROUTE").read_text().startswith(f"serving=target hosts={target.name}")
    assert journal(target.root.parent, target.name)[-1] == "verify attempt=1"


@pytest.mark.parametrize("landscape", [OVER_SSH], indirect=True)
def test_an_unreachable_target_fails_the_precheck_naming_the_host(ssh_lab, landscape) -> None:  # type: ignore[no-untyped-def]
    source, target = ssh_lab.add_host("czt-src"), ssh_lab.add_host("czt-dst")
    register_over_ssh(landscape, "HA-CZT-ZHZS", source, target)
    target.stop()

    landscape.start("HA-CZT-ZHZS")
    run = landscape.wait_until_settled("HA-CZT-ZHZS")

    assert (run.state, run.failed_step) == ("failed", "precheck")
    assert f"could not reach {target.name}" in run.error
    assert (source.root / "data" / "ledger.csv").exists() and not (source.root / "ROUTE").exists()


@pytest.mark.parametrize("landscape", [OVER_SSH], indirect=True)
def test_a_host_answering_with_another_key_than_the_known_one_is_refused(ssh_lab, landscape) -> None:  # type: ignore[no-untyped-def]
    source, target = ssh_lab.add_host("czt-src"), ssh_lab.add_host("czt-dst")
    register_over_ssh(landscape, "HA-CZT-FSSJ", source, target)
    # The target's address now answers with a key nobody vouched for, as a machine standing in for it would.
    impostor_key = ssh_lab.directory / "czt-dst" / "ssh_host_ed25519_key"
    target.stop()
    impostor_key.unlink()
    impostor_key.with_suffix(".pub").unlink()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(impostor_key)], check=True)
    ssh_lab.start(target)

    landscape.start("HA-CZT-FSSJ")
    run = landscape.wait_until_settled("HA-CZT-FSSJ")

    assert (run.state, run.failed_step) == ("failed", "precheck")
    assert target.name in run.error
    assert not (target.root / "data").exists() and not (source.root / "ROUTE").exists()
