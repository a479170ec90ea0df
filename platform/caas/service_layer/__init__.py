"""Use cases, one module per capability; they speak to adapters through units of work."""
