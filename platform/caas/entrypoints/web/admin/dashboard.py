"""The admin console's dashboard pages."""
