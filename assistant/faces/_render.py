"""Search results, sources and the index as HTML for the page (no Gradio, no HTTP here).

Corpus text and the user's own question are untrusted: they reach the page only through
``html.escape`` (here and in ``_highlight``), so an article's ``<script>``, ``<img onerror=…>`` or
``[link](http://…)``, or a question typed as ``<img src=x>``, shows as the text it is.
"""

from __future__ import annotations

import functools
import html
from importlib import resources
from urllib.parse import quote, urlencode

from index import Document, Manifest
from index.text import is_chinese

from ..core import Hit, SearchResult
from ._format import printed
from ._highlight import highlight_html

__all__ = [
    "css",
    "document_html",
    "head_html",
    "hit_html",
    "index_html",
    "message_html",
    "page_image_url",
    "result_html",
    "user_html",
    "view_url",
]


@functools.cache
def static(name: str) -> str:
    """A file of ``assistant/static`` (the page's CSS and script)."""
    return (resources.files("assistant.faces") / "static" / name).read_text(encoding="utf-8")


def css() -> str:
    return static("answer.css")


def _say(chinese: bool, zh: str, en: str) -> str:
    return zh if chinese else en


def view_url(hit: Hit) -> str:
    """The source view of a hit, relative to the page, scrolled to the cited passage."""
    query = urlencode({"source": hit.source, "start": hit.start, "end": hit.end})
    return f"view?{query}#passage"


def page_image_url(source: str, start: int | None = None, end: int | None = None) -> str:
    """The page image of a PDF page source, relative to the source view, passage marked."""
    marked = {"start": start, "end": end} if start is not None and end is not None else {}
    return f"view/page.png?{urlencode({'source': source, **marked})}"


def _lines(hit: Hit, chinese: bool) -> str:
    span = f"{hit.line_start}" if hit.line_start == hit.line_end else f"{hit.line_start}–{hit.line_end}"
    return _say(chinese, f"第{span}行", f"line {span}" if hit.line_start == hit.line_end else f"lines {span}")


def hit_html(hit: Hit, terms: tuple[str, ...], chinese: bool, weak: bool) -> str:
    """One passage: its rank, citation (linking to the source view), score and highlighted text."""
    heading = " · ".join(dict.fromkeys(p for p in (hit.title, hit.section) if p)) or hit.source
    tag = _say(chinese, "弱匹配", "weak match")
    return (
        f'<div class="na-hit{" na-weak" if weak else ""}">'
        f'<div class="na-cite"><span class="na-rank">{hit.rank}</span>'
        f'<a class="na-source" href="{html.escape(view_url(hit))}" target="_blank" rel="noopener">'
        f"{html.escape(heading)}</a>"
        + (f'<span class="na-issue">{html.escape(issue)}</span>' if (issue := printed(hit, chinese)) else "")
        + f'<span class="na-where">{html.escape(hit.source)} · {_lines(hit, chinese)}</span>'
        f'<span class="na-score" title="score">{hit.score:.3f}</span>'
        + (f'<span class="na-weak-tag">{tag}</span>' if weak else "")
        + f'</div><div class="na-text">{highlight_html(hit.text, terms, hit.answer)}</div></div>'
    )


def _verdict(result: SearchResult, n: int, marked: bool, chinese: bool) -> str:
    sure = f"{round(100 * result.confidence)}%"
    if not n and result.reason == "filtered":
        return _say(
            chinese,
            "所选的日期和来源里没有段落：请放宽筛选条件。",
            "No passage has the dates and sources chosen: widen the filters.",
        )
    if not n:
        return _say(chinese, "没有找到任何段落。", "No passages found.")
    if result.found:
        return _say(
            chinese,
            f"资料里看来有答案（把握 {sure}）：下面是最相关的 {n} 段"
            + ("，回答问题的句子已标黄。" if marked else "。"),
            f"The archive appears to answer this ({sure} sure): the {n} best passage{'s' if n != 1 else ''}"
            + (" below, with the answering sentence highlighted." if marked else " below."),
        )
    zh_terms = "、".join(f"“{t}”" for t in result.unmatched)
    en_terms = ", ".join(f"“{t}”" for t in result.unmatched)
    if result.reason == "no_words":
        why_zh, why_en = "：问题里没有可以检索的词", ": the question has no words to search for"
    elif result.reason == "unknown_words":
        why_zh = f"：资料里没有{zh_terms or '问题里的词'}"
        why_en = f": the archive has no {en_terms or 'word of the question'}"
    elif result.reason == "reader":
        why_zh, why_en = (
            "：阅读模型认为这些段落没有给出所问的内容",
            ": the reading model says the passages do not state it",
        )
    elif zh_terms:  # "numbers" or "weak"
        why_zh, why_en = (
            f"：最相关的段落没有提到{zh_terms}",
            f": the best passage does not mention {en_terms}",
        )
    else:
        why_zh, why_en = "", ""
    if result.instead:  # 占地面积 asked, 建筑面积 given: a different quantity, not the answer
        why_zh += f"，文中只有“{result.instead}”"
        why_en += f"; it gives only “{result.instead}”"
    return _say(
        chinese,
        f"资料里似乎没有回答这个问题的内容{why_zh}（把握 {sure}）。"
        "下面几段只是最接近的，相关性弱，仅供参考。",
        f"The archive does not seem to answer this{why_en} ({sure} sure it does). "
        "The passages below are only the closest, weak matches.",
    )


def result_html(result: SearchResult, filters: str = "") -> str:
    """A search result as HTML: one line saying, in the language of the question, whether the
    archive seems to answer it and why not, then the passages (each marked weak when it does not).
    A follow-up also shows what was searched; ``filters`` says which filters were applied."""
    chinese = is_chinese(result.question)
    hits = [hit_html(h, result.terms, chinese, weak=not result.found) for h in result.hits]
    marked = any(h.answer for h in result.hits)
    verdict = _verdict(result, len(hits), marked, chinese)
    status = "na-found" if result.found else "na-notfound"
    out = [f'<div class="na-answer"><p class="na-verdict {status}">{html.escape(verdict)}</p>']
    if result.query and result.query != result.question:
        said = _say(chinese, "结合前面的问题检索：", "Searched together with the previous question: ")
        out.append(f'<p class="na-query">{html.escape(said + result.query)}</p>')
    if filters:
        out.append(f'<p class="na-query na-filters">{html.escape(filters)}</p>')
    out.extend(hits)
    out.append("</div>")
    return "".join(out)


def message_html(text: str, kind: str = "note") -> str:
    return f'<div class="na-answer"><p class="na-verdict na-{kind}">{html.escape(text)}</p></div>'


def user_html(question: str) -> str:
    """The user's own question as the chat shows it: as text, never as markup."""
    return f'<div class="na-asked">{html.escape(question)}</div>'


def document_html(
    doc: Document,
    start: int | None = None,
    end: int | None = None,
    *,
    image: str | None = None,
    note: str = "",
) -> str:
    """A whole page for reading a source: its text line by line with the file's line numbers, and
    the characters ``start``-``end`` marked; the first mark has ``id="passage"`` to scroll to.
    ``image`` (a URL) is the printed page beside the text, the passage marked on it too; ``note``
    says why a PDF page has none."""
    text = doc.text
    marked = (start, end) if start is not None and end is not None and 0 <= start < end <= len(text) else None
    rows: list[str] = []
    at = 0
    anchor = ' id="passage"'
    # Lines as the citations count them: split at "\n" only (splitlines also splits at \x0c, \u2028…).
    for n, line in enumerate(text.split("\n"), doc.line_offset + 1):
        body = line.removesuffix("\r")
        lo, hi = at, at + len(body)
        at += len(line) + 1
        if marked and marked[0] < hi and marked[1] > lo:
            i, j = max(marked[0], lo) - lo, min(marked[1], hi) - lo
            cell = (
                f"{html.escape(body[:i])}<mark{anchor}>{html.escape(body[i:j])}</mark>{html.escape(body[j:])}"
            )
            anchor = ""
        else:
            cell = html.escape(body)
        rows.append(f'<div class="l"><span class="n">{n}</span><span class="t">{cell}</span></div>')
    title = doc.title or doc.source
    about = [doc.source] if doc.title else []
    about += [f"{k}: {v}" for k, v in sorted(doc.meta.items())]
    if marked:
        about.append(f"marked: characters {marked[0]}–{marked[1]}")
    body = "".join(rows)
    if image is not None:
        page = doc.meta.get("page", "")
        body = (
            f'<main class="with-page"><figure class="page"><a href="{html.escape(image)}" target="_blank" '
            f'rel="noopener"><img src="{html.escape(image)}" alt="{html.escape(f"{doc.source} 第{page}页")}">'
            "</a><figcaption>原版面，段落已标出 · The printed page, the passage marked (click to enlarge)"
            f'</figcaption></figure><div class="text">{body}</div></main>'
        )
    else:
        shown = f'<p class="page-note">{html.escape(note)}</p>' if note else ""
        body = f"<main>{shown}{body}</main>"
    return (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{static('view.css')}</style></head><body>"
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(' · '.join(about))}</p></header>"
        f"{body}</body></html>"
    )


def head_html(manifest: Manifest) -> str:
    files = html.escape(str(manifest.counts.get("files", len(manifest.files))))
    articles = html.escape(str(manifest.counts.get("documents", "?")))
    return (
        '<div class="na-head"><h1>工会新闻助手 <span>Union news assistant</span></h1>'
        f"<p>在 {files} 个文件（{articles} 篇文章）的浙江工会报资料里找答案：每个回答给出最相关的段落、"
        "出处和回答问题的句子。点出处可看原文。 · Ask about the Zhejiang trade-union newspaper archive "
        f"({files} files, {articles} articles); click a citation to read the source.</p></div>"
    )


def sources(manifest: Manifest) -> list[str]:
    return ["", *sorted(manifest.files)]


def index_html(manifest: Manifest) -> str:
    """What the index holds and what built it, from its manifest."""
    counts = manifest.counts
    model = manifest.model.get("name", "?")
    weights = manifest.model.get("weights_sha256", "")
    rows = [
        ("文件 · files", counts.get("files", len(manifest.files))),
        ("文章 · articles", counts.get("documents", "?")),
        ("栏目 · sections", counts.get("sections", "?")),
        ("段落 · passages (chunks)", counts.get("chunks", "?")),
        ("句窗 · sentence windows", counts.get("windows", 0)),
        ("模型 · model", f"{model} ({weights[:12]})" if weights and weights != "none" else model),
        ("维度 · dimensions", manifest.dim),
        ("切分 · chunker", ", ".join(f"{k} {v}" for k, v in sorted(manifest.chunker.items()))),
        ("建立于 · built at", manifest.built_at),
    ]
    table = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    files = "".join(
        f'<li><a href="view?source={quote(name)}" target="_blank" rel="noopener">{html.escape(name)}</a></li>'
        if not name.endswith(".jsonl")
        else f"<li>{html.escape(name)}</li>"
        for name in sorted(manifest.files)
    )
    return f'<div class="na-index"><table>{table}</table><h3>文件 · Files</h3><ul>{files}</ul></div>'
