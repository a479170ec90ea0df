"""The repository the tests run in, and its demo tenant files."""
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: The demo tenant files (tenants/*-demo.toml) by slug: adding a country adds one.
DEMO_TENANTS = {data["slug"]: data for data in (
    tomllib.loads(path.read_text(encoding="utf-8"))
    for path in sorted((REPO / "tenants").glob("*-demo.toml")))}
