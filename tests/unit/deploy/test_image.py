"""The one image: generated gRPC code inside, no build tools at run time, non-root, the command picks the service."""

import fnmatch
import re

from tests.unit.deploy.manifests import REPO, SERVICES, Stage, dockerfile_stages, exec_form, of_kind, server

DOCKERFILE = REPO / "Dockerfile"
BUILD_TOOLS = {"gcc", "g++", "cc", "clang", "make", "cmake", "build-essential", "libc6-dev", "python3-dev"}
DEV_PACKAGES = ("grpcio-tools", "grpc_tools", "protoletariat", "protol")


def final_stage() -> Stage:
    return dockerfile_stages(DOCKERFILE)[-1]


def copies(stage: Stage) -> list[tuple[str | None, list[str], str]]:
    """(--from stage or None for the build context, sources, destination) of each COPY."""
    found = []
    for arguments in stage.all("COPY"):
        words = arguments.split()
        options = {w.split("=", 1)[0]: w.split("=", 1)[-1] for w in words if w.startswith("--")}
        paths = [w for w in words if not w.startswith("--")]
        found.append((options.get("--from"), paths[:-1], paths[-1]))
    return found


def test_the_final_stage_runs_as_the_non_root_user_the_pods_expect(rendered) -> None:
    users = final_stage().all("USER")
    assert users, "the final stage sets USER"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) != 0, "a numeric non-root uid, so that runAsNonRoot can check it"
    for deployment in of_kind(rendered["prod"], "Deployment").values():
        pod = deployment["spec"]["template"]["spec"]["securityContext"]
        assert (pod["runAsUser"], pod["runAsGroup"]) == (int(uid), int(gid or uid))


def test_the_final_stage_installs_no_compilers_or_build_tools() -> None:
    stage = final_stage()
    assert "slim" in stage.base or "distroless" in stage.base, f"a small base: {stage.base}"
    for command in stage.all("RUN"):
        words = set(re.split(r"[\s;&|]+", command))
        assert not words & BUILD_TOOLS, command
        assert not any(package in command for package in DEV_PACKAGES), command
    for _, sources, _ in copies(stage):
        assert not any(".venv" in source for source in sources), "the dev virtualenv stays in the builder"


def test_the_generated_grpc_code_is_made_in_the_builder_and_copied_in() -> None:
    *builders, final = dockerfile_stages(DOCKERFILE)
    assert any("make protos" in run for stage in builders for run in stage.all("RUN"))
    builder_names = {stage.name for stage in builders}
    pb = [(origin, dest) for origin, sources, dest in copies(final) if any(s.endswith("services/pb") for s in sources)]
    assert pb and all(origin in builder_names and dest.rstrip("/").endswith("services/pb") for origin, dest in pb)
    assert "services/pb" in ignored_patterns(), "a stale local services/pb never reaches the image"


def test_the_command_chooses_the_service() -> None:
    stage = final_stage()
    assert not stage.all("ENTRYPOINT"), "no entrypoint: `nameko run ... services.<svc>.service` is the whole command"
    (cmd,) = stage.all("CMD")
    command = exec_form(cmd)
    assert command is not None, "CMD in exec form (signals reach the process)"
    assert not any(f"services.{service}.service" in " ".join(command) for service in SERVICES), "no default service"
    assert "PYTHONDONTWRITEBYTECODE=1" in " ".join(stage.all("ENV")), "nothing writes bytecode on a read-only root"


def test_the_image_holds_what_the_deployments_run(rendered) -> None:
    """Each Deployment's command reads services/<svc>/config.yaml relative to the image's WORKDIR."""
    stage = final_stage()
    destinations = {dest.rstrip("/") for origin, _, dest in copies(stage) if origin is None}
    assert "services" in destinations or f"{stage.all('WORKDIR')[-1]}/services" in destinations
    for name, deployment in of_kind(rendered["prod"], "Deployment").items():
        config = server(deployment)["command"][3]
        assert (REPO / config).is_file(), f"{name} runs {config}"
        assert "workingDir" not in server(deployment), "the image's WORKDIR is where services/ lives"


def ignored_patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith(("#", "!"))]


def test_the_build_context_keeps_what_the_dockerfile_copies_and_drops_local_state() -> None:
    patterns = ignored_patterns()
    for stage in dockerfile_stages(DOCKERFILE):
        for origin, sources, _ in copies(stage):
            for source in sources if origin is None else []:
                assert (REPO / source).exists(), source
                assert not any(fnmatch.fnmatch(source, pattern) for pattern in patterns), f"{source} is ignored"
    assert {".venv", "var", ".git"} <= set(patterns)
