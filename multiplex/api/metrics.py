"""Prometheus metrics, on a registry of the app's own (several apps may live in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from multiplex.graph.record import RunRecord


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "multiplex_requests_total", "HTTP requests", ["route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "multiplex_request_seconds",
            "HTTP request latency",
            ["route"],
            registry=self.registry,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
        )
        self.runs_in_flight = Gauge("multiplex_runs_in_flight", "graph runs executing now", registry=self.registry)
        self.agent_calls = Counter(
            "multiplex_agent_calls_total",
            "model calls of runs, by role, perspective, model and outcome (ok, or the failure)",
            ["role", "perspective", "model", "status"],
            registry=self.registry,
        )
        self.pool_cooldowns = Counter(
            "multiplex_pool_cooldowns_total",
            "deployments of a backend pool that the Router cooled down",
            ["model", "deployment", "status"],
            registry=self.registry,
        )
        self.tokens = Counter(
            "multiplex_tokens_total", "tokens used by every agent call", ["kind", "model"], registry=self.registry
        )

        self.redis_up = Gauge(
            "multiplex_redis_up",
            "1 when MULTIPLEX_REDIS_URL's Redis answers, 0 when not (or none)",
            registry=self.registry,
        )
        self.cache_hits = Counter(
            "multiplex_cache_hits_total", "answers served from the answer cache", registry=self.registry
        )

    def record_run(self, result: RunRecord) -> None:
        if result.cached:
            self.cache_hits.inc()
            return  # no model was called
        for call in result.calls:
            self.agent_calls.labels(call.role, call.perspective or "", call.model, call.failure or "ok").inc()
            self.tokens.labels("prompt", call.model).inc(call.usage.prompt_tokens)
            self.tokens.labels("completion", call.model).inc(call.usage.completion_tokens)

    def cooldown(self, model: str, deployment: str, status: str, _seconds: float | None) -> None:
        self.pool_cooldowns.labels(model, deployment, status).inc()
