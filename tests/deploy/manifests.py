"""Loading the deployment files, and the facts they must agree on (settings names, routing table)."""

from __future__ import annotations

import importlib
import re
import shlex
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from shared.settings import CommonSettings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
K8S_DEV = DEPLOY / "k8s-dev"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
GATEWAY_CONF = DEPLOY / "nginx" / "gateway.conf"
INIT_SQL = DEPLOY / "postgres" / "init.sql"

SERVICES = ("intake", "routing", "notify")
APP_IMAGE = "hechuan-complaints"  # the name manifests use; kustomize `images:` maps it to a registry

# Every environment variable the processes read: CommonSettings, plus intake's WeChat account.
WECHAT_SETTINGS = {"WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_ENCODING_AES_KEY", "WECHAT_APP_SECRET"}
COMMON_SETTINGS = {name.upper() for name in CommonSettings.model_fields}
SECRET_SETTINGS = {"JWT_SECRET", "ENCRYPTION_KEY", "ENCRYPTION_KEYS_OLD", "ENCRYPTION_INDEX_KEY",
                   "DATABASE_URL"} | WECHAT_SETTINGS
PLACEHOLDER = "CHANGE-ME"

# Which service owns which path prefix (DESIGN.md, "HTTP contract"): the gateway and the Ingress agree.
ROUTES = {
    "/api/v1/complaints": "intake",
    "/api/v1/auth": "intake",
    "/api/v1/attachments": "intake",
    "/open311": "intake",
    "/api/v1/r": "intake",
    "/api/v1/reference": "intake",
    "/api/v1/channels": "intake",
    "/api/v1/upstream": "intake",
    "/api/v1/knowledge": "intake",
    "/api/v1/queues": "routing",
    "/api/v1/cases": "routing",
    "/api/v1/triage": "routing",
    "/api/v1/extensions": "routing",
    "/api/v1/rules": "routing",
    "/api/v1/classify": "routing",
    "/api/v1/departments": "routing",
    "/api/v1/assists": "routing",
    "/api/v1/backlog": "routing",
    "/api/v1/petitions": "routing",
    "/api/v1/inspections": "routing",
    "/api/v1/firms": "routing",
    "/api/v1/rewards": "routing",
    "/api/v1/reply-photos": "routing",
    "/api/v1/assessments": "notify",
    "/api/v1/metrics": "notify",
    "/api/v1/alerts": "notify",
    "/api/v1/callbacks": "notify",
    "/api/v1/hotspots": "notify",
    "/api/v1/reports": "notify",
    "/api/v1/public": "notify",
}
# The pages (web/) are served by intake's process: the ingress paths that lead to them.
PAGES = {"/": "intake", "/track": "intake", "/r": "intake", "/hotline": "intake", "/patrol": "intake",
         "/desk": "intake", "/dashboard": "intake", "/callbacks": "intake", "/public": "intake", "/rules": "intake",
         "/knowledge": "intake", "/help": "intake", "/firms": "intake", "/rewards": "intake", "/inspections": "intake",
         "/assets": "intake",
         "/favicon.svg": "intake"}
# Requests a client makes, and the service that must get them (None: not published).
SAMPLE_REQUESTS = [
    ("/api/v1/complaints", "intake"),
    ("/api/v1/complaints/HC20260101AB12", "intake"),
    ("/api/v1/complaints/HC20260101AB12/rating", "intake"),
    ("/api/v1/complaints/4f1c2d3e-aaaa-bbbb-cccc-0123456789ab/contact", "intake"),
    ("/api/v1/auth/token", "intake"),
    ("/api/v1/auth/refresh", "intake"),
    ("/api/v1/attachments/4f1c2d3e-aaaa-bbbb-cccc-0123456789ab", "intake"),
    ("/api/v1/attachmentsx", None),
    ("/api/v1/r/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MDEy/attachments", "intake"),
    ("/api/v1/attachments/0b3c7c4e-5d7a-4a43-8f0e-3f6c1e2d9a10", "intake"),
    ("/api/v1/r/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MDEy", "intake"),
    ("/api/v1/r/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MDEy/rating", "intake"),
    ("/api/v1/reference", "intake"),
    ("/api/v1/channels/hotline", "intake"),
    ("/api/v1/channels/hotline/history", "intake"),
    ("/api/v1/queues/housing_construction", "routing"),
    ("/api/v1/cases/42/accept", "routing"),
    ("/api/v1/cases/42/extension/approve", "routing"),
    ("/api/v1/triage", "routing"),
    ("/api/v1/extensions", "routing"),
    ("/api/v1/rules/history", "routing"),
    ("/api/v1/classify", "routing"),
    ("/api/v1/departments", "routing"),
    ("/api/v1/departments/town_taihe", "routing"),
    ("/api/v1/assists/ecology_env", "routing"),
    ("/api/v1/backlog", "routing"),
    ("/api/v1/petitions", "routing"),
    ("/api/v1/assessments", "notify"),
    ("/api/v1/metrics/sla", "notify"),
    ("/api/v1/alerts", "notify"),
    ("/api/v1/callbacks/c1/1", "notify"),
    ("/api/v1/hotspots", "notify"),
    ("/api/v1/hotspots/recurring:taihe:noise", "notify"),
    ("/api/v1/reports/monthly", "notify"),
    ("/api/v1/public/monthly", "notify"),
    ("/api/v1/publicx", None),
    ("/api/v1/assists/ecology_env", "routing"),
    ("/api/v1/backlog", "routing"),
    ("/api/v1/petitions", "routing"),
    ("/api/v1/cases/42/petition/documents/1.docx", "routing"),
    ("/api/v1/cases/42/inspection", "routing"),
    ("/api/v1/inspections/42/progress", "routing"),
    ("/api/v1/inspections/public.xlsx", "routing"),  # the public table is routing's, not notify's /api/v1/public
    ("/api/v1/reply-photos/0b6f3c52-9a51-4a7e-8c1e-6d2f0a9b7c31", "routing"),
    ("/api/v1/inspectionsx", None),
    ("/api/v1/firms", "routing"),
    ("/api/v1/firms/0b6f3c52-9a51-4a7e-8c1e-6d2f0a9b7c31", "routing"),
    ("/api/v1/cases/42/firm", "routing"),
    ("/firms", "intake"),
    ("/firmsx", None),
    ("/api/v1/rewards", "routing"),
    ("/api/v1/rewards/0b6f3c52-9a51-4a7e-8c1e-6d2f0a9b7c31/approve", "routing"),
    ("/rewards", "intake"),
    ("/rewardsx", None),
    # the inspection cases' pages are intake's; the inspections API (and its public table) is routing's
    ("/inspections", "intake"),
    ("/inspectionsx", None),
    ("/public/inspections", "intake"),
    ("/api/v1/inspections/batches", "routing"),
    ("/api/v1/assessments", "notify"),
    ("/api/v1/channels/wechat", "intake"),
    ("/api/v1/channels/hotline", "intake"),
    ("/", "intake"),  # the pages (web/), served by intake's process
    ("/track", "intake"),
    ("/r/TC1lE-hUDpeEYY91Dyy7qkgqzWiIr6Z6", "intake"),
    ("/hotline", "intake"),
    ("/patrol", "intake"),
    ("/patrolx", None),
    ("/api/v1/channels/grid", "intake"),
    ("/api/v1/channels/grid/mine", "intake"),
    ("/assets/index-3f2a1b.js", "intake"),
    ("/favicon.svg", "intake"),
    ("/trackx", None),
    ("/desk", "intake"),
    ("/deskx", None),
    ("/dashboard", "intake"),
    ("/dashboardx", None),
    # the callback desk page is intake's; the callbacks API of the same name is notify's, neither shadows the other
    ("/callbacks", "intake"),
    ("/callbacksx", None),
    ("/api/v1/callbacks", "notify"),
    ("/api/v1/callbacks/c1/1/calls", "notify"),
    ("/api/v1/callbacksx", None),
    ("/api/callbacks", None),
    ("/public", "intake"),
    ("/publicx", None),
    # the rule book's page is intake's; the rules API is routing's
    ("/rules", "intake"),
    ("/rulesx", None),
    ("/api/v1/rules", "routing"),
    ("/api/v1/metrics/sla/trend", "notify"),
    ("/api/v1/metrics/sla/cases", "notify"),
    ("/api/v1/metrics/deadlines", "notify"),
    ("/open311/v2/discovery.json", "intake"),
    ("/open311/v2/services.json", "intake"),
    ("/open311/v2/requests/HC261130-7KQ2XM4P.json", "intake"),
    ("/open311x/v2/discovery.json", None),
    ("/metrics", None),  # Prometheus: scraped inside the network only
    ("/readyz", None),
    ("/docs", None),
    ("/api/v1/complaintsx", None),
    ("/api/v2/complaints", None),
]

# Rate limits of the public endpoints (docs/personal-data.md, "Rate limits"), the same in the gateway and the
# Ingress: (zone, requests per minute, burst). Paths not listed here are not limited by the gateway.
CITIZEN_LIMIT, SIGN_IN_LIMIT, WECHAT_LIMIT, OPEN311_LIMIT = ("citizen", 30, 30), ("sign_in", 20, 20), \
    ("wechat", 1200, 100), ("open311", 60, 60)
PUBLIC_LIMIT = ("public", 60, 60)
RATE_LIMITS: dict[str, tuple[str, int, int] | None] = {
    "/api/v1/complaints": CITIZEN_LIMIT,  # the report (web, app)
    "/api/v1/complaints/HC261130-7KQ2XM4P": CITIZEN_LIMIT,  # tracking by code
    "/api/v1/complaints/HC261130-7KQ2XM4P/rating": CITIZEN_LIMIT,
    "/api/v1/r/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MDEy": CITIZEN_LIMIT,  # the private link
    "/api/v1/r/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MDEy/rating": CITIZEN_LIMIT,
    "/api/v1/r/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MDEy/attachments": CITIZEN_LIMIT,
    "/api/v1/attachments/4f1c2d3e-aaaa-bbbb-cccc-0123456789ab": CITIZEN_LIMIT,
    "/api/v1/auth/token": SIGN_IN_LIMIT,
    "/api/v1/channels/wechat": WECHAT_LIMIT,
    "/open311/v2/discovery.json": OPEN311_LIMIT,
    "/open311/v2/requests.json": OPEN311_LIMIT,
    "/open311/v2/requests/HC261130-7KQ2XM4P.json": OPEN311_LIMIT,
    "/api/v1/public/monthly": PUBLIC_LIMIT,  # the public disclosure (notify)
    "/api/v1/inspections/public": PUBLIC_LIMIT,  # the 边督边改 table and its .xlsx (routing)
    "/api/v1/inspections/public.xlsx": PUBLIC_LIMIT,
    "/api/v1/reply-photos/0b6f3c52-9a51-4a7e-8c1e-6d2f0a9b7c31": PUBLIC_LIMIT,  # a reply photo, by the citizen
    # staff and server-to-server channels: the services' own sign-in and API keys, no gateway limit
    "/api/v1/auth/refresh": None,
    "/api/v1/channels/hotline": None,
    "/api/v1/channels/grid": None,
    "/api/v1/reference": None,
    "/api/v1/queues/housing_construction": None,
    "/api/v1/metrics/sla": None,
    "/api/v1/inspections/batches": None,
    "/api/v1/inspections": None,
    "/": None,
    "/r/TC1lE-hUDpeEYY91Dyy7qkgqzWiIr6Z6": None,
}

# The `complaints` command line: subcommands and the arguments the deployment may use.
CLI_COMMANDS = {"serve", "migrate", "seed", "topics", "dlq"}
SERVE_TARGETS = {"all", *SERVICES}


@cache
def service_settings(service: str) -> set[str]:
    """The variables one service reads: its own Settings class once it imports, else the common ones."""
    try:
        module = importlib.import_module(f"services.{service}.settings")
    except ImportError:
        return COMMON_SETTINGS | (WECHAT_SETTINGS if service == "intake" else set())
    found = [obj for obj in vars(module).values()
             if isinstance(obj, type) and issubclass(obj, CommonSettings) and obj is not CommonSettings]
    classes = [cls for cls in found if not any(other is not cls and issubclass(other, cls) for other in found)]
    assert len(classes) == 1, f"services.{service}.settings: one Settings class expected (parts it derives from aside)"
    return {name.upper() for name in classes[0].model_fields}


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_all_yaml(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


@cache
def compose() -> dict[str, Any]:
    return load_yaml(COMPOSE)


def compose_services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def app_services() -> dict[str, dict[str, Any]]:
    """Compose services that run the project's image (the services and the one-shot jobs)."""
    return {name: svc for name, svc in compose_services().items() if "build" in svc}


def kustomize_resources(directory: Path) -> list[str]:
    return load_yaml(directory / "kustomization.yaml")["resources"]


def k8s_objects(*directories: Path) -> list[dict[str, Any]]:
    """Objects of the files a kustomization lists (directories it lists are skipped: load them too)."""
    objects = []
    for directory in directories:
        for resource in kustomize_resources(directory):
            path = (directory / resource).resolve()
            if path.is_file():
                objects.extend(load_all_yaml(path))
    return objects


def of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [obj for obj in objects if obj["kind"] == kind]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def all_containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    spec = pod_spec(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def command_lines(command: list[str] | str) -> list[list[str]]:
    """The command lines a container or compose `command` runs (`sh -c "a && b"` is two)."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if argv[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in argv[2].split("&&")]
    return [argv]


def check_cli_command(argv: list[str]) -> None:
    """Asserts that argv is a `complaints` command the deployment may run."""
    assert argv[0] == "complaints", argv
    assert argv[1] in CLI_COMMANDS, argv
    if argv[1] == "serve":
        assert len(argv) == 3 and argv[2] in SERVE_TARGETS, argv
    if argv[1] in ("migrate", "seed"):
        assert argv[2:] in ([], ["--service", "all"], *(["--service", s] for s in SERVICES)), argv


def gateway_blocks() -> list[tuple[str, str]]:
    """(regex, body) of each `location ~` of the nginx gateway, in order."""
    text = GATEWAY_CONF.read_text(encoding="utf-8")
    return re.findall(r"location\s+~\s+(\S+)\s*\{([^}]*)\}", text)


def gateway_locations() -> list[tuple[str, str]]:
    """(regex, upstream variable) of each proxying `location ~` of the nginx gateway, in order."""
    found = []
    for pattern, body in gateway_blocks():
        [upstream] = re.findall(r"^\s*proxy_pass\s+http://\$(\w+);\s*$", body, flags=re.M)
        found.append((pattern, upstream))
    return found


def _gateway_block(path: str) -> str | None:
    """The body of the location nginx picks for path: regex locations in file order, else None."""
    for pattern, body in gateway_blocks():
        if re.search(pattern, path):
            return body
    return None


def gateway_backend(path: str) -> str | None:
    """The upstream nginx picks for path: regex locations in file order, else the 404 catch-all."""
    body = _gateway_block(path)
    if body is None:
        return None
    [upstream] = re.findall(r"proxy_pass\s+http://\$(\w+);", body)
    return upstream


def gateway_zones() -> dict[str, int]:
    """`limit_req_zone`s of the gateway: zone name → requests per minute (all keyed by the client address)."""
    text = GATEWAY_CONF.read_text(encoding="utf-8")
    zones = {}
    for key, name, size, rate, unit in re.findall(
            r"^limit_req_zone\s+(\S+)\s+zone=(\w+):(\w+)\s+rate=(\d+)r/([sm]);", text, flags=re.M):
        assert key == "$binary_remote_addr" and size == "10m", name
        assert name not in zones, f"zone {name} defined twice"
        zones[name] = int(rate) * (60 if unit == "s" else 1)
    return zones


def gateway_limit(path: str) -> tuple[str, int, int] | None:
    """(zone, requests per minute, burst) of the location nginx picks for path; None: not limited."""
    body = _gateway_block(path)
    if body is None:
        return None
    limits = re.findall(r"^\s*limit_req\s+zone=(\w+)\s+burst=(\d+)\s+nodelay;\s*$", body, flags=re.M)
    assert len(limits) == body.count("limit_req"), f"limit_req as zone=… burst=… nodelay only: {body}"
    if not limits:
        return None
    [(zone, burst)] = limits
    return zone, gateway_zones()[zone], int(burst)


def _ingress_entry(ingresses: list[dict[str, Any]], path: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(Ingress, path entry) that serves path among the Ingresses of one host (ingress-nginx merges them):
    an Exact path equal to it, else the longest matching Prefix, compared element by element."""
    best: tuple[int, dict[str, Any], dict[str, Any]] | None = None
    for ingress in ingresses:
        for rule in ingress["spec"]["rules"]:
            for entry in rule["http"]["paths"]:
                prefix = entry["path"].rstrip("/") or "/"
                assert entry["pathType"] in ("Prefix", "Exact"), entry
                if entry["pathType"] == "Exact":
                    if path == prefix:
                        return ingress, entry
                    continue
                if (path == prefix or path.startswith(prefix.rstrip("/") + "/")) and \
                        (best is None or len(prefix) > best[0]):
                    best = (len(prefix), ingress, entry)
    return (best[1], best[2]) if best else None


def ingress_backend(ingresses: list[dict[str, Any]], path: str) -> str | None:
    """The Service the Ingresses send path to (None: not published)."""
    found = _ingress_entry(ingresses, path)
    return found[1]["backend"]["service"]["name"] if found else None


LIMIT_ANNOTATION = "nginx.ingress.kubernetes.io/limit-"


def ingress_limit(ingresses: list[dict[str, Any]], path: str) -> tuple[str, int, int] | None:
    """(Ingress name, requests per minute, burst) of the ingress-nginx limit on path; None: not limited.
    ingress-nginx: limit-rps or limit-rpm per client address, burst = the rate × limit-burst-multiplier (5)."""
    found = _ingress_entry(ingresses, path)
    if found is None:
        return None
    ingress = found[0]
    annotations = ingress["metadata"].get("annotations", {})
    rps, rpm = annotations.get(LIMIT_ANNOTATION + "rps"), annotations.get(LIMIT_ANNOTATION + "rpm")
    if rps is None and rpm is None:
        return None
    assert (rps is None) != (rpm is None), f"{ingress['metadata']['name']}: limit-rps or limit-rpm, not both"
    rate = int(rps or rpm)
    burst = rate * int(annotations.get(LIMIT_ANNOTATION + "burst-multiplier", "5"))
    return ingress["metadata"]["name"], rate * 60 if rps else rate, burst
