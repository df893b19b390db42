"""Operations: metrics, structured logs, request ids, tracing."""
