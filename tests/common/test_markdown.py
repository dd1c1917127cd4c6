"""What changed when the Markdown cleaner moved from bleach to nh3 (the allow-list, the
links' rel and the linking of bare addresses stay as they were: see the recruitment tests)."""

from app.common.markdown import render_markdown


def test_markdown_images_rules_and_code_blocks_are_dropped_instead_of_shown_as_tags():
    html = str(render_markdown("![封面](https://x.cn/a.png)\n\n---\n\n    print(1)"))
    assert "<img" not in html and "&lt;img" not in html
    assert "&lt;hr" not in html and "&lt;pre" not in html
    assert "<code>print(1)\n</code>" in html


def test_raw_html_typed_into_markdown_is_shown_as_text_even_an_allowed_tag():
    html = str(render_markdown('<a href="https://z.cn">点这里</a> <strong>粗</strong>'))
    assert "&lt;a href=" in html and "&lt;strong&gt;粗&lt;/strong&gt;" in html
    assert '<a href="https://z.cn" rel="nofollow noopener">https://z.cn</a>' in html


def test_bare_addresses_are_linked_only_with_a_scheme_or_www_and_not_inside_links():
    html = str(
        render_markdown("lib.example.cn www.b.cn (https://p.cn). [https://l.cn](https://l.cn)")
    )
    assert "<p>lib.example.cn " in html
    assert '<a href="http://www.b.cn" rel="nofollow noopener">www.b.cn</a>' in html
    assert '(<a href="https://p.cn" rel="nofollow noopener">https://p.cn</a>).' in html
    assert html.count("<a ") == 3
