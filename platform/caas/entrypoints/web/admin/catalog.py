"""The admin console's catalog pages."""
