"""The image and the compose stack: structural checks (no Docker engine needed)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pydantic import ValidationError

from shared.settings import DEMO_ENCRYPTION_KEY, DEMO_JWT_SECRET, CommonSettings
from tests.deploy.manifests import (
    CLI_COMMANDS,
    COMPOSE,
    DEPLOY,
    DOCKERFILE,
    GATEWAY_CONF,
    INIT_SQL,
    PLACEHOLDER,
    REPO,
    ROUTES,
    SAMPLE_REQUESTS,
    SECRET_SETTINGS,
    SERVICES,
    WECHAT_SETTINGS,
    app_services,
    check_cli_command,
    command_lines,
    compose,
    compose_services,
    gateway_backend,
    gateway_locations,
    load_all_yaml,
    service_settings,
)

INTERPOLATION = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines()]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
            for line in lines if line and not line.startswith("#")]


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (op, _) in enumerate(instructions) if op == "FROM")
    return instructions[last_from:]


def env_example() -> dict[str, str]:
    """NAME=value lines of deploy/.env.example, commented-out ones included (documented, optional)."""
    pairs = re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", (DEPLOY / ".env.example").read_text(encoding="utf-8"),
                       flags=re.M)
    return dict(pairs)


# --- every file ---------------------------------------------------------------------------------

def test_every_yaml_file_under_deploy_parses() -> None:
    files = sorted(DEPLOY.rglob("*.yaml"))
    assert len(files) >= 10
    for path in files:
        assert load_all_yaml(path), f"{path} holds no document"


def test_no_deployment_file_carries_the_demo_secrets() -> None:
    for path in [p for p in DEPLOY.rglob("*") if p.is_file()]:
        text = path.read_text(encoding="utf-8")
        assert DEMO_JWT_SECRET not in text and DEMO_ENCRYPTION_KEY not in text, path


def test_the_placeholder_secrets_are_refused_at_start_up() -> None:
    with pytest.raises(ValidationError):
        CommonSettings(demo_mode=False, jwt_secret=PLACEHOLDER, encryption_key=PLACEHOLDER)


@pytest.mark.parametrize("target", SERVICES)
def test_every_service_process_answers_its_probes_and_serves_every_prefix_the_gateway_sends_it(
        target: str, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from services import composition
    from services.app import PAGE_PATHS

    names = composition.names_of(target)
    url = f"sqlite:///{tmp_path / 'probe.db'}"
    settings = {n: s.model_copy(update={"database_url": url}) for n, s in composition.load_settings(names).items()}
    process = composition.build_process(target, settings=settings, start_workers=False)
    try:
        process.migrate_and_seed()
        with TestClient(process.app) as client:
            for path in ("/healthz", "/readyz", "/metrics"):
                assert client.get(path).status_code == 200, path
        # The API's paths, and the pages' (services/app.py: index.html per page path, the built assets).
        served = [*process.app.openapi()["paths"], *PAGE_PATHS, "/assets/{file}", "/favicon.svg"]
        for path, service in SAMPLE_REQUESTS:
            if service == target:
                assert any(_matches(route, path) for route in served), f"{path}: routed to {target}, served by none"
    finally:
        process.close()


def _matches(route: str, path: str) -> bool:
    """A FastAPI path template against a concrete path ({param} is one segment)."""
    return re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", route), path) is not None


# --- Dockerfile ---------------------------------------------------------------------------------

def test_image_is_built_in_stages_on_a_pinned_python_3_11_slim() -> None:
    stages = [args.split() for op, args in dockerfile_instructions() if op == "FROM"]
    # The pages are built in a Node stage of their own, on a pinned slim image; only their dist is copied.
    assert [stage for stage in stages if stage[0].startswith("node:")] == [["node:20.19.5-bookworm-slim", "AS", "web"]]
    bases = [stage[0] for stage in stages if not stage[0].startswith("node:")]
    assert len(bases) >= 2, "multi-stage: build, then runtime"
    for base in bases:
        assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", base), f"{base}: pin python:3.11.<patch>-slim"


def test_image_installs_the_package_from_the_repository() -> None:
    instructions = dockerfile_instructions()
    assert any(op == "RUN" and re.search(r"pip install (--no-deps )?\.(\s|$)", args) for op, args in instructions)
    copied = [args.split()[0] for op, args in instructions if op == "COPY" and "--from" not in args]
    for source in copied:
        assert (REPO / source).exists(), f"COPY {source}: not in the repository"


def test_image_runs_as_an_unprivileged_numeric_user() -> None:
    users = [args for op, args in final_stage() if op == "USER"]
    assert users, "the runtime stage must switch to a non-root USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "numeric and not root: runAsNonRoot can verify it"


def test_image_listens_on_all_interfaces_on_port_8000_and_checks_healthz() -> None:
    stage = final_stage()
    assert ("EXPOSE", "8000") in stage
    env = " ".join(args for op, args in stage if op == "ENV")
    assert re.search(r"\bHOST=0\.0\.0\.0\b", env) and re.search(r"\bPORT=8000\b", env)
    checks = [args for op, args in stage if op == "HEALTHCHECK"]
    assert len(checks) == 1 and "urllib.request" in checks[0] and "/healthz" in checks[0]
    assert ("CMD", '["complaints", "serve", "all"]') in stage


def test_build_context_is_an_allow_list_of_what_the_image_copies() -> None:
    # BuildKit applies <Dockerfile>.dockerignore beside the Dockerfile; the root .dockerignore is not needed.
    patterns = [line.strip() for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert patterns[0] == "*", "exclude everything first"
    allowed = {p[1:] for p in patterns if p.startswith("!")}
    sources = [source.rstrip("/") for op, args in dockerfile_instructions() if op == "COPY" and "--from" not in args
               for source in args.split()[:-1]]
    assert sources and all(source.split("/")[0] in allowed for source in sources), sources
    assert not allowed & {".env", ".git", ".venv", "var", "deploy", "tests"}
    excluded = {p[:-1] if p.endswith("/") else p for p in patterns if not p.startswith("!")}
    assert {"web/node_modules", "web/dist"} <= excluded, "the pages are built in the image, from npm"


# --- compose ------------------------------------------------------------------------------------

def test_every_compose_service_has_a_healthcheck_or_is_a_job_others_wait_for() -> None:
    services = compose_services()
    awaited = {dep for svc in services.values() for dep, cond in svc.get("depends_on", {}).items()
               if cond["condition"] == "service_completed_successfully"}
    for name, svc in services.items():
        check = svc.get("healthcheck")
        assert check, f"{name}: no healthcheck"
        if check.get("disable"):
            assert name in awaited and svc.get("restart") == "no", f"{name}: only one-shot jobs skip the check"
        else:
            assert check["test"][0] in ("CMD", "CMD-SHELL") and len(check["test"]) > 1, name


def test_services_start_after_healthy_kafka_and_postgres_and_their_completed_jobs() -> None:
    services = compose_services()
    for name in SERVICES:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["kafka"]["condition"] == "service_healthy", name
        assert depends[f"migrate-{name}"]["condition"] == "service_completed_successfully", name
        assert depends["topics"]["condition"] == "service_completed_successfully", name
    for job in [f"migrate-{name}" for name in SERVICES]:
        assert services[job]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_each_service_runs_alone_on_kafka_with_its_own_database() -> None:
    services = compose_services()
    urls = set()
    for name in SERVICES:
        svc = services[name]
        assert svc["command"] == ["complaints", "serve", name]
        env = svc["environment"]
        assert env["EVENT_BUS"] == "kafka" and env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env["HOST"] == "0.0.0.0"
        url = urlsplit(env["DATABASE_URL"])
        assert url.scheme == "postgresql+psycopg" and url.hostname == "postgres"
        assert url.path == f"/{name}" and url.username == name, "one database and role per service"
        urls.add(env["DATABASE_URL"])
    assert len(urls) == len(SERVICES)


def test_jobs_migrate_and_seed_the_database_of_the_service_they_name() -> None:
    services = compose_services()
    for name in SERVICES:
        job = services[f"migrate-{name}"]
        lines = command_lines(job["command"])
        assert [line[1] for line in lines] == ["migrate", "seed"]
        assert all(line[2:] == ["--service", name] for line in lines)
        assert urlsplit(job["environment"]["DATABASE_URL"]).path == f"/{name}"
    assert services["topics"]["command"] == ["complaints", "topics"]
    assert services["topics"]["environment"]["EVENT_BUS"] == "kafka"


def test_compose_runs_only_known_complaints_commands() -> None:
    for svc in app_services().values():
        for argv in command_lines(svc["command"]):
            check_cli_command(argv)


def test_every_deployed_command_parses_with_the_complaints_cli() -> None:
    from services.cli import parser

    commands = [argv for svc in app_services().values() for argv in command_lines(svc["command"])]
    for path in [*(DEPLOY / "k8s").glob("*.yaml")]:
        for doc in load_all_yaml(path):
            template = doc.get("spec", {}).get("template", {}).get("spec", {})
            for container in [*template.get("initContainers", []), *template.get("containers", [])]:
                commands += command_lines(container["command"])
    assert len(commands) >= 15
    commands += documented_commands()
    for argv in commands:
        parser().parse_args(argv[1:])  # exits (SystemExit) on an unknown command or argument


def documented_commands() -> list[list[str]]:
    """`complaints ...` command lines in docs/deploy.md, with <name> placeholders filled in."""
    text = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    lines = re.findall(r"(?<![\w.-])(complaints [a-z][^\n`#]*)", text)
    return [shlex.split(line.replace("<name>", "intake")) for line in lines]


def test_the_deployment_guide_uses_only_existing_commands() -> None:
    from services.cli import parser

    commands = documented_commands()
    subcommands = parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    documented = {argv[1] for argv in commands}
    assert documented <= set(subcommands), documented - set(subcommands)
    assert {"serve", "migrate", "seed", "topics", "dlq", "users"} <= documented
    for argv in commands:
        if argv[1] == "dlq":
            assert argv[2] in ("list", "replay") and argv[-2:] == ["--service", "routing"], argv
        elif argv[1] in CLI_COMMANDS:  # what containers run; admin commands are parsed in the test above
            check_cli_command(argv)
    guide = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    for needed in ("docker build -f deploy/Dockerfile", "docker compose --env-file deploy/.env -f deploy/compose.yaml",
                   "kubectl apply -k deploy/k8s", "--scale routing=2", "job/complaints-migrate"):
        assert needed in guide, needed


def test_compose_passes_each_process_only_settings_of_its_service() -> None:
    for name, svc in app_services().items():
        service = name.removeprefix("migrate-") if name != "topics" else "intake"  # topics reads intake's
        unknown = set(svc["environment"]) - service_settings(service)
        assert not unknown, f"{name}: {unknown} are not settings of {service}"
        assert svc["environment"]["DEMO_MODE"] == "${DEMO_MODE:-false}", "off unless asked for"
    assert WECHAT_SETTINGS <= set(compose_services()["intake"]["environment"])


def test_compose_passes_the_rotation_keys_to_intake_only_when_set() -> None:
    env = compose_services()["intake"]["environment"]
    assert env["ENCRYPTION_KEYS_OLD"] is None and env["ENCRYPTION_INDEX_KEY"] is None  # from deploy/.env, if there
    others = [name for name, svc in app_services().items() if name != "intake"]
    assert not any({"ENCRYPTION_KEYS_OLD", "ENCRYPTION_INDEX_KEY"} & set(app_services()[n]["environment"])
                   for n in others)
    documented = env_example()
    assert documented["ENCRYPTION_KEYS_OLD"] == documented["ENCRYPTION_INDEX_KEY"] == PLACEHOLDER


def test_compose_holds_no_secret_literal() -> None:
    for name, svc in compose_services().items():
        for key, value in (svc.get("environment") or {}).items():
            if key == "DATABASE_URL":
                password = urlsplit(value).password
                assert password and re.fullmatch(r"\$\{\w+\}", password), f"{name}: DATABASE_URL password"
            elif key in SECRET_SETTINGS or re.search(r"PASSWORD|SECRET", key):
                # Interpolated without a default (a default would be a secret in git), or left unset.
                assert value is None or re.fullmatch(r"\$\{\w+(:\?[^}]*)?\}", value), f"{name}: {key}"


def test_env_example_documents_every_variable_compose_reads_with_placeholder_secrets() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    required = {m.group(1) for m in re.finditer(r"\$\{(\w+):\?", text)}
    referenced = set(INTERPOLATION.findall(text))
    documented = env_example()
    assert referenced <= set(documented), referenced - set(documented)
    active = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (DEPLOY / ".env.example").read_text(), flags=re.M))
    assert required <= active, "required variables are set (to placeholders) in the example"
    for key, value in documented.items():
        if key in SECRET_SETTINGS or "PASSWORD" in key:
            assert value == PLACEHOLDER, f"{key} in .env.example must be the {PLACEHOLDER} placeholder"
    assert (DEPLOY / ".gitignore").read_text().splitlines().count(".env") == 1


def test_postgres_16_creates_the_service_databases_on_first_start() -> None:
    pg = compose_services()["postgres"]
    assert re.fullmatch(r"postgres:16(\.\d+)?(-\w+)?", pg["image"])
    assert "./postgres/init.sql:/docker-entrypoint-initdb.d/10-service-databases.sql:ro" in pg["volumes"]
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])
    needed = set(re.findall(r"\\getenv \w+ (\w+)", INIT_SQL.read_text(encoding="utf-8")))
    assert needed == {f"{name.upper()}_DB_PASSWORD" for name in SERVICES}
    assert needed <= set(pg["environment"])


def test_kafka_runs_in_kraft_mode_without_automatic_topic_creation() -> None:
    kafka = compose_services()["kafka"]
    assert re.fullmatch(r"apache/kafka:3\.9\.\d+", kafka["image"])
    env = {key: str(value) for key, value in kafka["environment"].items()}
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"].startswith(f"{env['KAFKA_NODE_ID']}@kafka:")
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert "CLUSTER_ID" in env and not any("ZOOKEEPER" in key for key in env)
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    check = " ".join(kafka["healthcheck"]["test"])
    assert "kafka-topics.sh" in check and "--bootstrap-server" in check


def test_routing_can_be_scaled_out() -> None:
    routing = compose_services()["routing"]
    assert "container_name" not in routing and "ports" not in routing, "fixed names or host ports block --scale"
    text = COMPOSE.read_text(encoding="utf-8")
    assert "--scale routing=2" in text and "replicas: 2" in text
    published = [name for name, svc in compose_services().items() if svc.get("ports")]
    assert published == ["gateway"], "clients reach the services through the gateway only"


def test_images_are_pinned_and_the_project_image_is_built_from_deploy_dockerfile() -> None:
    for name, svc in compose_services().items():
        image = svc["image"]
        assert not image.endswith(":latest") and ":" in image, f"{name}: pin {image}"
    for name, svc in app_services().items():
        assert svc["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}, name
    assert compose()["name"] == "hechuan-complaints"


# --- gateway ------------------------------------------------------------------------------------

def test_gateway_sends_each_path_to_the_service_that_owns_it() -> None:
    assert {upstream for _, upstream in gateway_locations()} == set(SERVICES)
    for path, service in SAMPLE_REQUESTS:
        assert gateway_backend(path) == service, path
    for prefix, service in ROUTES.items():
        assert gateway_backend(prefix) == service and gateway_backend(prefix + "/x") == service, prefix
        assert gateway_backend(prefix + "x") is None, f"{prefix}x: a prefix matches whole path segments"


def test_gateway_upstreams_are_the_compose_services_on_port_8000() -> None:
    text = GATEWAY_CONF.read_text(encoding="utf-8")
    upstreams = dict(re.findall(r"set \$(\w+) ([\w.-]+:\d+);", text))
    assert upstreams == {name: f"{name}:8000" for name in SERVICES}
    gateway = compose_services()["gateway"]
    assert "./nginx/gateway.conf:/etc/nginx/conf.d/default.conf:ro" in gateway["volumes"]
    assert all(gateway["depends_on"][name]["condition"] == "service_healthy" for name in SERVICES)


def test_every_api_route_is_published_to_the_service_that_serves_it() -> None:
    """The gateway and the ingress publish path prefixes (ROUTES, checked against both files elsewhere):
    every route of every service (the access matrix lists them all, and checks that against the app)
    must fall under a prefix of its own service, or it is unreachable in production."""
    from shared.access_matrix import ACTIONS
    from tests.deploy.manifests import ROUTES

    unpublished = []
    for action in ACTIONS:
        if action.service == "app" or not action.path.startswith(("/api/", "/open311")):
            continue
        owners = [service for prefix, service in ROUTES.items()
                  if action.path == prefix or action.path.startswith(prefix + "/")]
        if owners != [action.service]:
            unpublished.append((action.method, action.path, action.service, owners))
    assert unpublished == []
