"""A document's content as a PDF: A4, in Chinese, with its font embedded — deterministically.

The layout follows the usual form of administrative documents (GB/T 9704's page: A4, text
block 156 × 225 mm, 37 mm from the top and 28 mm from the left): the issuing body in red
above a red rule, the title, the number (文号) on the right, then a letter (the addressee,
paragraphs indented by two characters, the case number, the issuing body and the date by a
seal placeholder) or a form (a two-column table). Lines are broken between characters, never
before a closing mark (，。、；：）》…) nor after an opening one (（《“), which hangs into the
margin instead, as Chinese typesetting does; full lines are justified.

Every page's foot names the document, the case, the page and the SHA-256 of the content, and
how to verify it. The content itself (its canonical JSON, the bytes the trace's hash covers) is
embedded in the PDF as the attached file ``document.json``: whoever holds the PDF holds what
to check it against.

The same content always gives the same bytes: the creation date is the document's date, the
file identifier is taken from the content's hash, the fonts are the project's own
(``data/fonts``, subset to the characters used), nothing depends on the clock or the machine.
``LAYOUT`` names this layout; a changed layout is a new name.
"""

from __future__ import annotations

import copy
import io
import logging
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from services.cases.domain.documents import FORM, content_bytes, content_hash
from services.shared.working_days import CHINA

log = logging.getLogger(__name__)

#: this layout, fpdf2's version included (its output is what is compared)
LAYOUT = "sunlight-a4/1"
FONTS = Path(__file__).resolve().parents[3] / "data" / "fonts"
REGULAR = FONTS / "SunlightSerifSC-Regular.ttf"
BOLD = FONTS / "SunlightSerifSC-Bold.ttf"
ATTACHMENT = "document.json"

PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT, TOP = 28.0, 26.0, 37.0
BOTTOM = PAGE_H - 35.0       # the last baseline area ends here
WIDTH = PAGE_W - LEFT - RIGHT  # 156 mm
RED = (200, 16, 16)
GREY = (110, 110, 110)
BODY_PT, TITLE_PT, FOOT_PT = 16, 22, 8
LINE = 9.0                   # mm between lines of the body
PT = 25.4 / 72

#: may not begin a line (they hang at the end of the one before)
NO_START = frozenset("，。、；：？！）》」』〕】〉…—’”%‰,.;:?!)]}·")
#: may not end a line (they go to the next one)
NO_END = frozenset("（《「『〔【〈‘“([{")
_TOKENS = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-_/%:]*|.", re.S)


@lru_cache(maxsize=1)
def font_characters() -> frozenset[int]:
    """The characters the body font can print (its character map, as parsed for the PDFs)."""
    return frozenset(_parsed(str(REGULAR))[0].cmap)


@lru_cache(maxsize=4)
def _parsed(path: str) -> tuple[TTFFont, bytes]:
    """A font as fpdf2 parses it (metrics, widths, character map), once a process, and its
    file's bytes."""
    pdf = FPDF()
    pdf.add_font("parsed", "", path)
    return pdf.fonts["parsed"], Path(path).read_bytes()


def _add_font(pdf: FPDF, family: str, path: Path) -> None:
    """``pdf.add_font(family, "", path)`` from the font parsed once a process (``_parsed``):
    fpdf2 parses the whole CJK font for every document (most of a PDF's CPU). The document's
    font shares what a document only reads (metrics, character map, glyph ids, and the widths
    table — a defaultdict, which also keeps the default width of a character asked for that
    the font lacks, the same for every document) and gets its own of what its output writes:
    a subset map, a font descriptor (fpdf2 numbers it and hangs the document's font file on
    it) and a fontTools font, read lazily from the bytes in memory, for the subsetter, which
    cuts down the font it is given. The bytes are fpdf2's own, documents rendered at once on
    several threads included (``tests/unit/test_document_render.py``). fpdf2's internals:
    pinned."""
    parsed, data = _parsed(str(path))
    font = TTFFont.__new__(TTFFont)
    for slot in TTFFont.__slots__:
        if hasattr(parsed, slot):
            setattr(font, slot, getattr(parsed, slot))
    font.i = len(pdf.fonts) + 1
    font.fontkey = family
    font.ttfont = TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
    # the glyph order (names made from the character map: the costliest step of a read)
    font.ttfont.setGlyphOrder(list(parsed.ttfont.getGlyphOrder()))
    font.desc = copy.copy(parsed.desc)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None  # noqa: SLF001 - shaping is not used; never shared
    font.subset = SubsetMap(font)
    pdf.fonts[family] = font


def missing_characters(content: Mapping[str, Any]) -> list[str]:
    """Characters of the content the font cannot print (each once, in order)."""
    known = font_characters()
    seen: dict[str, None] = {}
    for text in _texts(content):
        for char in text:
            if ord(char) not in known and not char.isspace():
                seen.setdefault(char)
    return list(seen)


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


class _Page(FPDF):
    def __init__(self, content: Mapping[str, Any], digest: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.content, self.digest = content, digest

    def file_id(self) -> str:  # type: ignore[override]
        # derived from the content: the same document, the same identifier
        return f"<{self.digest[:32].upper()}><{self.digest[:32].upper()}>"

    def footer(self) -> None:
        c = self.content
        self.set_font("regular", size=FOOT_PT)
        self.set_text_color(*GREY)
        self.set_xy(LEFT, PAGE_H - 25)
        lines = (
            f"{c['title']}  {c['number']}  办件编号 {c['case_number']}  文书 {c['document_id']}"
            f"  第 {self.page_no()} 页 共 {{nb}} 页",
            f"内容 SHA-256：{self.digest}",
            "核验：sunlight cases document verify 本文件；或 GET /v1/cases/"
            f"{c['case_number']}/documents/{c['document_id']}/verify",
        )
        for line in lines:
            self.set_x(LEFT)
            self.cell(WIDTH, 3.6, line, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)


def render(content: Mapping[str, Any]) -> bytes:
    """The PDF of a document's content: the same content, the same bytes."""
    digest = content_hash(content)
    missing = missing_characters(content)
    if missing:
        log.warning("document %s of case %s: the font has no glyph for %s; they print as "
                    "boxes (the content keeps them)", content.get("document_id"),
                    content.get("case_number"), "".join(missing[:20]))
    pdf = _Page(content, digest)
    issued = datetime.combine(datetime.fromisoformat(content["date"]).date(), time(9),
                              CHINA).astimezone(UTC)
    pdf.set_creation_date(issued)
    pdf.set_lang("zh-CN")
    pdf.set_title(f"{content['title']} {content['number']}")
    pdf.set_subject(f"办件 {content['case_number']} 文书 {content['document_id']}")
    pdf.set_author(content["issuer"])
    pdf.set_keywords(f"sha256:{digest}")
    pdf.set_creator("Sunlight 阳光")
    pdf.set_margins(LEFT, TOP, RIGHT)
    pdf.set_auto_page_break(False)
    _add_font(pdf, "regular", REGULAR)
    _add_font(pdf, "bold", BOLD)
    try:
        pdf.add_page()
        _head(pdf, content)
        if content["layout"] == FORM:
            _form(pdf, content)
        else:
            _letter(pdf, content)
        pdf.embed_file(bytes=content_bytes(content), basename=ATTACHMENT,
                       desc="文书内容（RFC 8785 规范化 JSON），其 SHA-256 记录于办件的操作痕迹",
                       creation_date=issued, modification_date=issued, compress=True)
        return bytes(pdf.output())
    except Exception:
        # fpdf2 memoizes a subset map's lookups for every map (functools.cache, keyed by
        # the map) and forgets them at the end of its output: a document that fails before
        # would keep its font in memory for good
        SubsetMap.pick.cache_clear()
        SubsetMap.get_glyph.cache_clear()
        raise


def carried_content(pdf: bytes) -> bytes | None:
    """The content a PDF carries (its ``document.json``), or None when it carries none or is
    not a PDF at all."""
    from pypdf import PdfReader  # noqa: PLC0415
    from pypdf.errors import PyPdfError  # noqa: PLC0415

    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        found = reader.attachments.get(ATTACHMENT)
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, OSError,
            RecursionError, AssertionError, IndexError, UnicodeError):
        return None
    if not found:
        return None
    return bytes(found[0])


# --- layout ---------------------------------------------------------------------------------


def _head(pdf: FPDF, c: Mapping[str, Any]) -> None:
    pdf.set_font("regular", size=TITLE_PT)
    pdf.set_text_color(*RED)
    pdf.set_xy(LEFT, TOP - 12)
    pdf.cell(WIDTH, 12, c["issuer"], align="C")
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.6)
    pdf.line(LEFT, TOP + 2, LEFT + WIDTH, TOP + 2)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("bold", size=TITLE_PT)
    pdf.set_xy(LEFT, TOP + 8)
    pdf.cell(WIDTH, 12, c["title"], align="C")
    pdf.set_font("regular", size=BODY_PT)
    pdf.set_xy(LEFT, TOP + 22)
    pdf.cell(WIDTH, 8, c["number"], align="R")
    pdf.set_y(TOP + 36)


def _ensure(pdf: FPDF, height: float) -> None:
    if pdf.get_y() + height > BOTTOM:
        pdf.add_page()
        pdf.set_y(TOP)


def wrap(pdf: FPDF, text: str, width: float, indent: float = 0.0) -> list[str]:
    """Lines of ``text`` (in the current font) no wider than ``width`` (the first
    ``indent`` narrower), broken between characters by the rules of Chinese typesetting."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_one(pdf, paragraph, width, indent if not lines else 0.0))
    return lines


def _wrap_one(pdf: FPDF, text: str, width: float, indent: float) -> list[str]:
    lines: list[str] = []
    line, used, room = "", 0.0, width - indent
    for token in _TOKENS.findall(text):
        size = pdf.get_string_width(token)
        if size > room and len(token) > 1:  # a long Latin run: break it anywhere
            for char in token:
                line, used, room = _add(pdf, lines, line, used, room, char, width)
            continue
        line, used, room = _add(pdf, lines, line, used, room, token, width, size)
    lines.append(line)
    return lines


def _add(pdf: FPDF, lines: list[str], line: str, used: float, room: float, token: str,
         width: float, size: float | None = None) -> tuple[str, float, float]:
    size = pdf.get_string_width(token) if size is None else size
    if not line or used + size <= room + 1e-6 or token[0] in NO_START:
        return line + token, used + size, room  # closing marks hang in the margin
    carry = ""
    while len(line) > 1 and line[-1] in NO_END:
        carry, line = line[-1] + carry, line[:-1]
    lines.append(line)
    line = carry + token
    return line, pdf.get_string_width(line), width


def _justified(pdf: FPDF, x: float, line: str, width: float, last: bool) -> None:
    """One line at ``x``: spread to ``width`` unless it is a paragraph's last line (or would
    only overflow, with hanging punctuation)."""
    natural = pdf.get_string_width(line)
    spacing = 0.0
    if not last and len(line) > 1 and natural < width:
        spacing = (width - natural) / (len(line) - 1) / PT  # char spacing is in points
        if spacing > pdf.font_size_pt / 4:  # a long Latin run went to the next line
            spacing = 0.0
    pdf.set_char_spacing(spacing)
    pdf.set_xy(x, pdf.get_y())
    pdf.cell(width, LINE, line)
    pdf.set_char_spacing(0)
    pdf.set_y(pdf.get_y() + LINE)


def _letter(pdf: FPDF, c: Mapping[str, Any]) -> None:
    pdf.set_font("regular", size=BODY_PT)
    indent = 2 * BODY_PT * PT
    if c.get("addressee"):
        _ensure(pdf, LINE)
        pdf.set_x(LEFT)
        pdf.cell(WIDTH, LINE, f"{c['addressee']}：")
        pdf.set_y(pdf.get_y() + LINE)
    for paragraph in c["paragraphs"]:
        lines = wrap(pdf, paragraph, WIDTH, indent)
        for n, line in enumerate(lines):
            _ensure(pdf, LINE)
            x = LEFT + (indent if n == 0 else 0.0)
            _justified(pdf, x, line, WIDTH - (indent if n == 0 else 0.0), n == len(lines) - 1)
    _ensure(pdf, LINE)
    pdf.set_x(LEFT + indent)
    pdf.cell(WIDTH - indent, LINE, f"办件编号：{c['case_number']}")
    pdf.set_y(pdf.get_y() + LINE)
    _signature(pdf, c)


def _signature(pdf: FPDF, c: Mapping[str, Any]) -> None:
    """The issuing body and the date at the right, under a seal placeholder (印章)."""
    _ensure(pdf, 48)
    top = pdf.get_y() + 10
    pdf.set_font("regular", size=BODY_PT)
    name_w = pdf.get_string_width(c["issuer"])
    date_w = pdf.get_string_width(c["date_text"])
    block = max(name_w, date_w)
    right = LEFT + WIDTH - 8
    centre = right - block / 2
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.4)
    pdf.set_dash_pattern(dash=1.5, gap=1.2)
    pdf.circle(x=centre, y=top + 10, radius=20)  # fpdf2 ≥ 2.8: the centre and the radius
    pdf.set_dash_pattern()
    pdf.set_text_color(*RED)
    pdf.set_font("regular", size=10)
    pdf.set_xy(centre - 20, top - 6)
    pdf.cell(40, 5, "（印章）", align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("regular", size=BODY_PT)
    pdf.set_xy(centre - name_w / 2, top + 4)
    pdf.cell(name_w, LINE, c["issuer"])
    pdf.set_xy(centre - date_w / 2, top + 4 + LINE)
    pdf.cell(date_w, LINE, c["date_text"])
    pdf.set_y(top + 4 + 2 * LINE)


def _form(pdf: FPDF, c: Mapping[str, Any]) -> None:
    """A table of label / value rows, then the issuing body and the date."""
    label_w, pad, line = 40.0, 2.0, 7.5
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.3)
    pdf.set_font("regular", size=13)
    for label, value in c["rows"]:
        labels = wrap(pdf, label, label_w - 2 * pad)
        values = wrap(pdf, value or "", WIDTH - label_w - 2 * pad) if value else [""]
        rows = max(len(labels), len(values), 2 if not value else 1)
        height = rows * line + 2 * pad
        _ensure(pdf, height)
        y = pdf.get_y()
        pdf.rect(LEFT, y, label_w, height)
        pdf.rect(LEFT + label_w, y, WIDTH - label_w, height)
        for n, text in enumerate(labels):
            pdf.set_xy(LEFT + pad, y + pad + n * line)
            pdf.cell(label_w - 2 * pad, line, text, align="C")
        for n, text in enumerate(values):
            pdf.set_xy(LEFT + label_w + pad, y + pad + n * line)
            pdf.cell(WIDTH - label_w - 2 * pad, line, text)
        pdf.set_y(y + height)
    pdf.set_font("regular", size=BODY_PT)
    _signature(pdf, c)

