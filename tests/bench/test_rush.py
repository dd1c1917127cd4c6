"""The rush benchmark (`python -m bench.rush`) kept from rotting: a small rush against SQLite
under gunicorn, first come and with a draw window, passes every check."""

from __future__ import annotations

from bench import rush


def test_a_small_rush_gives_no_error_and_every_answer_matches_the_database(tmp_path):
    settings = rush.Settings(people=24, clients=8, shifts=3, capacity=3, workers=2)
    url = f"sqlite:///{tmp_path / 'rush.sqlite'}"

    for draw in (False, True):
        run = rush.rush(url, settings, draw=draw)

        assert run.problems == []
        assert all(phase.requests == 24 for phase in run.phases)


def test_the_answer_is_read_from_the_flash_in_any_language():
    waitlisted = '<div class="alert alert-info" role="alert">该班次已满，你是候补第 7 位。</div>'
    assert rush.parse_answer(waitlisted, draw=False) == ("waitlisted", 7)
    placed = '<div class="alert alert-success" role="alert">报名成功</div>'
    assert rush.parse_answer(placed, draw=False) == ("confirmed", 0)
    refused = '<div class="alert alert-danger" role="alert">尚未开放</div>'
    assert rush.parse_answer(refused, draw=True)[0].startswith("refused")
