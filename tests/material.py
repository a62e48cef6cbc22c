"""Test material made on the spot: dated news briefs for the filters, newspaper PDFs from the seed
pages, a scan, an encrypted and a truncated PDF, an e-paper web page, a Word file.

The newspaper page is laid out as print pages are: a dated page header over four columns, each
article a headline spanning the columns of its body, subheads, bylines, photos with captions.
Headless Chromium prints the HTML to PDF with a real embedded CJK font (Debian's fonts-noto-cjk).
The articles are written into the HTML in a shuffled order and placed on the page by the CSS
grid, so the PDF's content stream does not follow the reading order, as in the PDFs that layout
software exports: a reader has to find the order from the page geometry.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from index.split._pages import Article, parse_page

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Headless Chromium that reaches for nothing on the network (the browser test uses the same).
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHROMIUM_ARGS = [*BROWSER_ARGS, "--no-pdf-header-footer"]
WEEKDAYS = "一二三四五六日"


class MaterialUnavailable(RuntimeError):
    """A tool the material needs (Chromium) is missing; the message says what to install."""


BRIEFS_START = dt.date(2015, 1, 1)
RARE_DAY = "2021-05-01"  # the date of exactly three briefs (after every other)


def dated_brief(i: int, rare: tuple[int, ...], suffix: str = "") -> dict[str, object]:
    """News brief i (a JSON line's fields): dated BRIEFS_START + i days, but for every 50th (no
    date) and the three of ``rare``, dated RARE_DAY; ``suffix`` ends its text."""
    a: dict[str, object] = {
        "id": i,
        "title": f"第{i}号简讯",
        "text": f"县总工会第{i}次职工座谈会在{i % 13}号厅召开，围绕安全生产展开讨论。"
        f"会后发放了{i % 7 + 1}批慰问品和学习资料。{suffix}",
    }
    if i in rare:
        a["date"] = RARE_DAY
    elif i % 50:
        a["date"] = (BRIEFS_START + dt.timedelta(days=i)).isoformat()
    return a


def header_line(date: dt.date, edition: int) -> str:
    """The dated line printed at the top of a page, as the seed pages' newspaper prints it.

    >>> header_line(dt.date(2019, 3, 5), 3)
    '2019年3月5日 星期二 第3版'
    """
    return f"{date.year}年{date.month}月{date.day}日 星期{WEEKDAYS[date.weekday()]} 第{edition}版"


# --- a newspaper page ----------------------------------------------------------------------------


@dataclass
class Story:
    """An article as the page prints it."""

    headline: str
    kicker: str = ""  # the short line above the headline (引题), or an interviewee line
    subtitle: str = ""  # the line below it (副题), often starting with ——
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (kind, text): body|subhead|byline|item
    captions: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(len(t) for _, t in self.blocks)


def stories(page_text: str) -> list[Story]:
    """The articles of a seed page, as recovered by the page pipeline, ready to lay out."""
    out = []
    for a in parse_page(page_text):
        out.append(_story(a))
    return [s for s in out if s.blocks or s.headline]


def _story(a: Article) -> Story:
    heads: list[str] = []
    blocks: list[tuple[str, str]] = []
    captions: list[str] = []
    for n, sec in enumerate(a.sections):
        for p in sec.paras:
            if p.kind == "caption":
                captions.append(p.text)
            elif p.kind == "heading" and n == 0 and not blocks:
                heads.append(p.text)
            elif p.kind == "heading":
                blocks.append(("subhead", p.text))
            elif p.kind in ("byline", "item"):
                blocks.append((p.kind, p.text))
            else:
                blocks.append(("body", p.text))
    if not heads:
        heads = [a.title] if a.title else []
    main = max(heads, key=len) if heads else ""
    at = heads.index(main) if heads else 0
    kicker = " ".join(heads[:at])
    subtitle = " ".join(heads[at + 1 :])
    return Story(main, kicker, subtitle, blocks, captions)


def _rows(items: list[Story]) -> list[list[tuple[Story, int]]]:
    """Stories placed in rows of four columns: a long one across the page, two shorter ones side by
    side (2 + 2, or 3 + 1 when one is much shorter)."""
    rows: list[list[tuple[Story, int]]] = []
    i = 0
    while i < len(items):
        s = items[i]
        if s.size > 1700 or i + 1 == len(items):
            rows.append([(s, 4)])
            i += 1
            continue
        t = items[i + 1]
        if t.size > 1700:
            rows.append([(s, 4)])
            i += 1
            continue
        if max(s.size, t.size) > 3 * min(s.size, t.size):
            wide = 3 if s.size > t.size else 1
            rows.append([(s, wide), (t, 4 - wide)])
        else:
            rows.append([(s, 2), (t, 2)])
        i += 2
    return rows


_CSS = """
@page { size: 390mm 560mm; margin: 12mm 10mm; }
body { margin: 0; font-family: "Noto Serif CJK SC", serif; color: #111; }
.page { display: grid; grid-template-columns: repeat(4, 1fr); column-gap: 5mm; row-gap: 5mm;
        align-items: start; }
.masthead { grid-column: 1 / span 4; grid-row: 1; display: flex; justify-content: space-between;
            font: 9pt "Noto Sans CJK SC", sans-serif; border-bottom: 1.5pt solid #222; padding-bottom: 2mm; }
.story { border-top: 0.6pt solid #999; padding-top: 3mm; }
.kicker { font: 600 14pt "Noto Sans CJK SC", sans-serif; margin: 0 0 1mm; }
h1 { font: 900 25pt "Noto Sans CJK SC", sans-serif; margin: 0 0 1.5mm; line-height: 1.25; }
.subtitle { font: 600 14pt "Noto Serif CJK SC", serif; margin: 0 0 3mm; }
.body { column-gap: 5mm; column-rule: 0.4pt solid #bbb; font-size: 8.5pt; line-height: 1.45;
        text-align: justify; }
.body p { margin: 0; text-indent: 2em; }
.body p.item { text-indent: 0; }
.body p.byline { text-indent: 0; font: 8pt "Noto Sans CJK SC", sans-serif; margin: 1mm 0; }
.body h3 { font: 700 10pt "Noto Sans CJK SC", sans-serif; text-align: center; margin: 2.5mm 0 1.5mm; }
figure { margin: 1mm 0 3mm; break-inside: avoid; }
.photo { height: 26mm; background: linear-gradient(135deg, #9aa 0%, #cdd 60%, #889 100%); }
.flow { grid-column: 1 / span 4; column-count: 3; column-gap: 6mm; column-rule: 0.4pt solid #bbb; }
.flow .story { break-inside: auto; margin-bottom: 4mm; }
.flow h1 { font-size: 17pt; }
figcaption { font: 8pt "Noto Sans CJK SC", sans-serif; color: #333; margin-top: 1mm; }
"""


_ALT_CSS = """
body { font-family: "Noto Sans CJK SC", sans-serif; }
.page { column-gap: 3.5mm; }
.body { column-gap: 3.5mm; font: 9.5pt/1.75 "Noto Sans CJK SC", sans-serif; }
h1 { font-size: 21pt; }
"""


def newspaper_html(
    items: list[Story],
    date: dt.date,
    edition: int,
    *,
    name: str = "工会",
    seed: int = 0,
    layout: str = "grid",
) -> str:
    """A newspaper page as HTML, the articles in a shuffled order in the markup.

    ``grid``: four columns, each article across the columns of its row, its headline spanning
    them. ``flow``: three columns the articles run down one after the other, each headline in
    its column (a page of news briefs), the articles in the markup in reading order. ``alt``:
    the grid with the articles in reverse order, sans-serif body text set larger and looser, and
    narrower gutters (a page the reader was not tuned on).
    """
    masthead = (
        f'<div class="masthead"><span>浙江工人日报 · {html.escape(name)}</span>'
        f"<span>{html.escape(header_line(date, edition))}</span><span>责任编辑:本报</span></div>"
    )
    head = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(name)} {date.isoformat()}</title><style>{_CSS}</style></head>"
    )
    if layout == "flow":
        stories_html = "".join(_story_html(s, 0, 0, 1) for s in items)
        return (
            f'{head}<body><div class="page">{masthead}'
            f'<div class="flow">{stories_html}</div></div></body></html>'
        )
    if layout == "alt":
        items = items[::-1]
        head = head.replace("</style>", _ALT_CSS + "</style>")
    parts: list[tuple[int, str]] = []
    for r, row in enumerate(_rows(items), 2):
        col = 1
        for story, span in row:
            parts.append((len(parts), _story_html(story, r, col, span)))
            col += span
    random.Random(seed).shuffle(parts)
    return f'{head}<body><div class="page">{masthead}{"".join(p for _, p in parts)}</div></body></html>'


def _story_html(s: Story, row: int, col: int, span: int) -> str:
    e = html.escape
    head = ""
    if s.kicker:
        head += f'<div class="kicker">{e(s.kicker)}</div>'
    head += f"<h1>{e(s.headline)}</h1>"
    if s.subtitle:
        head += f'<div class="subtitle">{e(s.subtitle)}</div>'
    body: list[str] = []
    for kind, text in s.blocks:
        if kind == "subhead":
            body.append(f"<h3>{e(text)}</h3>")
        else:
            cls = f' class="{kind}"' if kind != "body" else ""
            body.append(f"<p{cls}>{e(text)}</p>")
    for n, cap in enumerate(s.captions):
        # Photos sit between paragraphs, spread through the article.
        at = min(len(body), 1 + n * max(2, len(body) // max(1, len(s.captions))))
        body.insert(at, f'<figure><div class="photo"></div><figcaption>{e(cap)}</figcaption></figure>')
    place = f' style="grid-row: {row}; grid-column: {col} / span {span}"' if row else ""
    return (
        f'<section class="story"{place}>{head}'
        f'<div class="body" style="column-count: {span}">{"".join(body)}</div></section>'
    )


def html_to_pdf(page: str, out: Path) -> Path:
    """Print an HTML page to PDF with headless Chromium."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        raise MaterialUnavailable(
            "Chromium is needed to print test PDFs: apt-get install chromium fonts-noto-cjk"
        )
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "page.html"
        src.write_text(page, encoding="utf-8")
        cmd = [
            CHROMIUM,
            *CHROMIUM_ARGS,
            f"--user-data-dir={tmp}/profile",
            f"--print-to-pdf={out}",
            src.as_uri(),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not out.exists():
        raise MaterialUnavailable(f"Chromium could not print {out.name}: {done.stderr.strip()[-300:]}")
    return out


def seed_pdf(
    page_text: str, out: Path, date: dt.date, edition: int, *, seed: int = 0, layout: str = "grid"
) -> Path:
    """A newspaper PDF of one seed page, dated and numbered."""
    return html_to_pdf(newspaper_html(stories(page_text), date, edition, seed=seed, layout=layout), out)


def seed_dates(n: int) -> list[tuple[dt.date, int]]:
    """The issue date and page number given to the ``n`` seed pages: one issue, pages 1…n.

    >>> seed_dates(2)
    [(datetime.date(2019, 3, 5), 1), (datetime.date(2019, 3, 5), 2)]
    """
    return [(dt.date(2019, 3, 5), i + 1) for i in range(n)]


# --- damaged and difficult PDFs -----------------------------------------------------------------


def scanned_pdf(pdf: Path, out: Path, scale: float = 1.0) -> Path:
    """A scan: the first page of ``pdf`` as a picture, with no text layer."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[0].render(scale=scale).to_pil().convert("L")
    finally:
        doc.close()
    image.save(out, "PDF", resolution=72 * scale)
    return out


def encrypted_pdf(pdf: Path, out: Path, password: str = "secret") -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(pdf))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="AES-128")
    with open(out, "wb") as f:
        writer.write(f)
    return out


def truncated_pdf(pdf: Path, out: Path, keep: float = 0.6) -> Path:
    """The file cut short, as an interrupted download leaves it."""
    data = pdf.read_bytes()
    out.write_bytes(data[: int(len(data) * keep)])
    return out


def blank_pdf(out: Path) -> Path:
    """A PDF whose one page holds nothing at all."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument.new()
    doc.new_page(595, 842)
    doc.save(out)
    doc.close()
    return out


def dated_pdf(pdf: Path, out: Path, created: dt.datetime) -> Path:
    """A copy of ``pdf`` whose metadata gives the creation date."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(pdf))
    writer.add_metadata({"/CreationDate": created.strftime("D:%Y%m%d%H%M%S+08'00'")})
    with open(out, "wb") as f:
        writer.write(f)
    return out


# --- web pages and Word files ---------------------------------------------------------------------


def epaper_html(title: str, paragraphs: list[str], date: dt.date | None, *, edition: int = 3) -> str:
    """One article of an e-paper site, wrapped as such sites wrap it: menus, a page list, ads,
    related links, a copyright footer."""
    e = html.escape
    meta = f'<meta name="publishdate" content="{date.isoformat()}">' if date else ""
    when = f"{date.year}年{date.month:02d}月{date.day:02d}日" if date else ""
    body = "".join(f"<p>{e(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{e(title)} - 浙江工人日报数字报</title>{meta}
<script>var _hmt = _hmt || []; window.adConfig = {{slot: "top-banner"}};</script>
<style>.nav a {{ margin: 0 8px; }} .ad {{ width: 300px; }}</style></head>
<body>
<div class="header"><div class="logo">浙江工人日报</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/news">新闻中心</a></li>
<li><a href="/epaper">数字报</a></li><li><a href="/union">工会动态</a></li>
<li><a href="/service">职工服务</a></li>
<li><a href="/login">登录</a> | <a href="/reg">注册</a></li></ul></div>
<div class="ad" id="banner">
<a href="https://ads.example/click?id=1">扫码下载客户端 领取职工专属福利大礼包</a></div>
<div class="pagelist"><h4>版面导航</h4><ul>
<li><a href="node_1.htm">第01版:要闻</a></li><li><a href="node_2.htm">第02版:综合</a></li>
<li><a href="node_3.htm">第03版:工会</a></li><li><a href="node_4.htm">第04版:视点</a></li></ul></div>
<div class="main"><div class="article">
<div class="crumb">当前位置:首页 &gt; 数字报 &gt; 第{edition:02d}版</div>
<h1>{e(title)}</h1>
<div class="info">{when} 来源:浙江工人日报 第{edition:02d}版 作者:本报记者</div>
<div class="content" id="ozoom">{body}</div>
<div class="share">分享到:微信 微博 QQ空间</div>
</div>
<div class="related"><h3>相关新闻</h3><ul>
<li><a href="a1.htm">全省职工技能大赛圆满落幕</a></li><li><a href="a2.htm">春节送温暖活动启动</a></li>
<li><a href="a3.htm">职工疗休养政策解读</a></li></ul></div></div>
<div class="ad side"><a href="https://ads.example/click?id=2">限时优惠 买一送一 点击抢购</a></div>
<div class="footer"><p>版权所有 © 浙江工人日报社 未经书面授权不得复制或建立镜像</p>
<p>浙ICP备00000000号 联系电话:0571-00000000 地址:杭州市</p></div>
</body></html>"""


BOILERPLATE = (
    "首页",
    "新闻中心",
    "扫码下载客户端",
    "版面导航",
    "版权所有",
    "浙ICP备",
    "限时优惠",
    "相关新闻",
    "分享到",
)


def make_docx(
    out: Path, title: str, blocks: list[tuple[str, str]], *, created: dt.datetime | None = None
) -> Path:
    """A Word file: a title, then (kind, text) blocks where kind is body or subhead."""
    from docx import Document as Docx

    doc = Docx()
    doc.add_heading(title, level=1)
    for kind, text in blocks:
        if kind == "subhead":
            doc.add_heading(text, level=2)
        else:
            doc.add_paragraph(text)
    if created is not None:
        doc.core_properties.created = created
    buf = io.BytesIO()
    doc.save(buf)
    out.write_bytes(buf.getvalue())
    return out
