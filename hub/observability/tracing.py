"""OpenTelemetry tracing of GraphQL operations, off unless configured.

``[tracing] enabled = true`` in ``HUB_CONFIG`` adds strawberry's
``OpenTelemetryExtension``: a span per operation, with its parsing,
validation and resolver spans. Spans go where the standard ``OTEL_*``
variables say (``OTEL_EXPORTER_OTLP_ENDPOINT``, default
``http://localhost:4318``), over OTLP/HTTP, unless the process already set a
tracer provider. Resolver arguments are never recorded (they can be search
text); the operation's document is. It needs the ``tracing`` extra:
``pip install 'liaoning-hub[tracing]'``.

Tracing wraps every resolver, sync ones included: expect requests to cost
noticeably more while it is on.
"""

from __future__ import annotations

from typing import Any

from strawberry.extensions import SchemaExtension

from hub.config import Config
from hub.errors import ConfigError

DEFAULT_SERVICE_NAME = "liaoning-hub"


def enabled(config: Config) -> bool:
    value = config.section("tracing").get("enabled", False)
    if not isinstance(value, bool):
        raise ConfigError("[tracing] enabled must be true or false")
    return value


def extensions(config: Config) -> list[Any]:
    """The schema extensions tracing needs: none unless ``[tracing] enabled``."""
    if not enabled(config):
        return []
    try:
        from opentelemetry import trace
        from strawberry.extensions.tracing import OpenTelemetryExtension
    except ImportError as exc:
        raise ConfigError(
            "[tracing] enabled needs OpenTelemetry: pip install 'liaoning-hub[tracing]'"
        ) from exc
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        _install_provider(config)

    def factory() -> SchemaExtension:
        return OpenTelemetryExtension(arg_filter=lambda args, info: {})

    return [factory]


def _install_provider(config: Config) -> None:
    name = config.section("tracing").get("service_name", DEFAULT_SERVICE_NAME)
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:
        raise ConfigError(
            "[tracing] enabled needs the OpenTelemetry SDK and OTLP exporter: "
            "pip install 'liaoning-hub[tracing]'"
        ) from exc
    provider = TracerProvider(resource=Resource.create({"service.name": str(name)}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
