"""Documents as PDF: every kind renders, in Chinese, with the project's font embedded (the text
read back out of the PDF is the content's), the same content gives the same bytes, the PDF
carries its content and prints its hash, lines break by the rules of Chinese typesetting."""

from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from services.cases.documents import render as render_module
from services.cases.documents.render import (
    NO_END,
    NO_START,
    REGULAR,
    carried_content,
    missing_characters,
    render,
    wrap,
)
from services.cases.domain.documents import KINDS, compose_content, content_bytes, content_hash
from tests.support.documents import ISSUER, sample_fields

AT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def content_of(kind: str, **changes: object) -> dict:
    fields = sample_fields(kind)
    content = compose_content(KINDS[kind], document_id="d4",
                              case_number="511602202611300000001", issuer=ISSUER,
                              addressee=fields.get("party", "张三"), fields=fields, serial=12,
                              issued_at=AT)
    return {**content, **changes}


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages)


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_renders_its_words_in_chinese_with_the_embedded_font(kind: str) -> None:
    content = content_of(kind)
    pdf = render(content)
    assert pdf.startswith(b"%PDF-") and len(pdf) < 200_000  # the font is subset
    foot = squeezed(f"{content['title']}{content['number']}办件编号")
    pages = [squeezed(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]
    text = "".join(page[:page.rindex(foot)] for page in pages)  # without the feet
    assert content_hash(content) in pages[-1]  # the hash is printed on the page
    # the glyphs map back to the very characters of the content (ToUnicode of the subset)
    for word in (content["issuer"], content["title"], content["number"],
                 content["date_text"], *content["paragraphs"],
                 *(value for _, value in content["rows"])):
        assert squeezed(word) in text, word
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert "SunlightSerifSC" in font["/BaseFont"]
            descendant = font["/DescendantFonts"][0].get_object()
            assert descendant["/Subtype"] == "/CIDFontType2"  # TrueType outlines
            assert "/FontFile2" in descendant["/FontDescriptor"].get_object()  # embedded
    assert not missing_characters(content)


def test_the_same_content_gives_the_same_bytes_and_any_change_other_bytes() -> None:
    content = content_of("licence_decision")
    first, second = render(content), render(dict(reversed(list(content.items()))))
    assert first == second
    assert render(content_of("licence_decision", addressee="李四")) != first


def test_the_font_parsed_once_gives_fpdf2s_own_bytes(monkeypatch) -> None:
    """The fonts are parsed once a process and shared by the documents (``_add_font``):
    every kind, rendered after others, is byte for byte what fpdf2's own ``add_font`` — a
    whole parse for the document — makes of it."""
    kinds = sorted(KINDS)
    shared = {kind: render(content_of(kind)) for kind in [*kinds, *reversed(kinds)]}
    monkeypatch.setattr(render_module, "_add_font",
                        lambda pdf, family, path: pdf.add_font(family, "", str(path)))
    for kind in kinds:
        assert render(content_of(kind)) == shared[kind], kind
    monkeypatch.undo()
    # at once on several threads (the documents' service renders on its callers' threads
    # when no render worker is given): each document its own bytes still
    with ThreadPoolExecutor(6) as pool:
        made = list(pool.map(lambda kind: (kind, render(content_of(kind))), kinds * 3))
    assert all(pdf == shared[kind] for kind, pdf in made), [k for k, p in made
                                                            if p != shared[k]]


def test_the_pdf_carries_its_content_and_names_its_hash_in_its_metadata() -> None:
    content = content_of("acceptance_notice")
    pdf = render(content)
    assert carried_content(pdf) == content_bytes(content)
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == "受理通知书 区发改受〔2026〕12号"
    assert reader.metadata.get("/Keywords") == f"sha256:{content_hash(content)}"
    assert carried_content(b"not a pdf") is None
    assert carried_content(_plain_pdf()) is None


def test_long_documents_go_on_to_more_pages() -> None:
    content = content_of("penalty_notice",
                         paragraphs=["经查，你（单位）存在下列情形。" * 30] * 6)
    reader = PdfReader(io.BytesIO(render(content)))
    assert len(reader.pages) >= 3
    assert "共3页" in squeezed(reader.pages[0].extract_text()) or len(reader.pages) > 3


def test_lines_never_begin_with_a_closing_mark_nor_end_with_an_opening_one() -> None:
    pdf = FPDF(unit="mm")
    pdf.add_font("regular", "", str(REGULAR))
    pdf.set_font("regular", size=16)
    text = ("根据《中华人民共和国行政许可法》第三十二条第一款第（五）项的规定，本机关决定予以"
            "受理。“你（单位）”于2026年11月30日提出的申请，经审查，材料齐全、符合法定形式。") * 4
    lines = wrap(pdf, text, 156, indent=11.3)
    assert "".join(lines) == text
    assert len(lines) > 4
    for line in lines[1:]:
        assert line[0] not in NO_START, line
    for line in lines[:-1]:
        assert line[-1] not in NO_END, line
    # a number is not split between lines
    assert not any(line.endswith("202") for line in lines)


def test_characters_the_font_lacks_are_named() -> None:
    content = content_of("acceptance_notice", addressee="王𠀀")  # CJK extension B
    assert missing_characters(content) == ["𠀀"]


def _plain_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    return bytes(pdf.output())
