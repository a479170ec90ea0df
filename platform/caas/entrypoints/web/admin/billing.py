"""The admin console's billing pages."""
