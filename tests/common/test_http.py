"""The one HTTP helper: what a caller gets for each way another server can fail."""

from __future__ import annotations

import time

import pytest
from werkzeug.wrappers import Request, Response

from app.common import http
from tests.loopback import LoopbackServer


def other_server(environ, start_response):
    request = Request(environ)
    if request.path == "/slow":
        time.sleep(1)
        response = Response("late")
    elif request.path == "/endless":
        response = Response((b"x" * 1024 for _ in range(10_000)), mimetype="text/plain")
    elif request.path == "/refuse":
        response = Response('{"error": "invalid_grant"}', status=400)
    else:
        response = Response(f"{request.method} {request.args.get('q')} {request.form.get('f')}")
    return response(environ, start_response)


@pytest.fixture(scope="module")
def server():
    running = LoopbackServer(other_server)
    yield running
    running.stop()


def test_an_answer_comes_back_with_the_query_and_form_sent(server):
    answer = http.fetch(
        "POST", f"{server.url}/echo", params={"q": "书"}, data={"f": "1"}, timeout=5, max_bytes=99
    )
    assert (answer.status, answer.body.decode()) == (200, "POST 书 1")


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/slow", http.FetchFailed.TIMEOUT),
        ("/endless", http.FetchFailed.TOO_LARGE),
    ],
)
def test_a_late_or_endless_answer_fails_with_its_reason(server, path, reason):
    with pytest.raises(http.FetchFailed) as failure:
        http.fetch("GET", f"{server.url}{path}", timeout=0.2, max_bytes=64 * 1024)
    assert failure.value.reason == reason


def test_an_error_answer_keeps_its_status_and_what_it_says(server):
    with pytest.raises(http.FetchFailed) as failure:
        http.fetch("GET", f"{server.url}/refuse", timeout=5, max_bytes=1024)
    assert failure.value.reason == http.FetchFailed.BAD_STATUS
    assert (failure.value.status, failure.value.body) == (400, b'{"error": "invalid_grant"}')


@pytest.mark.parametrize("url", ["http://127.0.0.1:1/", "not an address"])
def test_a_server_that_cannot_be_reached_fails_as_unreachable(url):
    with pytest.raises(http.FetchFailed) as failure:
        http.fetch("GET", url, timeout=1, max_bytes=1024)
    assert failure.value.reason == http.FetchFailed.UNREACHABLE
