from types import SimpleNamespace

from app.common.rows import fields_of


def test_fields_of_copies_the_named_attributes_in_order():
    row = SimpleNamespace(title="Shelving", status="open", secret="x")

    described = fields_of(row, "status", "title")

    assert described == {"status": "open", "title": "Shelving"}
    assert list(described) == ["status", "title"]


def test_fields_of_nothing_is_empty():
    assert fields_of(object()) == {}
