"""The assistant in the browser and over HTTP.

``build_ui(assistant)`` is the Gradio page: a chat that answers with ranked, cited, highlighted
passages, a search panel for tools-minded users and a description of the index; it also offers the
Gradio API endpoints ``/search`` and ``/chat``. ``create_app(assistant)`` mounts that page on a
FastAPI app that adds plain JSON endpoints (``GET /api/search``, ``GET /api/document``) and the source
view (``GET /view``) that citations link to.

This module imports gradio, so only ``app.py`` and the tests import it: ``import assistant`` does not.

Corpus text is untrusted: it reaches the page only through ``html.escape`` (in ``_highlight`` and
here), and the chat renders answers as sanitised HTML without Markdown, so an article's
``<script>``, ``<img onerror=…>`` or ``[link](http://…)`` shows as the text it is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import gradio as gr
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from index import (
    BuildRunning,
    Document,
    IndexProblem,
    Manifest,
    Settings,
    UnknownSource,
    add_files,
    build,
    model_errors,
)

from ._assistant import MAX_K, MAX_QUESTION_CHARS, Assistant, Hit, InvalidQuery, SearchResult, check_k
from ._highlight import has_chinese, highlight_html, warm_up

# Questions the seed corpus answers (checked against corpus/ by the tests).
EXAMPLES = [
    "嘉善有几家单位获评全国工人先锋号？",
    "安吉评出来的工匠里，哪一位是做白茶炒制的？",
    "绍兴有几个项目入选了省“三重一新”立功竞赛示范项目？",
    "How many sets of winter clothes did the Yunchuang youth town union raise for children in Tibet?",
]

# Far more than a question needs (only MAX_QUESTION_CHARS are searched), but a pasted page still
# gets an answer rather than an error.
MAX_INPUT_CHARS = 20_000

ASK_SOMETHING = "请用文字提一个问题 · Please ask a question in words, e.g. " + EXAMPLES[0]

# --- follow-up questions ----------------------------------------------------------------------------

# A question shorter than this cannot say much on its own: 那嘉善呢？ has 4 characters (letters,
# digits, hanzi), the shortest example question 16. An English question counts words instead.
SHORT_CHARS = 8
SHORT_WORDS = 4
FOLLOW_UP_OPENERS = ("那", "还有", "另外", "此外", "其中", "它", "他", "她", "这", "该")
FOLLOW_UP_OPENERS_EN = (
    "what about",
    "how about",
    "and ",
    "also ",
    "what of",
    "it ",
    "its ",
    "they ",
    "their ",
)
FOLLOW_UP_MAX_TURNS = 3  # the follow-up and at most two questions before it
CONTEXT_CHARS = 200  # of each earlier question, so that the new one stays within MAX_QUESTION_CHARS


def is_follow_up(question: str) -> bool:
    """Whether a question leans on the one before: it is short (fewer than SHORT_CHARS characters,
    or SHORT_WORDS words in English), or opens with a word that points back (那, 还有, 它, 这…;
    what about, and…).

    >>> is_follow_up("那嘉善呢？"), is_follow_up("还有哪些单位获评了省级工人先锋号？")
    (True, True)
    >>> is_follow_up("嘉善有几家单位获评全国工人先锋号？"), is_follow_up("What about Jiashan?")
    (False, True)
    """
    q = question.strip()
    if has_chinese(q):
        short = sum(c.isalnum() for c in q) < SHORT_CHARS
    else:
        short = len(q.split()) < SHORT_WORDS
    return short or q.startswith(FOLLOW_UP_OPENERS) or q.lower().startswith(FOLLOW_UP_OPENERS_EN)


def search_query(question: str, previous: Sequence[str]) -> str:
    """What to search for: the question alone; for a follow-up that names a new topic
    (``那嘉善呢？``), the question before it asked about that topic (see swap_topic); for another
    follow-up, the questions before it put in front (up to FOLLOW_UP_MAX_TURNS, each cut to
    CONTEXT_CHARS).

    >>> search_query("那嘉善呢？", ["安吉评出来的工匠里，哪一位是做白茶炒制的？"])
    '嘉善评出来的工匠里，哪一位是做白茶炒制的？'
    >>> search_query("还有别的吗？", ["安吉评出来的工匠里，哪一位是做白茶炒制的？"])
    '安吉评出来的工匠里，哪一位是做白茶炒制的？ 还有别的吗？'
    >>> search_query("绍兴有几个项目入选了立功竞赛示范项目？", ["安吉评出了几位工匠？"])
    '绍兴有几个项目入选了立功竞赛示范项目？'
    """
    earlier_questions = [p.strip()[:CONTEXT_CHARS] for p in previous if _has_words(p)]
    if earlier_questions and is_follow_up(question):
        swapped = swap_topic(question, earlier_questions[-1])
        if swapped:
            return swapped
    parts = [question.strip()]
    for earlier in reversed(earlier_questions):
        if len(parts) >= FOLLOW_UP_MAX_TURNS or not is_follow_up(parts[0]):
            break
        parts.insert(0, earlier)
    return " ".join(parts)


_TOPIC_SWITCH = re.compile(
    r"^(?:那么?|还有)?\s*(?P<topic>[^，,。？?！!\s]{2,12}?)\s*(?:呢|怎么样|如何)?[？?。！!\s]*$"
)
_NAME_FLAGS = ("ns", "nr", "nt", "nz")
_NAME_SUFFIXES = ("总工会", "工会", "联合会", "县", "市", "区", "镇", "街道")


def swap_topic(question: str, earlier: str) -> str | None:
    """``那嘉善呢？`` after a question about 安吉 asks the same question about 嘉善: the earlier
    question with its first proper name (a place, person or organisation, as jieba tags it)
    replaced by the new one. None when the follow-up is not of that form.

    >>> swap_topic("那嘉善呢？", "安吉评出来的工匠里，哪一位是做白茶炒制的？")
    '嘉善评出来的工匠里，哪一位是做白茶炒制的？'
    >>> swap_topic("还有哪些单位获评了省级工人先锋号？", "嘉善有几家单位获评全国工人先锋号？") is None
    True
    """
    m = _TOPIC_SWITCH.match(question.strip())
    if not m:
        return None
    topic = m.group("topic")
    tagged = _tagged(topic)
    names = [w for w, flag in tagged if flag.startswith(_NAME_FLAGS)]
    if not names or any(w not in names and w not in _NAME_SUFFIXES for w, _ in tagged):
        return None  # 那么绍兴有几个？ is a new question, not a new topic for the old one
    for word, flag in _tagged(earlier):
        if flag.startswith(_NAME_FLAGS) and word != topic:
            after = earlier[earlier.index(word) + len(word) :]
            for suffix in ("总工会", "工会", "联合会"):
                if topic.endswith(suffix) and after.startswith(suffix):
                    topic = topic[: -len(suffix)]  # 那鄞州区总工会呢 about 绍兴市总工会
                    break
            return earlier.replace(word, topic, 1)
    return None


def _tagged(text: str) -> list[tuple[str, str]]:
    import jieba.posseg

    return [(w.word, w.flag) for w in jieba.posseg.cut(text)]


def _has_words(text: str) -> bool:
    return any(c.isalnum() for c in text)


def user_questions(history: Sequence[Any]) -> list[str]:
    """The user's messages in a Gradio chat history (``{"role", "content"}`` dicts, where content is
    a string or a list of ``{"type": "text", "text"}`` parts), oldest first."""
    out: list[str] = []
    for message in history:
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, list):
            content = " ".join(
                str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text"
            )
        if isinstance(content, str):
            out.append(content)
    return out


# --- searching --------------------------------------------------------------------------------------


def search(assistant: Assistant, question: str, k: int, source: str = "") -> SearchResult:
    """``assistant.search``, keeping only passages whose source starts with ``source``.

    With a filter, the MAX_K best passages are fetched and filtered, so a source that has none among
    them yields fewer than ``k`` (or none). The kept passages are ranked again from 1, and ``found``
    holds only if the best passage of the whole archive is among them: the archive answering the
    question says nothing of whether one source does.
    """
    source = source.strip()
    if not source:
        return assistant.search(question, k)
    check_k(k)
    result = assistant.search(question, MAX_K)
    kept = [h for h in result.hits if h.source.startswith(source)][:k]
    hits = [replace(h, rank=rank) for rank, h in enumerate(kept, 1)]
    found = result.found and bool(result.hits) and result.hits[0] in kept
    return SearchResult(result.question, found, hits, result.unmatched)


def _known_errors() -> tuple[type[Exception], ...]:
    # Called as the exception is matched: the model's errors exist only once it was imported.
    return (InvalidQuery, IndexProblem, *model_errors())


# --- rendering --------------------------------------------------------------------------------------


def _say(chinese: bool, zh: str, en: str) -> str:
    return zh if chinese else en


def view_url(hit: Hit) -> str:
    """The source view of a hit, relative to the page, scrolled to the cited passage."""
    query = urlencode({"source": hit.source, "start": hit.start, "end": hit.end})
    return f"view?{query}#passage"


def _lines(hit: Hit, chinese: bool) -> str:
    span = f"{hit.line_start}" if hit.line_start == hit.line_end else f"{hit.line_start}–{hit.line_end}"
    return _say(chinese, f"第{span}行", f"line {span}" if hit.line_start == hit.line_end else f"lines {span}")


def hit_html(hit: Hit, query: str, chinese: bool, weak: bool) -> str:
    """One passage: its rank, citation (linking to the source view), score and highlighted text."""
    heading = " · ".join(dict.fromkeys(p for p in (hit.title, hit.section) if p)) or hit.source
    tag = _say(chinese, "弱匹配", "weak match")
    return (
        f'<div class="na-hit{" na-weak" if weak else ""}">'
        f'<div class="na-cite"><span class="na-rank">{hit.rank}</span>'
        f'<a class="na-source" href="{html.escape(view_url(hit))}" target="_blank" rel="noopener">'
        f"{html.escape(heading)}</a>"
        f'<span class="na-where">{html.escape(hit.source)} · {_lines(hit, chinese)}</span>'
        f'<span class="na-score" title="score">{hit.score:.3f}</span>'
        + (f'<span class="na-weak-tag">{tag}</span>' if weak else "")
        + f'</div><div class="na-text">{highlight_html(hit.text, query[:MAX_QUESTION_CHARS])}</div></div>'
    )


def result_html(result: SearchResult, asked: str | None = None) -> str:
    """A search result as HTML: one line saying, in the language of the question, whether the
    archive seems to answer it, then the passages (each marked weak when it does not).

    ``asked`` is the question as the user typed it, when the search was for more (a follow-up).
    """
    query = result.question
    asked = asked or query
    chinese = has_chinese(asked)
    hits = [hit_html(h, query, chinese, weak=not result.found) for h in result.hits]
    marked = any('<mark class="answer">' in h for h in hits)
    n = len(hits)
    if not n:
        verdict = _say(chinese, "没有找到任何段落。", "No passages found.")
    elif result.found:
        verdict = _say(
            chinese,
            f"资料里看来有答案：下面是最相关的 {n} 段" + ("，回答问题的句子已标黄。" if marked else "。"),
            f"The archive appears to answer this: the {n} best passage{'s' if n != 1 else ''} below"
            + (", with the answering sentence highlighted." if marked else "."),
        )
    else:
        zh_terms = "、".join(f"“{t}”" for t in result.unmatched)
        en_terms = ", ".join(f"“{t}”" for t in result.unmatched)
        verdict = _say(
            chinese,
            "资料里似乎没有回答这个问题的内容"
            + (f"：最相关的段落没有提到{zh_terms}" if zh_terms else "")
            + "。下面几段只是最接近的，相关性弱，仅供参考。",
            "The archive does not seem to answer this"
            + (f": the best passage does not mention {en_terms}" if en_terms else "")
            + ". The passages below are only the closest, weak matches.",
        )
    status = "na-found" if result.found else "na-notfound"
    out = [f'<div class="na-answer"><p class="na-verdict {status}">{html.escape(verdict)}</p>']
    if asked != query:
        said = _say(chinese, "结合前面的问题检索：", "Searched together with the previous question: ")
        out.append(f'<p class="na-query">{html.escape(said + query)}</p>')
    out.extend(hits)
    out.append("</div>")
    return "".join(out)


def message_html(text: str, kind: str = "note") -> str:
    return f'<div class="na-answer"><p class="na-verdict na-{kind}">{html.escape(text)}</p></div>'


def document_html(doc: Document, start: int | None = None, end: int | None = None) -> str:
    """A whole page for reading a source: its text line by line with the file's line numbers, and
    the characters ``start``-``end`` marked; the first mark has ``id="passage"`` to scroll to."""
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
    return (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_VIEW_CSS}</style></head><body>"
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(' · '.join(about))}</p></header>"
        f"<main>{''.join(rows)}</main></body></html>"
    )


def head_html(manifest: Manifest) -> str:
    articles = html.escape(str(manifest.counts.get("documents", "?")))
    return (
        '<div class="na-head"><h1>工会新闻助手 <span>Union news assistant</span></h1>'
        f"<p>在 {articles} 篇浙江工会报文章里找答案：每个回答给出最相关的段落、出处和回答问题的句子。"
        "点出处可看原文。 · Ask about the Zhejiang trade-union newspaper archive; click a citation to "
        "read the source.</p></div>"
    )


def _sources(manifest: Manifest) -> list[str]:
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


# --- the Gradio page --------------------------------------------------------------------------------


def answer(assistant: Assistant, question: str, previous: Sequence[str], k: int) -> str:
    """The chat's reply to ``question`` after ``previous`` user questions, as HTML; bad questions
    and index trouble get a plain sentence instead."""
    if not _has_words(question):
        return message_html(ASK_SOMETHING)
    query = search_query(question, previous)
    try:
        return result_html(search(assistant, query, k), question)
    except _known_errors() as e:
        return message_html(" ".join(str(e).split()), "error")


def _warm_up(assistant: Assistant) -> None:
    """Load what the first question would otherwise wait for (jieba's dictionaries, the lexical
    index, the model's first run): a second or two each."""
    warm_up()
    try:
        assistant.search("工会", 1)
    except _known_errors():
        pass  # the same trouble will be reported on the first question


def _api_error(e: Exception) -> gr.Error:
    return gr.Error(" ".join(str(e).split()), print_exception=False)


MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # a page is ~20 KB; a JSONL export of thousands of articles fits


def add_uploads(assistant: Assistant, settings: Settings, paths: Sequence[str | Path]) -> str:
    """Add uploaded pages or JSONL exports to the archive exactly as ``python -m index add`` does:
    copied into the corpus folder under a safe name, then the incremental build, whose new version
    the running assistant picks up at its next question. Returns what happened, as text."""
    files = [Path(p) for p in paths]
    if not files:
        return "没有文件。 · No file was given."
    too_big = [f.name for f in files if f.stat().st_size > MAX_UPLOAD_BYTES]
    if too_big:
        limit = MAX_UPLOAD_BYTES // 1024 // 1024
        return f"文件太大 · Over the {limit} MB limit, nothing added: {', '.join(too_big)}"
    try:
        copied, same = add_files(settings, files)
        report = build(settings, assistant._embedder, wait=False)
    except BuildRunning:
        return "另一个索引任务正在运行，请稍后再试。 · Another build is running; try again in a minute."
    except IndexProblem as e:  # SourceConflict, NothingToIndex: a sentence that says what to do
        return " ".join(str(e).split())
    kept = f" Already in the archive: {', '.join(same)}." if same else ""
    return f"Added: {', '.join(copied) or 'nothing new'}.{kept}\n{report.summary()}"


def build_ui(assistant: Assistant, k: int = 5, settings: Settings | None = None) -> gr.Blocks:
    """The page: chat, search panel and index panel, with the API endpoints ``/chat`` and ``/search``.

    ``k`` is how many passages a chat answer shows.
    """
    manifest = assistant.index.manifest
    _warm_up(assistant)

    def respond(message: str, history: list[Any]) -> str:
        return answer(assistant, message, user_questions(history), k)

    def search_panel(question: str, n: float, source: str | None) -> tuple[str, dict[str, Any]]:
        try:
            result = search(assistant, question, int(n), source or "")
        except _known_errors() as e:
            raise _api_error(e) from e
        return result_html(result), result.to_dict()

    def search_api(question: str, k: int = k, source: str = "") -> dict[str, Any]:
        """The k passages that best answer the question, best first, as
        {"question", "found", "unmatched", "hits": [{"rank", "score", "text", "source", "title",
        "section", "start", "end", "line_start", "line_end"}]}; only sources starting with `source`,
        if given. "unmatched": names and numbers of the question no best passage mentions."""
        try:
            return search(assistant, question, k, source).to_dict()
        except _known_errors() as e:
            raise _api_error(e) from e

    def chat_api(message: str, previous: list[str] | None = None, k: int = k) -> dict[str, Any]:
        """Like /search, for a conversation: `previous` are the earlier questions, oldest first,
        and a follow-up (short, or opening with 那/还有/what about…) is searched together with them.
        Adds "query": what was searched for."""
        query = search_query(message, previous or [])
        try:
            result = search(assistant, query, k)
        except _known_errors() as e:
            raise _api_error(e) from e
        return {**result.to_dict(), "question": message, "query": query}

    with gr.Blocks(title="工会新闻助手 · Union news assistant", analytics_enabled=False) as ui:
        head = gr.HTML(head_html(manifest))
        with gr.Tabs():
            with gr.Tab("问答 · Ask", id="ask"):
                gr.ChatInterface(
                    respond,
                    chatbot=gr.Chatbot(
                        elem_id="answers",
                        label="回答 · Answers",
                        render_markdown=False,  # corpus text must not become links or images
                        sanitize_html=True,
                        latex_delimiters=[],
                        layout="panel",
                        height=620,
                        autoscroll=False,  # _SCROLL_JS shows the top of each answer instead
                        buttons=["copy"],
                        feedback_options=None,
                    ),
                    textbox=gr.Textbox(
                        elem_id="question",
                        placeholder="输入问题，按回车 · Type a question and press Enter",
                        show_label=False,
                        max_length=MAX_INPUT_CHARS,
                        submit_btn=True,
                    ),
                    examples=EXAMPLES,
                    examples_label="例题 · Examples",
                    api_name="chat_page",
                    api_visibility="private",  # tools use /chat, which returns JSON
                    analytics_enabled=False,
                    fill_height=False,
                )
            with gr.Tab("检索 · Search", id="search"):
                with gr.Row():
                    question = gr.Textbox(label="问题 · Question", scale=4, max_length=MAX_INPUT_CHARS)
                    n = gr.Slider(1, MAX_K, value=k, step=1, label="结果数 · Results", scale=1)
                    source = gr.Dropdown(
                        choices=_sources(manifest),
                        value="",
                        allow_custom_value=True,
                        label="只看来源 · Only sources starting with",
                        scale=2,
                    )
                go = gr.Button("检索 · Search", variant="primary")
                shown = gr.HTML(elem_id="search-results")
                raw = gr.JSON(label="JSON", open=False)
                gr.on(
                    [go.click, question.submit],
                    search_panel,
                    [question, n, source],
                    [shown, raw],
                    api_visibility="private",
                )
            with gr.Tab("索引 · Index", id="index"):
                about = gr.HTML(index_html(manifest))
                if settings is not None:
                    uploads = gr.File(
                        label="添加版面或文章 · Add pages (.txt, .md) or articles (.jsonl), 20 MB at most",
                        file_count="multiple",
                        file_types=[".txt", ".md", ".jsonl"],
                    )
                    add = gr.Button("加入资料库 · Add to the archive", variant="primary")
                    outcome = gr.Textbox(label="结果 · Result", lines=6, interactive=False)

                    def upload(files: list[str] | None) -> tuple[str, str, dict[str, Any], str]:
                        # The panels describe the index the upload built, without reloading the page.
                        return add_uploads(assistant, settings, files or []), *refresh()

                    add.click(upload, [uploads], [outcome, head, source, about], api_visibility="private")

        def refresh() -> tuple[str, dict[str, Any], str]:
            # The assistant follows rebuilds of the index: a page loaded later describes the new one.
            m = assistant.manifest()
            return head_html(m), gr.update(choices=_sources(m)), index_html(m)

        ui.load(refresh, None, [head, source, about], api_visibility="private", queue=False)
        gr.api(search_api, api_name="search")
        gr.api(chat_api, api_name="chat")
    return ui


# --- the HTTP app -----------------------------------------------------------------------------------


class HitOut(BaseModel):
    rank: int
    score: float
    text: str
    source: str = Field(description="file path relative to the corpus, or file.jsonl#id")
    title: str
    section: str
    start: int = Field(description="first character of the passage in the document's text")
    end: int
    line_start: int = Field(description="1-based line of the source file")
    line_end: int


class SearchOut(BaseModel):
    question: str
    found: bool = Field(description="whether the archive appears to answer the question")
    unmatched: list[str] = Field(
        description="the question's names, numbers and quoted words that the best passages do not mention"
    )
    hits: list[HitOut]


class DocumentOut(BaseModel):
    source: str
    title: str
    text: str
    line_offset: int = Field(description="line number of the text's first line, minus one")
    meta: dict[str, str]
    is_page: bool


class ErrorOut(BaseModel):
    error: str


def _error(status: int, e: Exception | str) -> JSONResponse:
    return JSONResponse({"error": " ".join(str(e).split())}, status_code=status)


def _status(e: Exception) -> int:
    if isinstance(e, UnknownSource):
        return 404
    if isinstance(e, InvalidQuery):
        return 400
    return 503  # the index or the model cannot answer now


def create_app(assistant: Assistant, k: int = 5, settings: Settings | None = None) -> FastAPI:
    """The Gradio page at ``/`` and, beside it, the JSON API (schema at ``/openapi.json``, docs at
    ``/docs``) and the source view. With ``settings``, the index panel also takes uploads into
    ``settings.corpus[0]``."""
    app = FastAPI(
        title="Union news assistant",
        summary="Search a Zhejiang trade-union newspaper archive: ranked passages with exact citations.",
        version="1",
    )
    errors: dict[int | str, dict[str, Any]] = {
        400: {"model": ErrorOut, "description": "bad q, k or source"},
        503: {"model": ErrorOut, "description": "the index or the model cannot answer"},
    }

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = [
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg', '')}" for e in exc.errors()
        ]
        return _error(400, "; ".join(parts) or "bad request")

    @app.get("/api/search", response_model=SearchOut, responses=errors, tags=["search"])
    def api_search(
        q: str = Query(description="the question, e.g. 嘉善有几家单位获评全国工人先锋号？"),
        k: int = Query(k, ge=1, le=MAX_K, description="how many passages"),
        source: str = Query("", description="only passages whose source starts with this"),
    ) -> Any:
        """The passages that best answer `q`, best first, with their citations."""
        try:
            return search(assistant, q, k, source).to_dict()
        except _known_errors() as e:
            return _error(_status(e), e)

    @app.get(
        "/api/document",
        response_model=DocumentOut,
        responses={404: {"model": ErrorOut, "description": "no such source"}},
        tags=["search"],
    )
    def api_document(source: str = Query(description="a hit's source")) -> Any:
        """The whole text of a cited source; a hit's `start`-`end` index into `text`."""
        try:
            doc = assistant.document(source)
        except IndexProblem as e:
            return _error(_status(e), e)
        return DocumentOut(
            source=doc.source,
            title=doc.title,
            text=doc.text,
            line_offset=doc.line_offset,
            meta=dict(doc.meta),
            is_page=doc.is_page,
        )

    @app.get("/view", response_class=HTMLResponse, tags=["pages"])
    def view(
        source: str = Query(description="a hit's source"),
        start: int | None = Query(None, ge=0, description="first character to mark"),
        end: int | None = Query(None, ge=0, description="character after the last to mark"),
    ) -> Any:
        """The source as a page to read, the passage ``start``-``end`` marked and scrolled to
        (``#passage``)."""
        try:
            doc = assistant.document(source)
        except IndexProblem as e:
            return _error(_status(e), e)
        return HTMLResponse(document_html(doc, start, end), headers={"Content-Security-Policy": _VIEW_CSP})

    return gr.mount_gradio_app(
        app,
        build_ui(assistant, k, settings),
        path="/",
        css=_CSS,
        js=_SCROLL_JS,
        footer_links=["api"],
        ssr_mode=False,
    )


# The chat would scroll to the bottom of a long answer, past its verdict and best passage: instead,
# each new answer is scrolled so that its question and first lines are in view.
_SCROLL_JS = """
() => {
  const seen = new WeakSet();
  const scroller = (el) => {
    for (let n = el.parentElement; n; n = n.parentElement) {
      const y = getComputedStyle(n).overflowY;
      if ((y === "auto" || y === "scroll") && n.scrollHeight > n.clientHeight) return n;
    }
    return null;
  };
  new MutationObserver(() => {
    const answers = document.querySelectorAll("#answers .na-answer");
    const last = answers[answers.length - 1];
    if (!last || seen.has(last)) return;
    seen.add(last);
    const box = scroller(last);
    if (!box) return;
    const row = last.closest(".message-row");
    const asked = row && row.previousElementSibling ? row.previousElementSibling : last;
    const top = asked.getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop += top - 8;
  }).observe(document.body, { childList: true, subtree: true });
}
"""

_VIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

_CSS = """
.na-head h1 { font-size: 1.5em; margin: 0.2em 0; }
.na-head h1 span { font-weight: normal; color: var(--body-text-color-subdued); font-size: 0.7em; }
.na-head p { margin: 0 0 0.5em; color: var(--body-text-color-subdued); }
.na-answer { line-height: 1.7; }
.na-verdict { font-weight: 600; margin: 0 0 0.4em; }
.na-verdict.na-found { color: #15803d; }
.na-verdict.na-notfound, .na-verdict.na-error { color: #b45309; }
.na-query { font-size: 0.9em; color: var(--body-text-color-subdued); margin: 0 0 0.4em; }
.na-hit { border-left: 3px solid #3b82f6; padding: 0.2em 0.8em; margin: 0.7em 0; }
.na-hit.na-weak { border-left-color: #d1d5db; }
.na-cite { display: flex; flex-wrap: wrap; gap: 0.3em 0.8em; align-items: baseline; font-size: 0.9em; }
.na-rank { font-weight: 700; }
.na-source { font-weight: 600; }
.na-where, .na-score {
  color: var(--body-text-color-subdued); font-family: var(--font-mono); font-size: 0.9em;
}
.na-weak-tag { color: #b45309; font-size: 0.85em; }
.na-text { white-space: pre-wrap; margin-top: 0.2em; }
.na-text mark.answer { background: #fde68a; color: #1f2937; padding: 0 0.1em; border-radius: 2px; }
.na-text strong.term { font-weight: 700; text-decoration: underline dotted; }
.na-index th { text-align: left; padding-right: 1em; font-weight: 600; }
"""

_VIEW_CSS = """
body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; margin: 0; color: #1f2937; }
header {
  position: sticky; top: 0; background: #f8fafc; border-bottom: 1px solid #e5e7eb; padding: 0.5em 1em;
}
header h1 { font-size: 1.2em; margin: 0; } header p { margin: 0; color: #6b7280; font-family: monospace; }
main { padding: 0.5em 1em; line-height: 1.7; }
.l { display: flex; } .n { flex: 0 0 3.5em; color: #9ca3af; text-align: right; padding-right: 1em;
  font-family: monospace; user-select: none; } .t { white-space: pre-wrap; min-height: 1.7em; }
mark { background: #fde68a; } #passage { scroll-margin-top: 30vh; }
"""
