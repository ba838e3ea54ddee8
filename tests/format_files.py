"""Real files in the formats governments publish, made by the tests themselves.

- scanned PDFs: report text rendered to page images with Noto CJK (Debian's fonts-noto-cjk,
  installed by scripts/test.sh) and saved by Pillow as an image-only PDF;
- a mixed PDF (one text page, one image page) and a PDF with a ruled table, by reportlab;
- a DOCX with a merged-cell table (python-docx);
- an OFD package written here by the GB/T 33190 layout (OFD.xml, Document.xml, Content.xml);
- a Word 97-2003 .doc: ``tests/data/formats/notice.doc``, converted once from
  :func:`notice_docx` by ``soffice --headless --convert-to doc`` (LibreOffice 7.4; not needed
  to run the tests).
"""

from __future__ import annotations

import glob
import io
import zipfile
from pathlib import Path

DATA = Path(__file__).parent / "data" / "formats"
DOC_FILE = DATA / "notice.doc"

# The .doc fixture's text (notice_docx writes the same).
DOC_TITLE = "某市科学技术局关于印发2023年科技创新券实施细则的通知"
DOC_LINES = [
    DOC_TITLE,
    "一、支持对象",
    "在本市注册的科技型中小企业，可申请科技创新券，每家企业每年最高补助30万元。",
    "二、支持标准",
]
DOC_TABLE = [
    ["项目", "金额", "条件"],
    ["高新技术企业认定奖励", "20万元", "首次认定"],
    ["专利质押融资贴息", "50%", "当年新增贷款"],
]
DOC_AFTER = ["三、申报时间", "2023年3月1日起受理。"]


def cjk_font(size: int = 32):
    """Noto CJK at ``size`` px (the tests that need it skip without it)."""
    from PIL import ImageFont

    for pattern in ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
                    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                    "/usr/share/fonts/**/Noto*CJK*.tt[cf]"):
        found = sorted(glob.glob(pattern, recursive=True))
        if found:
            return ImageFont.truetype(found[0], size)
    return None


def page_image(lines: list[str], *, width: int = 1240, height: int = 1754, size: int = 32,
               per_line: int = 34):
    """A white A4 page at 150 dpi with ``lines`` printed (wrapped at ``per_line`` characters),
    each paragraph indented by two characters like a Chinese document."""
    from PIL import Image, ImageDraw

    font = cjk_font(size)
    if font is None:
        raise RuntimeError("no Noto CJK font: apt-get install fonts-noto-cjk")
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    y = 140
    for line in lines:
        first = True
        while line:
            indent = 2 * size if first and not line.startswith(("一", "二", "三", "四", "（")) else 0
            n = per_line - (2 if indent else 0)
            draw.text((110 + indent, y), line[:n], font=font, fill=0)
            line, first = line[n:], False
            y += int(size * 1.6)
        y += int(size * 0.4)
    return image


def scanned_pdf(path: Path, pages: list[list[str]]) -> Path:
    """An image-only PDF: every page is a picture of its lines (no text layer at all)."""
    images = [page_image(lines).convert("RGB") for lines in pages]
    images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=150)
    return path


def _canvas(path: Path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return canvas.Canvas(str(path))


def text_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A PDF with a text layer (reportlab, STSong-Light), one list of lines per page."""
    c = _canvas(path)
    for lines in pages:
        c.setFont("STSong-Light", 12)
        for i, line in enumerate(lines):
            c.drawString(60, 780 - 20 * i, line)
        c.showPage()
    c.save()
    return path


def mixed_pdf(path: Path, text_lines: list[str], scanned_lines: list[str]) -> Path:
    """Page 1 has a text layer; page 2 is only an image of ``scanned_lines``."""
    from reportlab.lib.utils import ImageReader

    c = _canvas(path)
    c.setFont("STSong-Light", 12)
    for i, line in enumerate(text_lines):
        c.drawString(60, 780 - 20 * i, line)
    c.showPage()
    buf = io.BytesIO()
    page_image(scanned_lines).save(buf, format="PNG")
    buf.seek(0)
    width, height = c._pagesize
    c.drawImage(ImageReader(buf), 0, 0, width=width, height=height)
    c.showPage()
    c.save()
    return path


def table_pdf(path: Path, before: list[str], rows: list[list[str]], after: list[str]) -> Path:
    """A PDF page with text, a ruled table (a grid, as government forms draw them), text."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    _canvas(path)  # registers the font
    style = ParagraphStyle("zh", fontName="STSong-Light", fontSize=12, leading=18)
    table = Table(rows)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
        ("GRID", (0, 0), (-1, -1), 0.8, colors.black),
        ("FONTSIZE", (0, 0), (-1, -1), 11),
    ]))
    story = [Paragraph(x, style) for x in before] + [table] + [Paragraph(x, style) for x in after]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


def notice_docx(path: Path) -> Path:
    """The .doc fixture's content as a DOCX (and the source it was converted from)."""
    import docx

    d = docx.Document()
    for line in DOC_LINES:
        d.add_paragraph(line)
    t = d.add_table(rows=len(DOC_TABLE), cols=len(DOC_TABLE[0]))
    for i, row in enumerate(DOC_TABLE):
        for j, v in enumerate(row):
            t.cell(i, j).text = v
    for line in DOC_AFTER:
        d.add_paragraph(line)
    d.save(str(path))
    return path


def merged_table_docx(path: Path) -> Path:
    """A DOCX whose table has a title row merged across, and a category merged down."""
    import docx

    d = docx.Document()
    d.add_paragraph("某区科技局关于2024年度科技奖补项目的公示")
    d.add_paragraph("现将2024年度科技奖补项目公示如下：")
    t = d.add_table(rows=5, cols=3)
    t.cell(0, 0).merge(t.cell(0, 2)).text = "2024年度科技奖补标准"
    for j, v in enumerate(["类别", "项目", "奖补金额"]):
        t.cell(1, j).text = v
    t.cell(2, 0).merge(t.cell(3, 0)).text = "企业培育"
    t.cell(2, 1).text, t.cell(2, 2).text = "首次认定高新技术企业", "奖励30万元"
    t.cell(3, 1).text, t.cell(3, 2).text = "科技型中小企业入库", "奖励2万元"
    t.cell(4, 0).text, t.cell(4, 1).text, t.cell(4, 2).text = "平台建设", "新认定市级研发中心", "资助50万元"
    d.add_paragraph("公示期为2024年6月1日至6月7日。")
    d.save(str(path))
    return path


_OFD_NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def ofd_file(path: Path, pages: list[list[str]]) -> Path:
    """An OFD package (GB/T 33190): one TextObject per line, pages in Doc_0/Pages/Page_N."""
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'{head}<ofd:OFD {_OFD_NS} Version="1.0" DocType="OFD"><ofd:DocBody>'
                   "<ofd:DocInfo><ofd:DocID>policyqa-test</ofd:DocID></ofd:DocInfo>"
                   "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        listing = "".join(f'<ofd:Page ID="{10 + i}" BaseLoc="Pages/Page_{i}/Content.xml"/>'
                          for i in range(len(pages)))
        z.writestr("Doc_0/Document.xml", f"{head}<ofd:Document {_OFD_NS}><ofd:CommonData>"
                   "<ofd:MaxUnitID>9999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297"
                   "</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
                   f"</ofd:CommonData><ofd:Pages>{listing}</ofd:Pages></ofd:Document>")
        z.writestr("Doc_0/PublicRes.xml", f'{head}<ofd:Res {_OFD_NS} BaseLoc="Res"><ofd:Fonts>'
                   '<ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>')
        for i, lines in enumerate(pages):
            objs = "".join(
                f'<ofd:TextObject ID="{100 * (i + 1) + j}" Boundary="20 {20 + 8 * j} 170 6" '
                f'Font="2" Size="4.2"><ofd:TextCode X="0" Y="4.2">{text}</ofd:TextCode></ofd:TextObject>'
                for j, text in enumerate(lines)
            )
            z.writestr(f"Doc_0/Pages/Page_{i}/Content.xml",
                       f'{head}<ofd:Page {_OFD_NS}><ofd:Content><ofd:Layer ID="{3 + i}">{objs}'
                       "</ofd:Layer></ofd:Content></ofd:Page>")
    return path
