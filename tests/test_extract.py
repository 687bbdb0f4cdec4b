from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing.extract import clean_title, extract_page_text, html_to_text, truncate_text

ARTICLE_PAGE = """<!doctype html>
<html><head><title>Harbour bridge reopens</title>
<script>var tracking = "do not extract";</script>
<style>body { color: red }</style></head>
<body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article>
<h1>Harbour bridge reopens after two years of repairs</h1>
<p>The harbour bridge reopened to traffic on Monday morning after a two-year programme of repairs
that replaced its steel deck and strengthened the towers against storms.</p>
<p>City engineers said the work finished three weeks ahead of schedule and slightly under budget,
and that trams would return to the crossing from next week once final safety checks are complete.</p>
<p>Commuters who had faced detours of up to forty minutes welcomed the reopening, while local shops
near the southern approach said they expected trade to recover quickly over the summer months.</p>
</article>
<footer>Copyright Example News</footer>
</body></html>
"""


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("", ""),
        ("plain   text\n with  spaces", "plain text with spaces"),
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("line one<br>line two<br/>line three", "line one\n\nline two\n\nline three"),
        ("<div>a<div>b</div>c</div>", "a\n\nb\n\nc"),
        ("<ul><li>first</li><li>second</li></ul>", "first\n\nsecond"),
        ("<h2>Head</h2>body <b>bold</b> <i>it</i>", "Head\n\nbody bold it"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\n\nc"),
        ("AT&amp;T &lt;tag&gt; &eacute; &#233; &#x263A; &nbsp;x", "AT&T <tag> é é ☺ x"),
        ("<p>keep</p><script>alert('x')</script><style>p{}</style><noscript>no</noscript>", "keep"),
        ("<p>a</p><iframe src='x'>inside</iframe><p>b</p>", "a\n\nb"),
        ("<p>unclosed <b>bold", "unclosed bold"),
        ("<!-- comment --><p>after</p>", "after"),
        ("a < b and c > d", "a < b and c > d"),
    ],
)
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


@pytest.mark.parametrize(
    "html",
    ["<![if x", "<!", "<!--", "</", '<a href="', "&#xffffffff;", "&#0;", "<![CDATA[x", "<!DOCTYPE", "<" * 1000],
)
def test_html_to_text_odd_markup(html: str) -> None:
    assert isinstance(html_to_text(html), str)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_html_to_text_never_raises(html: str) -> None:
    text = html_to_text(html)
    assert isinstance(text, str)
    assert text == text.strip()
    assert "\n\n\n" not in text


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["<p>", "</p>", "<br>", "<div>", "</div>", "<script>", "</script>", "<b>", "&amp;"]),
            st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "<!", "</", "<a href='", "&#", ";", "<li>"]),
            st.text(max_size=20),
        ),
        max_size=30,
    )
)
def test_html_to_text_never_raises_on_tag_soup(parts: list[str]) -> None:
    assert isinstance(html_to_text("".join(parts)), str)


def test_html_to_text_max_chars_stops_early_on_huge_input() -> None:
    html = "<p>" + "<b>word</b> " * 500_000 + "</p>"  # 6 MB of markup
    text = html_to_text(html, max_chars=1_000)
    assert 900 <= len(text) <= 1_000
    assert text.endswith("word")


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("one two three", 9, "one two"),
        ("one two three", 7, "one two"),
        ("one two three", 8, "one two"),
        ("abcdefghij", 4, "abcd"),  # no space at all: hard cut
        ("a bcdefghijklmnop", 10, "a bcdefghi"),  # only space too early: hard cut
    ],
)
def test_truncate_text(text: str, limit: int, expected: str) -> None:
    assert truncate_text(text, limit) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("  Simple   title \n", "Simple title"),
        ("<b>Bold</b> move", "Bold move"),
        ("AT&amp;T &amp; Verizon", "AT&T & Verizon"),
        ("<p>Two</p><p>paragraphs</p>", "Two paragraphs"),
        ("x < y", "x < y"),
        ("", ""),
    ],
)
def test_clean_title(title: str, expected: str) -> None:
    assert clean_title(title) == expected


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_clean_title_is_one_line(title: str) -> None:
    cleaned = clean_title(title)
    assert "\n" not in cleaned
    assert cleaned == " ".join(cleaned.split())


def test_extract_page_text_finds_the_article() -> None:
    text = extract_page_text(ARTICLE_PAGE, url="https://example.com/news/bridge")
    assert text is not None
    assert "reopened to traffic on Monday morning" in text
    assert "trams would return" in text
    assert "do not extract" not in text


@pytest.mark.parametrize("html", ["", "   ", "<html></html>", "<html><body><script>x()</script></body></html>"])
def test_extract_page_text_none_when_empty(html: str) -> None:
    assert extract_page_text(html) is None


def test_extract_page_text_survives_garbage() -> None:
    result = extract_page_text("\x00\x01<<<>>>&&&" * 100)
    assert result is None or isinstance(result, str)
