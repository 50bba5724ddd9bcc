"""`ChangeDetails` reads every shape of `Change.details` the store has written and writes it back unchanged."""

from __future__ import annotations

import pytest

from regwatch.store.details import ChangeDetails, DefinitionChange, Finding, NamedFile

STORED_SHAPES = [
    {},  # the plainest assessment
    {"significance": None, "topics": ["exosomes"]},  # a new document without findings
    {"significance": "definition", "section": None, "topics": [],
     "findings": [{"kind": "definition", "detail": "'x': a → b", "section": []}],
     "definition": {"term": "x", "before": "X means a.", "after": None}, "gloss": "应当 [shall]"},
    {"significance": "obligation", "section": "II > B", "topics": ["hctp"],
     "findings": [{"kind": "obligation", "detail": "'should' → 'must'", "section": ["II", "B"]}],
     "files": [{"title": "Annex", "url": "https://x/annex.pdf"}]},
    {"from_status": "draft", "to_status": "final", "significance": "status"},
    {"from_status": "draft", "to_status": "final", "significance": "status", "wording": "FDA · x · numbers",
     "section": None, "topics": [], "findings": [{"kind": "numbers", "detail": "'3' → '5'", "section": []}]},
    {"reason": "left the catalogue (2 consecutive runs)", "significance": "removed"},
    {"reason": "selectors matched nothing", "significance": "layout"},
    {"reappeared": True},
]


@pytest.mark.parametrize("stored", STORED_SHAPES)
def test_every_stored_shape_reads_and_writes_back_the_same(stored: dict[str, object]) -> None:
    assert ChangeDetails.from_json(stored).to_json() == stored


def test_the_typed_fields_are_what_the_json_says() -> None:
    details = ChangeDetails.from_json(STORED_SHAPES[2])
    assert details.significance == "definition" and details.topics == () and details.gloss == "应当 [shall]"
    assert details.findings == (Finding("definition", "'x': a → b"),)
    assert details.definition == DefinitionChange("x", "X means a.", None)
    assert ChangeDetails.from_json(None) == ChangeDetails()
    assert ChangeDetails().with_files(NamedFile("A", "u")).files == (NamedFile("A", "u"),)
