"""The pure domain: entities, value objects and rules. No Flask, no SQLAlchemy sessions, no httpx."""
