"""The README's walk runs as written from the repository root: the files it uploads exist."""
import re
from pathlib import Path

from tests.support.journey import set_up_catalog

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_the_manual_the_readme_uploads_is_a_pdf_the_platform_takes(make_tenant):
    [(query, path)] = re.findall(r'/models/urbano/manual\?(\S+)" \\\n.*--data-binary @(\S+)',
                                 README)
    data = (REPO / path).read_bytes()
    assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF"), path
    shop = make_tenant("ES")
    set_up_catalog(shop)  # the urbano model
    added = shop.admin.post(f"/api/v1/models/urbano/manual?{query}", data=data,
                            headers={"Content-Type": "application/pdf"})
    assert added.status_code == 201, added.json
    assert added.json["size"] == len(data) and added.json["kind"] == "manual"
    assert added.json["filename"] == Path(path).name
