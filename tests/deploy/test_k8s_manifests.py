"""Kubernetes manifests (deploy/k8s, and the dev-only overlay deploy/k8s-dev): structural checks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.deploy.manifests import (
    APP_IMAGE,
    COMMON_SETTINGS,
    K8S,
    K8S_DEV,
    PAGES,
    PLACEHOLDER,
    ROUTES,
    SAMPLE_REQUESTS,
    SECRET_SETTINGS,
    SERVICES,
    all_containers,
    check_cli_command,
    command_lines,
    ingress_backend,
    k8s_objects,
    kustomize_resources,
    load_all_yaml,
    of_kind,
    pod_spec,
    service_settings,
)

NAMESPACE = "hechuan-complaints"
SECRET_TEMPLATE = K8S / "secret.example.yaml"


def base() -> list[dict[str, Any]]:
    return k8s_objects(K8S)


def everything() -> list[dict[str, Any]]:
    return k8s_objects(K8S, K8S_DEV)


def workloads(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [obj for obj in objects if obj["kind"] in ("Deployment", "StatefulSet", "Job")]


def deployment(name: str) -> dict[str, Any]:
    [found] = [d for d in of_kind(base(), "Deployment") if d["metadata"]["name"] == name]
    return found


def env_sources(container: dict[str, Any]) -> list[tuple[str, str]]:
    return [("configMap", s["configMapRef"]["name"]) if "configMapRef" in s else ("secret", s["secretRef"]["name"])
            for s in container.get("envFrom", [])]


def test_kustomizations_list_every_manifest_but_the_secret_template() -> None:
    listed = set(kustomize_resources(K8S))
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", SECRET_TEMPLATE.name}
    assert listed == on_disk
    assert SECRET_TEMPLATE.name not in listed, "applying -k must never overwrite real secrets with placeholders"
    dev = set(kustomize_resources(K8S_DEV))
    assert dev == {"../k8s"} | {p.name for p in K8S_DEV.glob("*.yaml")} - {"kustomization.yaml"}
    for path in [*K8S.glob("*.yaml"), *K8S_DEV.glob("*.yaml")]:
        for obj in load_all_yaml(path):
            assert {"apiVersion", "kind"} <= set(obj), path


def test_base_has_the_expected_objects() -> None:
    kinds = {(obj["kind"], obj["metadata"]["name"]) for obj in base()}
    expected = {("Namespace", NAMESPACE), ("ConfigMap", "complaints-config"), ("Job", "complaints-migrate"),
                ("Ingress", "complaints")}
    expected |= {(kind, name) for name in SERVICES for kind in ("Deployment", "Service")}
    assert expected <= kinds
    assert not of_kind(base(), "Secret"), "secrets are created by the operator, not shipped"
    assert not of_kind(base(), "StatefulSet"), "Kafka and PostgreSQL are external in the base"


def test_every_deployment_is_probed_on_healthz_and_readyz() -> None:
    for name in SERVICES:
        [container] = pod_spec(deployment(name))["containers"]
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        assert ports == {"http": 8000}
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"


def test_every_deployment_serves_its_service_after_migrating_it() -> None:
    for name in SERVICES:
        spec = pod_spec(deployment(name))
        [container] = spec["containers"]
        assert container["command"] == ["complaints", "serve", name]
        [init] = spec["initContainers"]
        assert command_lines(init["command"]) == [["complaints", "migrate", "--service", name]]
        assert env_sources(init) == env_sources(container)
    assert deployment("routing")["spec"]["replicas"] >= 2, "routing runs scaled out"


def test_every_pod_runs_as_non_root_without_privileges() -> None:
    for workload in workloads(everything()):
        name = workload["metadata"]["name"]
        spec = pod_spec(workload)
        pod_security = spec["securityContext"]
        assert pod_security["runAsNonRoot"] is True and pod_security["runAsUser"] != 0, name
        assert pod_security["seccompProfile"]["type"] == "RuntimeDefault", name
        assert spec["enableServiceLinks"] is False, f"{name}: KAFKA_PORT & co. would reach the settings"
        for container in all_containers(workload):
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, (name, container["name"])
            assert security["capabilities"]["drop"] == ["ALL"], (name, container["name"])


def test_every_container_has_an_image_and_resources() -> None:
    for workload in workloads(everything()):
        for container in all_containers(workload):
            where = (workload["metadata"]["name"], container["name"])
            assert container["image"], where
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][bound]), where


def test_the_project_containers_run_the_kustomized_image_and_known_commands() -> None:
    images = {entry["name"]: entry for entry in yaml.safe_load((K8S / "kustomization.yaml").read_text())["images"]}
    assert APP_IMAGE in images and images[APP_IMAGE]["newTag"] != "latest"
    for workload in workloads(base()):
        for container in all_containers(workload):
            assert container["image"] == APP_IMAGE
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            for argv in command_lines(container["command"]):
                check_cli_command(argv)


def test_settings_come_from_the_configmap_and_the_service_secrets() -> None:
    for workload in workloads(base()):
        for container in all_containers(workload):
            sources = env_sources(container)
            assert sources[:2] == [("configMap", "complaints-config"), ("secret", "complaints-common")]
    for name in SERVICES:
        for container in all_containers(deployment(name)):
            assert env_sources(container)[2:] == [("secret", f"complaints-{name}")], "its own database only"
            for entry in container.get("env", []):  # per-service tuning, if an operator adds some
                assert entry["name"] in service_settings(name), (name, entry["name"])
                assert entry["name"] not in SECRET_SETTINGS or "secretKeyRef" in entry.get("valueFrom", {})


def test_configmap_holds_only_known_non_secret_settings() -> None:
    [config] = of_kind(base(), "ConfigMap")
    data = config["data"]
    assert set(data) <= COMMON_SETTINGS and not set(data) & SECRET_SETTINGS, "read by all three services"
    assert data["EVENT_BUS"] == "kafka" and data["DEMO_MODE"] == "false"
    assert data["HOST"] == "0.0.0.0" and data["PORT"] == "8000"
    assert all(isinstance(value, str) for value in data.values()), "ConfigMap values are strings"


def test_secret_template_is_placeholders_for_every_secret_the_pods_read() -> None:
    secrets = {s["metadata"]["name"]: s for s in load_all_yaml(SECRET_TEMPLATE)}
    assert PLACEHOLDER in SECRET_TEMPLATE.read_text() and "TEMPLATE ONLY" in SECRET_TEMPLATE.read_text()
    for name, secret in secrets.items():
        assert secret["metadata"]["namespace"] == NAMESPACE
        readers = SERVICES if name == "complaints-common" else (name.removeprefix("complaints-"),)
        assert all(set(secret["stringData"]) <= service_settings(s) for s in readers), name
        assert all(PLACEHOLDER in value for value in secret["stringData"].values()), name
    referenced = {ref for w in workloads(base()) for c in all_containers(w)
                  for kind, ref in env_sources(c) if kind == "secret"}
    assert referenced == set(secrets)
    assert set(secrets["complaints-common"]["stringData"]) == {"JWT_SECRET", "ENCRYPTION_KEY"}
    for name in SERVICES:
        url = urlsplit(secrets[f"complaints-{name}"]["stringData"]["DATABASE_URL"])
        assert url.scheme == "postgresql+psycopg" and url.path == f"/{name}" and url.username == name


def test_migration_job_migrates_every_service_then_creates_topics() -> None:
    [job] = of_kind(base(), "Job")
    spec = pod_spec(job)
    assert spec["restartPolicy"] == "Never" and job["spec"]["backoffLimit"] >= 1
    for init, name in zip(spec["initContainers"], SERVICES, strict=True):
        assert command_lines(init["command"]) == [["complaints", "migrate", "--service", name],
                                                  ["complaints", "seed", "--service", name]]
        assert ("secret", f"complaints-{name}") in env_sources(init)
    [topics] = spec["containers"]
    assert topics["command"] == ["complaints", "topics"]


def test_every_service_selects_the_pods_of_a_workload_on_a_declared_port() -> None:
    objects = everything()
    for service in of_kind(objects, "Service"):
        selector = service["spec"]["selector"]
        targets = [w for w in workloads(objects)
                   if selector.items() <= w["spec"]["template"]["metadata"]["labels"].items()]
        assert len(targets) == 1, f"Service {service['metadata']['name']} selects {len(targets)} workloads"
        [workload] = targets
        if workload["kind"] != "Job":
            assert selector.items() <= workload["spec"]["selector"]["matchLabels"].items()
        ports = {p["name"] for c in pod_spec(workload)["containers"] for p in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, service["metadata"]["name"]
    for name in SERVICES:
        [service] = [s for s in of_kind(objects, "Service") if s["metadata"]["name"] == name]
        assert service["spec"]["type"] == "ClusterIP"


def test_disruption_budgets_select_scaled_out_deployments() -> None:
    for budget in of_kind(base(), "PodDisruptionBudget"):
        selector = budget["spec"]["selector"]["matchLabels"]
        [target] = [d for d in of_kind(base(), "Deployment")
                    if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()]
        assert target["spec"]["replicas"] > budget["spec"]["minAvailable"]


def test_ingress_routes_each_path_to_the_service_that_owns_it() -> None:
    ingresses = of_kind(base(), "Ingress")
    for path, service in SAMPLE_REQUESTS:
        assert ingress_backend(ingresses, path) == service, path
    for prefix in ROUTES:
        assert ingress_backend(ingresses, prefix + "x") is None, prefix
    entries = [(entry["path"], entry["pathType"], entry["backend"]["service"])
               for ingress in ingresses for rule in ingress["spec"]["rules"] for entry in rule["http"]["paths"]]
    assert len({(path, kind) for path, kind, _ in entries}) == len(entries), "a path is in one Ingress only"
    # The routing table, plus the exact paths that are in an Ingress of their own for their rate limit.
    own_limit = {"/api/v1/auth/token": "intake", "/api/v1/channels/wechat": "intake",
                 "/api/v1/inspections/public": "routing", "/api/v1/inspections/public.xlsx": "routing"}
    assert {path: backend["name"] for path, _, backend in entries} == ROUTES | PAGES | own_limit
    assert all(backend["port"] == {"name": "http"} for _, _, backend in entries)
    for ingress in ingresses:  # one host, one certificate, one class: ingress-nginx merges them into one server
        assert ingress["spec"]["ingressClassName"] == "nginx"
        assert [rule["host"] for rule in ingress["spec"]["rules"]] == ["complaints.hechuan.example"]
        assert ingress["spec"]["tls"] == ingresses[0]["spec"]["tls"]


def test_dev_overlay_runs_a_single_kraft_broker_without_auto_topic_creation() -> None:
    assert "DEV / TEST ONLY" in (K8S_DEV / "kafka.yaml").read_text()
    [kafka] = of_kind(k8s_objects(K8S_DEV), "StatefulSet")
    [container] = pod_spec(kafka)["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert container["image"].startswith("apache/kafka:3.9.")
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"].startswith(env["KAFKA_NODE_ID"] + "@kafka-0.")
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false" and env["CLUSTER_ID"]
    assert kafka["spec"]["replicas"] == 1 and kafka["spec"]["serviceName"] == "kafka-headless"


def _kustomize(directory: Path) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl (with its built-in kustomize) is not installed (make test installs it)")
    done = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [obj for obj in yaml.safe_load_all(done.stdout) if obj]


def test_kustomize_renders_the_base_into_one_namespace_with_the_registry_image() -> None:
    rendered = _kustomize(K8S)
    for obj in rendered:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == NAMESPACE, obj["metadata"]["name"]
        assert obj["metadata"]["labels"]["app.kubernetes.io/part-of"] == "hechuan-complaints"
    images = {c["image"] for w in workloads(rendered) for c in all_containers(w)}
    assert len(images) == 1 and not images & {APP_IMAGE}


def test_kustomize_renders_the_dev_overlay_against_its_own_broker() -> None:
    rendered = _kustomize(K8S_DEV)
    [config] = of_kind(rendered, "ConfigMap")
    assert config["data"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert config["data"]["KAFKA_REPLICATION_FACTOR"] == "1"
    assert {obj["metadata"].get("namespace") for obj in rendered if obj["kind"] != "Namespace"} == {NAMESPACE}
