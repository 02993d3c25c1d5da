"""plain_text: what a reader would see, on one line."""

from __future__ import annotations

import pytest

from ingest import plain_text


def test_tags_are_removed():
    assert plain_text("<b>Putin</b> meets <a href='/xi'>Xi</a>") == "Putin meets Xi"


def test_entities_are_decoded():
    assert plain_text("Trump &amp; Biden &#8211; &quot;debate&quot; &eacute;") == 'Trump & Biden – "debate" é'


def test_script_and_style_content_is_dropped():
    html = "<p>Before</p><script>var leader = 'Merkel';</script><style>p { color: red }</style><p>after</p>"

    assert plain_text(html) == "Before after"


def test_block_elements_separate_words():
    assert plain_text("<p>Kyiv</p><p>Moscow</p><div>Minsk</div>Riga<br>Vilnius") == "Kyiv Moscow Minsk Riga Vilnius"


def test_inline_elements_do_not_split_a_word():
    assert plain_text("<b>Pu</b>tin") == "Putin"


def test_whitespace_including_non_breaking_spaces_is_folded():
    assert plain_text("  Talks\n\n lasted&nbsp;&nbsp;three\thours  ") == "Talks lasted three hours"


def test_plain_text_passes_through():
    assert plain_text("Modi visits Washington") == "Modi visits Washington"


@pytest.mark.parametrize("empty", ["", "   ", "<p></p>", "<script>alert(1)</script>"])
def test_nothing_visible_gives_an_empty_string(empty: str):
    assert plain_text(empty) == ""


def test_a_less_than_sign_followed_by_a_space_is_text():
    assert plain_text("Inflation < 2% & falling") == "Inflation < 2% & falling"


def test_image_alt_text_is_not_read_as_words():
    assert plain_text('<img src="x.jpg" alt="Erdogan"> Caption') == "Caption"
