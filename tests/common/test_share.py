"""Share views: every public page (campaign, column post, badge, certificate verification)
has Open Graph tags, its QR code, and a poster PNG whose QR code decodes back to the page's
address; pages people may not see have no poster either."""

from __future__ import annotations

import base64
import io
import re

import zxingcpp
from PIL import Image

from app.common import share
from tests.checkin.test_certificates_views import issued, setup  # noqa: F401 (fixture)
from tests.columns import reading_data
from tests.recruitment import recruiting
from tests.rewards.test_badges_views import earned  # noqa: F401 (fixture)


def decoded(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def check_share(client, page_path: str, poster_path: str) -> None:
    page = client.get(page_path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    address = f"http://localhost{page_path}"
    assert f'<meta property="og:url" content="{address}">' in html
    assert f'<meta property="og:image" content="http://localhost{poster_path}">' in html
    qr = re.search(r'src="data:image/png;base64,([^"]+)" width="112"', html).group(1)
    assert decoded(base64.b64decode(qr)) == [address]
    poster = client.get(poster_path)
    assert poster.status_code == 200 and poster.mimetype == "image/png"
    image = Image.open(io.BytesIO(poster.data))
    assert image.size == (share.WIDTH, share.HEIGHT)
    assert decoded(poster.data) == [address]


def test_a_published_campaign_shares_and_a_draft_does_not(client, db):
    team = recruiting.team(name="图书馆志愿者队")
    published = recruiting.campaign(team, title="图书馆志愿者招募")
    draft = recruiting.campaign(team, title="草稿", published=False)
    db.session.commit()
    check_share(
        client,
        f"/recruitment/campaigns/{published.id}",
        f"/recruitment/campaigns/{published.id}/share.png",
    )
    assert client.get(f"/recruitment/campaigns/{draft.id}/share.png").status_code == 404


def test_a_column_post_shares(client, db):
    world = reading_data.world()
    post = reading_data.published(world, title="《活着》读后感")
    draft = reading_data.draft(world)
    db.session.commit()
    code = post.column.code
    check_share(client, f"/columns/{code}/{post.id}", f"/columns/{code}/{post.id}/share.png")
    assert client.get(f"/columns/{code}/{draft.id}/share.png").status_code == 404


def test_an_earned_badge_shares(client, earned):  # noqa: F811 (the imported fixture)
    award = earned[2]
    check_share(client, f"/badges/{award.public_id}", f"/badges/{award.public_id}/share.png")
    assert client.get("/badges/not-a-badge/share.png").status_code == 404


def test_a_certificate_verification_page_shares(client, login, setup):  # noqa: F811
    certificate = issued(client, login, setup[0])
    number = certificate.number
    check_share(
        client, f"/certificates/verify/{number}", f"/certificates/verify/{number}/share.png"
    )
    assert client.get("/certificates/verify/NOPE/share.png").status_code == 404


def test_a_long_chinese_title_is_cut_to_three_lines(app):
    with app.test_request_context():
        png = share.poster_png(
            title="很长的标题" * 30,
            subtitle="副标题" * 40,
            url="http://localhost/x",
            site="共创",
            hint="长按识别二维码",
        )
    assert decoded(png) == ["http://localhost/x"]


def test_a_poster_without_a_cjk_font_still_carries_the_code(app, monkeypatch):
    monkeypatch.setattr(share, "FONT_CANDIDATES", ())
    share._font_file.cache_clear()
    try:
        with app.test_request_context():
            png = share.poster_png(
                title="Title", subtitle="", url="http://localhost/y", site="Gongchuang", hint="Scan"
            )
    finally:
        share._font_file.cache_clear()
    assert decoded(png) == ["http://localhost/y"]
