"""Build the fonts documents are printed in: ``python -m infra.fonts [--source DIR]``.

The project carries its fonts (``data/fonts/``): a fresh clone prints Chinese documents the
same everywhere, with no font installed on the machine. They are made from Noto Serif CJK SC
2.001 (SIL Open Font License 1.1), as Debian's ``fonts-noto-cjk`` ships it
(``/usr/share/fonts/opentype/noto/NotoSerifCJK-{Regular,Bold}.ttc``, the default source) or
as upstream publishes it (``NotoSerifCJKsc-{Regular,Bold}.otf``):

- ``SunlightSerifSC-Regular.ttf``: every character of GBK the font has (all 20,902 CJK
  unified ideographs of the basic block, punctuation, full-width forms, Latin, digits) —
  the body, names and addresses;
- ``SunlightSerifSC-Bold.ttf``: the characters of the documents' titles only (``KINDS``) and
  of their numbers — the titles.

Noto CJK's outlines are CFF (PostScript); they are converted to TrueType (quadratic, within
one font unit: fontTools' cu2qu), the form every PDF library embeds and every viewer and
printer reads. Hinting and OpenType layout features are left out (a document is printed, not
shown on screens at small sizes). The fonts are renamed ("Sunlight Serif SC"), as the OFL
asks of modified versions, and keep Adobe's copyright and the licence in their name table.
The same source gives the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "data" / "fonts"
DEBIAN = Path("/usr/share/fonts/opentype/noto")
FAMILY = "Sunlight Serif SC"
#: the most a converted curve may stray from the original, in font units (of 1000)
MAX_ERROR = 1.0


def gbk_characters() -> set[int]:
    """Code points of the Basic Multilingual Plane that GBK encodes, and ASCII."""
    found = set(range(0x20, 0x7F))
    for code in range(0xA0, 0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        try:
            chr(code).encode("gbk")
        except UnicodeEncodeError:
            continue
        found.add(code)
    return found | set(range(0x3000, 0x3040)) | set(range(0xFF01, 0xFF5F))


def title_characters() -> set[int]:
    from services.cases.domain.documents import KINDS  # noqa: PLC0415

    text = "".join(kind.title for kind in KINDS.values()) + "〔〕号0123456789"
    return {ord(c) for c in text}


def load(source: Path, style: str) -> TTFont:
    """The SC font of a Noto Serif CJK collection (.ttc) or its own file (.otf)."""
    collection = source / f"NotoSerifCJK-{style}.ttc"
    if collection.exists():
        for font in TTCollection(str(collection)).fonts:
            if font["name"].getDebugName(1) == "Noto Serif CJK SC":
                return font
        raise SystemExit(f"{collection}: no Noto Serif CJK SC in it")
    single = source / f"NotoSerifCJKsc-{style}.otf"
    if single.exists():
        return TTFont(str(single), recalcTimestamp=False)
    raise SystemExit(f"neither {collection} nor {single}: give --source (Debian: apt-get "
                     "install fonts-noto-cjk)")


def build(font: TTFont, characters: set[int], style: str) -> TTFont:
    font.recalcTimestamp = False  # the source's dates: the same source gives the same bytes
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.name_languages = [0x409]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    options.glyph_names = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes={c for c in characters if c in font.getBestCmap()})
    subsetter.subset(font)
    _to_truetype(font)
    _rename(font, style)
    return font


def _to_truetype(font: TTFont) -> None:
    """CFF outlines → TrueType (glyf/loca), the rest of the font as it was."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        glyphs[name].draw(Cu2QuPen(pen, max_err=MAX_ERROR, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for name in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                 "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                 "maxComponentElements"):
        setattr(maxp, name, 0)
    maxp.maxZones = 1
    font["post"].formatType = 3.0
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\0\1\0\0"


def _rename(font: TTFont, style: str) -> None:
    names = font["name"]
    postscript = FAMILY.replace(" ", "") + "-" + style
    for name_id, value in ((1, FAMILY), (2, style), (3, f"{postscript};derived from "
                           "NotoSerifCJKsc 2.001"), (4, f"{FAMILY} {style}"), (6, postscript)):
        names.setName(value, name_id, 3, 1, 0x409)
    names.names = [n for n in names.names if n.platformID == 3]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=DEBIAN,
                        help="folder of NotoSerifCJK-*.ttc or NotoSerifCJKsc-*.otf")
    parser.add_argument("--target", type=Path, default=TARGET)
    args = parser.parse_args(argv)
    args.target.mkdir(parents=True, exist_ok=True)
    for style, characters in (("Regular", gbk_characters()), ("Bold", title_characters())):
        font = build(load(args.source, style), characters, style)
        path = args.target / f"SunlightSerifSC-{style}.ttf"
        font.save(str(path))
        print(f"{path}: {len(font.getBestCmap())} characters, {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
