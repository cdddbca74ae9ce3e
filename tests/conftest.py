"""Test-wide setup. eventlet must patch the standard library before anything else is imported (nameko's pytest
plugin no longer does it), exactly as `nameko run` does for a real service."""

import eventlet

eventlet.monkey_patch()

pytest_plugins = [
    "tests.fixtures.backing",
    "tests.fixtures.databases",
    "tests.fixtures.mariadb_servers",
    "tests.fixtures.postgres_servers",
    "tests.fixtures.services",
    "tests.fixtures.ssh_hosts",
]
