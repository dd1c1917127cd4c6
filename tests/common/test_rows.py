from dataclasses import dataclass, field
from types import SimpleNamespace

from app.common.rows import fields_of, set_fields


def test_fields_of_copies_the_named_attributes_in_order():
    row = SimpleNamespace(title="Shelving", status="open", secret="x")

    described = fields_of(row, "status", "title")

    assert described == {"status": "open", "title": "Shelving"}
    assert list(described) == ["status", "title"]


def test_fields_of_nothing_is_empty():
    assert fields_of(object()) == {}


@dataclass
class _Fields:
    title: str
    links: list = field(default_factory=list)


def test_set_fields_sets_each_dataclass_field_on_the_row_but_those_left_out():
    row = SimpleNamespace(title="old", links=["kept"], other="untouched")

    set_fields(row, _Fields(title="new", links=["new"]), but=("links",))

    assert vars(row) == {"title": "new", "links": ["kept"], "other": "untouched"}
    set_fields(row, _Fields(title="newer", links=["new"]))
    assert (row.title, row.links) == ("newer", ["new"])
