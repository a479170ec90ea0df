"""The admin console's staff pages."""
