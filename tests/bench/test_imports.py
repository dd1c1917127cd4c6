"""The imports benchmark (`python -m bench.imports`) kept from rotting: a small run imports
every row and no write of the other process fails."""

from __future__ import annotations

from bench import imports


def test_a_small_import_benchmark_imports_everything_and_no_write_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "PEOPLE", 300)

    cases = imports.run(tmp_path)

    assert [case.rows for case in cases] == [300] * 5
    assert not any(case.failed_writes for case in cases)
    assert all(case.writes for case in cases if case.max_wait is not None)
