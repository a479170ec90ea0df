"""The admin console's settings pages."""
