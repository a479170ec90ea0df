"""The admin console's audit pages."""
