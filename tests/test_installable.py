"""The site can be added to a phone's home screen: a web app manifest and its icons."""

from __future__ import annotations

import io
import json
import re

from PIL import Image


def _manifest(client) -> dict:
    page = client.get("/login").get_data(as_text=True)
    link = re.search(r'<link rel="manifest" href="([^"]+)"', page)
    assert link, "every page links the manifest"
    response = client.get(link.group(1))
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def test_the_manifest_makes_the_site_open_full_screen_under_its_name(client):
    manifest = _manifest(client)
    assert manifest["short_name"] == "共创"
    assert "共创" in manifest["name"]
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])


def test_the_manifest_icons_are_png_of_the_sizes_phones_ask_for(client):
    icons = {icon["sizes"]: icon for icon in _manifest(client)["icons"]}
    for size in (192, 512):
        icon = icons[f"{size}x{size}"]
        assert icon["type"] == "image/png"
        response = client.get(icon["src"])
        assert response.status_code == 200
        image = Image.open(io.BytesIO(response.data))
        assert image.format == "PNG" and image.size == (size, size)


def test_the_home_screen_shortcut_opens_my_check_in_code(client, login, student):
    shortcut = _manifest(client)["shortcuts"][0]
    login(student)
    page = client.get(shortcut["url"])
    assert page.status_code == 200
    assert "签到码" in page.get_data(as_text=True)
