"""Text set in the shipped PDF fonts: fallback per character and right-to-left order."""

import dataclasses

from reportlab.lib.styles import ParagraphStyle

from lms.core import pdffonts


def regular() -> pdffonts.Face:
    return pdffonts.main_faces()[0]


def test_latin_and_greek_are_drawn_in_the_main_font_as_typed():
    assert pdffonts.markup("Zoë O'Brien & Ελένη", regular()) == (
        "Zoë O'Brien &amp; Ελένη",
        False,
    )


def test_characters_the_main_font_lacks_come_from_the_fallback_font():
    content, shaping = pdffonts.markup("Zoë 李 O'Brien 😀", regular())

    assert content == 'Zoë <font face="DroidSansFallback">李</font> O\'Brien ?'
    assert not shaping


def test_the_bold_face_falls_back_too():
    bold = pdffonts.main_faces()[1]

    assert pdffonts.markup("李", bold) == ('<font face="DroidSansFallback">李</font>', False)


def test_right_to_left_words_are_shaped_and_laid_out_right_to_left():
    content, shaping = pdffonts.markup("Dr مريم أحمد (Leeds)", regular())

    # HarfBuzz puts each shaped word's letters in order; the words are swapped here.
    assert content == "Dr أحمد مريم (Leeds)"
    assert shaping


def test_without_shaping_right_to_left_letters_are_reversed_so_they_read_right():
    unshaped = dataclasses.replace(regular(), shapes=False)

    content, shaping = pdffonts.markup("مريم أحمد", unshaped)

    assert content == "دمحأ ميرم"
    assert not shaping


def test_a_paragraph_is_shaped_only_when_it_has_right_to_left_words():
    style = ParagraphStyle("body", fontName=pdffonts.regular(), fontSize=10)

    assert pdffonts.paragraph("مريم", style).style.shaping == 1
    assert pdffonts.paragraph("Mariam", style).style.shaping == 0
    assert style.shaping == 0


def test_text_is_one_line_without_invisible_characters_and_shortened_with_an_ellipsis():
    assert pdffonts.clip("  Ann\n\tLee\u200b ") == "Ann Lee"
    assert pdffonts.clip("Bartholomew", 6) == "Barth…"
    assert pdffonts.clip(None) == ""
