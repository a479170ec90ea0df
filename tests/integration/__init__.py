"""Adapters, workers, the CLI and plugins on real databases, brokers and sandboxes."""
