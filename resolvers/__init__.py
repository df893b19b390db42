"""Per-request context, DataLoaders and the thin functions behind Query fields."""
