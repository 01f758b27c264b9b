"""docker-compose.yml and the README agree with the command line and the settings it reads."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from jasette.cli import build_parser
from web.settings import DOCUMENTED

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_postgres_16_with_volume_and_healthcheck():
    pg = compose()["services"]["postgres"]
    assert pg["image"] == "postgres:16"
    assert any(v.endswith(":/var/lib/postgresql/data") for v in pg["volumes"])
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])
    assert "pgdata" in compose()["volumes"]


def test_compose_services_run_real_cli_commands():
    services = compose()["services"]
    parser = build_parser()
    for name in ("web", "worker"):
        command = services[name]["command"]
        assert command[0] == "jasette" and command[1] == name
        parser.parse_args(command[1:])  # exits if the CLI does not know these options
        assert services[name]["build"] == "."
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_compose_sets_only_documented_variables():
    for name in ("web", "worker"):
        env = compose()["services"][name]["environment"]
        assert "DATABASE_URL" in env and "JASETTE_SECRET_KEY" in env
        unknown = set(env) - set(DOCUMENTED)
        assert not unknown, f"{name} sets undocumented variables {unknown}"


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text()
    table_names = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.M))
    assert table_names == set(DOCUMENTED)


def test_readme_quick_start_is_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert 'pip install -e . && jasette demo' in readme
    assert 'pip install -e ".[test]" && pytest' in readme


def test_the_image_copies_every_package_the_project_installs():
    # A package missing from the image installs nothing and fails only when a container starts.
    pyproject = (ROOT / "pyproject.toml").read_text()
    included = re.search(r'include = \[([^\]]*)\]', pyproject).group(1)
    packages = {name.strip(' "*') for name in included.split(",")}
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert packages and all(f"COPY {p} ./{p}" in dockerfile for p in packages), packages
