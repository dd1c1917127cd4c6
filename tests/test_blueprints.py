"""Where a URL is handled can be found from its blueprint's name alone: the blueprint `x`
lives in a module named for it (`x_views.py` in its feature, or `x/views.py`)."""

from __future__ import annotations


def test_each_blueprint_lives_in_the_module_named_after_it(app):
    misplaced = [
        f"{name}: {blueprint.import_name}"
        for name, blueprint in app.blueprints.items()
        if not blueprint.import_name.endswith(
            (f".{name}_views", f".{name}.views", f".{name}.blueprint")
        )
    ]
    assert misplaced == []
