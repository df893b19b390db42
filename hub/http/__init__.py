"""HTTP endpoints of the hub, one module per endpoint family."""
