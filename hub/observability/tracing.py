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


def extensions(config: Config) -> list[Any]:
    """The schema extensions tracing needs: none unless ``[tracing] enabled``."""
    if not config.tracing.enabled:
        return []
    try:
        from opentelemetry import trace
        from strawberry.extensions.tracing import OpenTelemetryExtension
    except ImportError as exc:
        raise ConfigError(
            "[tracing] enabled needs OpenTelemetry: pip install 'liaoning-hub[tracing]'"
        ) from exc
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        _install_provider(config.tracing.service_name)

    def factory() -> SchemaExtension:
        return OpenTelemetryExtension(arg_filter=lambda args, info: {})

    return [factory]


def _install_provider(name: str) -> None:
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
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
