"""The platform end to end: the REST contract over the real app, workers and sandboxes."""
