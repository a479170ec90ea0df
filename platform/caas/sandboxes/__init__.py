"""External-system sandboxes."""
