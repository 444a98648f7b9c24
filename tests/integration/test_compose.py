"""docker-compose.yml cannot run here (no Docker engine), so check it against the code."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from participatie.cli import main
from participatie.config import VARIABLES
from participatie.infra.supervisor import read_procfile

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = {"web", "relay", "worker", "projector", "sealer"}


def compose() -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_compose_has_every_service_of_the_scale_out_shape() -> None:
    services = compose()["services"]
    assert isinstance(services, dict)
    assert set(services) == {"postgres", "redis"} | PROCESSES
    for name in ("postgres", "redis"):
        assert "healthcheck" in services[name]


def test_every_compose_command_is_a_real_cli_command() -> None:
    services = compose()["services"]
    assert isinstance(services, dict)
    for name in PROCESSES:
        command = services[name]["command"]
        assert command[0] == "participatie"
        result = CliRunner().invoke(main, [*command[1:], "--help"])
        assert result.exit_code == 0, f"{name}: {result.output}"


def test_every_compose_variable_is_read_by_the_settings() -> None:
    known = {name for name, _, _ in VARIABLES}
    services = compose()["services"]
    assert isinstance(services, dict)
    for name in PROCESSES:
        environment = services[name]["environment"]
        assert set(environment) <= known, name
        assert environment["DATABASE_URL"].startswith("postgresql://")
        assert environment["REDIS_URL"].startswith("redis://redis:")
        assert "depends_on" in services[name]


def test_procfile_names_the_same_processes_with_real_commands() -> None:
    procfile = read_procfile(ROOT / "Procfile")
    assert set(procfile) == PROCESSES
    for command in procfile.values():
        program, *args = command.split()
        assert program == "participatie"
        assert CliRunner().invoke(main, [*args, "--help"]).exit_code == 0


# The replicated shape of issue 25: every process at least twice, three workers.
REPLICAS = {"web": 2, "relay": 2, "worker": 3, "projector": 2, "sealer": 2}
# Every key a process would otherwise generate under its own var/: all copies must agree.
SHARED_KEYS = {
    "PARTICIPATIE_MASTER_KEY",
    "PARTICIPATIE_SECRET_KEY",
    "PARTICIPATIE_SNAPSHOT_KEY",
    "PARTICIPATIE_AUDIT_SIGNING_KEY",
}


def test_every_process_runs_replicated_with_the_same_keys_everywhere() -> None:
    services = compose()["services"]
    assert isinstance(services, dict)
    for name, replicas in REPLICAS.items():
        assert services[name]["deploy"]["replicas"] == replicas, name
        environment = services[name]["environment"]
        for key in SHARED_KEYS:
            assert environment[key].startswith("${" + key + ":?"), (name, key)
    # Two web replicas cannot share one host port.
    assert services["web"]["ports"] == ["5000-5001:5000"]
