"""The Gradio page: a chat that answers with ranked, cited, highlighted passages, a search panel
for tools-minded users and a description of the index; also the Gradio API endpoints ``/search``
and ``/chat``.

This module imports gradio, so only the web face imports it: ``import assistant`` does not.

The chat is a plain ``Chatbot`` fed by this module rather than a ``ChatInterface``, so that the
user's own message is shown as the text it is (``<img src=x>`` typed as a question must not load
an image) and the questions asked so far are kept as typed, in a ``State``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import gradio as gr

from index import (
    SUFFIXES,
    BuildRunning,
    IndexProblem,
    Manifest,
    Settings,
    add_files,
    build,
    file_of,
    size_limit,
)
from index.errors import ArchiveError, one_line
from index.text import has_words

from ..core import MAX_K, Assistant, SearchOptions, SearchResult
from ._guard import answered
from ._render import head_html, index_html, message_html, result_html, sources, user_html

__all__ = ["EXAMPLES", "answer", "build_ui", "describe", "page_options"]

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
# An upload may be as large as its reader takes (index.size_limit: PDFs 200 MB, which an issue of
# print pages with photos fits, Word files 50 MB, web pages 20 MB, text pages 5 MB); a JSONL export,
# which no reader limits, up to this (tens of thousands of articles).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ORDER_CHOICES = [("相关度 · Relevance", "relevance"), ("最新在前 · Newest first", "newest")]

ASK_SOMETHING = "请用文字提一个问题 · Please ask a question in words, e.g. " + EXAMPLES[0]


def page_options(
    since: str | None = "", until: str | None = "", source: str | None = "", order: str | None = ""
) -> SearchOptions:
    """A search's options from the page's fields (blank: none); InvalidQuery for bad ones.

    >>> page_options(" 2019-01-01 ", "", " 002_ ", "newest")
    SearchOptions(since='2019-01-01', until=None, sources=('002_',), order='newest')
    """
    return SearchOptions(since=since, until=until, sources=source or (), order=order or "relevance")


def describe(options: SearchOptions) -> str:
    """The options as the chat shows them above the passages ("" when there are none).

    >>> describe(page_options("2019-01-01", "", "002_", "newest"))
    '筛选 · Filters: 2019-01-01 –  · 002_ · 最新在前 newest first'
    """
    dates = f"{options.since or ''} – {options.until or ''}" if options.since or options.until else ""
    sources = " ".join(options.sources or ())
    newest = "最新在前 newest first" if options.order == "newest" else ""
    shown = " · ".join(p for p in (dates, sources, newest) if p)
    return f"筛选 · Filters: {shown}" if shown else ""


def _in_chat(status: int, line: str) -> str:
    return message_html(line, "error")


def _raised(status: int, line: str) -> NoReturn:
    raise gr.Error(line, print_exception=False)


def answer(
    assistant: Assistant, question: str, previous: Sequence[str], k: int, options: SearchOptions | None = None
) -> str:
    """The chat's reply to ``question`` after ``previous`` user questions, as HTML; bad questions
    and filters, and index trouble, get a plain sentence instead."""
    if not has_words(question):
        return message_html(ASK_SOMETHING)
    options = options or SearchOptions()
    return answered(
        lambda: result_html(assistant.converse(question, previous, k, options=options), describe(options)),
        _in_chat,
    )


def _warm_up(assistant: Assistant) -> None:
    """Load what the first question would otherwise wait for (jieba's dictionaries, CC-CEDICT, the
    lexical index, the model's first run): a second or two each."""
    try:
        assistant.search("工会", 1)
        assistant.search("trade union", 1)
    except ArchiveError:
        pass  # the same trouble will be reported on the first question


def add_uploads(assistant: Assistant, settings: Settings, paths: Sequence[str | Path]) -> str:
    """Add uploaded pages or JSONL exports to the archive exactly as ``python -m index add`` does:
    copied into the corpus folder under a safe name, then the incremental build, whose new version
    the running assistant picks up at its next question. Returns what happened, as text."""
    files = [Path(p) for p in paths]
    if not files:
        return "没有文件。 · No file was given."
    too_big = [
        f"{f.name} ({upload_limit(f.suffix) // 1024 // 1024} MB for {f.suffix.lower()})"
        for f in files
        if f.stat().st_size > upload_limit(f.suffix)
    ]
    if too_big:
        return f"文件太大 · Over the limit, nothing added: {', '.join(too_big)}"
    try:
        copied, same = add_files(settings, files)
        report = build(settings, assistant.embedder, wait=False)
    except BuildRunning:
        return "另一个索引任务正在运行，请稍后再试。 · Another build is running; try again in a minute."
    except IndexProblem as e:  # SourceConflict, NothingToIndex: a sentence that says what to do
        return one_line(e)
    kept = f" Already in the archive: {', '.join(same)}." if same else ""
    # What the readers said of the files just added (a scan, an encrypted PDF …), as they said it.
    refused = [str(r) for r in report.rejections if file_of(r.source) in copied]
    said = "\n".join(["未能全部读入 · Not (all) indexed:", *refused]) + "\n" if refused else ""
    return f"Added: {', '.join(copied) or 'nothing new'}.{kept}\n{said}{report.summary()}"


def upload_label() -> str:
    """What the upload panel takes, and how large, from the readers themselves."""
    kinds = [("PDF", ".pdf"), ("Word", ".docx"), ("HTML", ".html"), ("JSONL", ".jsonl"), ("TXT/MD", ".txt")]
    sizes = ", ".join(f"{kind} {upload_limit(suffix) // 1024 // 1024} MB" for kind, suffix in kinds)
    return (
        "添加版面或文章 · Add newspaper pages (.pdf, .txt, .md), web pages (.html, .htm), Word files "
        f"(.docx) or articles (.jsonl); each at most {sizes}"
    )


def upload_limit(suffix: str) -> int:
    """The most bytes an upload ending in ``suffix`` may have: what its reader takes.

    >>> upload_limit(".pdf") // 1024 // 1024, upload_limit(".jsonl") // 1024 // 1024
    (200, 20)
    """
    return size_limit(suffix) or MAX_UPLOAD_BYTES


def _filter_fields(
    manifest_sources: list[str], prefix: str
) -> tuple[gr.Textbox, gr.Textbox, gr.Dropdown, gr.Radio]:
    """The filter fields (since, until, source, order), in the current row or column."""
    since = gr.Textbox(
        label="起始日期 · Since", placeholder="YYYY-MM-DD", max_lines=1, elem_id=f"{prefix}-since", scale=1
    )
    until = gr.Textbox(
        label="截止日期 · Until", placeholder="YYYY-MM-DD", max_lines=1, elem_id=f"{prefix}-until", scale=1
    )
    source = gr.Dropdown(
        choices=manifest_sources,
        value="",
        allow_custom_value=True,
        label="只看来源 · Only sources starting with",
        elem_id=f"{prefix}-source",
        scale=2,
    )
    order = gr.Radio(
        ORDER_CHOICES, value="relevance", label="排序 · Order", elem_id=f"{prefix}-order", scale=1
    )
    return since, until, source, order


def build_ui(assistant: Assistant, k: int = 5, settings: Settings | None = None) -> gr.Blocks:
    """The page: chat, search panel and index panel, with the API endpoints ``/chat`` and ``/search``.

    ``k`` is how many passages a chat answer shows.
    """
    manifest = assistant.index.manifest
    _warm_up(assistant)
    with gr.Blocks(title="工会新闻助手 · Union news assistant", analytics_enabled=False) as ui:
        head = gr.HTML(head_html(manifest))
        with gr.Tabs():
            with gr.Tab("问答 · Ask", id="ask"):
                chat_source = _chat_panel(assistant, k, manifest)
            with gr.Tab("检索 · Search", id="search"):
                search_source = _search_panel(assistant, k, manifest)
            with gr.Tab("索引 · Index", id="index"):
                about = gr.HTML(index_html(manifest))
                described = [head, chat_source, search_source, about]
                if settings is not None:
                    _upload_panel(assistant, settings, described)

        def refresh() -> tuple[Any, ...]:
            # The assistant follows rebuilds of the index: a page loaded later describes the new one.
            return _described(assistant)

        ui.load(refresh, None, described, api_visibility="private", queue=False)
        _api_endpoints(assistant, k)
    return ui


def _described(assistant: Assistant) -> tuple[Any, ...]:
    """The page's head, both source fields' choices and the index panel, for the live index."""
    m = assistant.manifest()
    choices = sources(m)
    return head_html(m), gr.update(choices=choices), gr.update(choices=choices), index_html(m)


def _chat_panel(assistant: Assistant, k: int, manifest: Manifest) -> gr.Dropdown:
    """The chat, its question box and filters; returns its source field."""
    chat = gr.Chatbot(
        elem_id="answers",
        label="回答 · Answers",
        render_markdown=False,  # corpus text must not become links or images
        sanitize_html=True,
        latex_delimiters=[],
        layout="panel",
        height=620,
        autoscroll=False,  # scroll.js shows the top of each answer instead
        buttons=["copy"],
        feedback_options=None,
    )
    asked = gr.State([])
    box = gr.Textbox(
        elem_id="question",
        placeholder="输入问题，按回车 · Type a question and press Enter",
        show_label=False,
        max_length=MAX_INPUT_CHARS,
        submit_btn=True,
    )
    with gr.Accordion("筛选 · Filters: dates, source, order", open=False, elem_id="chat-filters"):
        with gr.Row():
            fields = _filter_fields(sources(manifest), "chat")
    gr.Examples(EXAMPLES, [box], label="例题 · Examples")

    def respond(
        message: str, history: list[dict[str, Any]], earlier: list[str], *chosen: str | None
    ) -> tuple[str, list[dict[str, Any]], list[str]]:
        reply = answered(lambda: answer(assistant, message, earlier, k, page_options(*chosen)), _in_chat)
        shown = [
            *history,
            {"role": "user", "content": user_html(message)},
            {"role": "assistant", "content": reply},
        ]
        return "", shown, [*earlier, message]

    box.submit(respond, [box, chat, asked, *fields], [box, chat, asked], api_visibility="private")
    return fields[2]


def _search_panel(assistant: Assistant, k: int, manifest: Manifest) -> gr.Dropdown:
    """The search panel: a question, how many results, filters, the results and their JSON;
    returns its source field."""
    with gr.Row():
        question = gr.Textbox(label="问题 · Question", scale=4, max_length=MAX_INPUT_CHARS)
        n = gr.Slider(1, MAX_K, value=k, step=1, label="结果数 · Results", scale=1)
    with gr.Row():
        fields = _filter_fields(sources(manifest), "search")
    go = gr.Button("检索 · Search", variant="primary")
    shown = gr.HTML(elem_id="search-results")
    raw = gr.JSON(label="JSON", open=False)

    def search_panel(asked: str, many: float, *chosen: str | None) -> tuple[str, dict[str, Any]]:
        result = answered(lambda: assistant.search(asked, int(many), options=page_options(*chosen)), _raised)
        return result_html(result), result.to_dict()

    gr.on(
        [go.click, question.submit],
        search_panel,
        [question, n, *fields],
        [shown, raw],
        api_visibility="private",
    )
    return fields[2]


def _upload_panel(assistant: Assistant, settings: Settings, described: list[Any]) -> None:
    """Uploads into the archive; then the panels describe the index the upload built, without
    reloading the page."""
    uploads = gr.File(label=upload_label(), file_count="multiple", file_types=list(SUFFIXES))
    add = gr.Button("加入资料库 · Add to the archive", variant="primary")
    outcome = gr.Textbox(label="结果 · Result", lines=6, interactive=False)

    def upload(files: list[str] | None) -> tuple[Any, ...]:
        return add_uploads(assistant, settings, files or []), *_described(assistant)

    add.click(upload, [uploads], [outcome, *described], api_visibility="private")


def _api_endpoints(assistant: Assistant, k: int) -> None:
    """The Gradio API's ``/search`` and ``/chat`` (their docstrings are what a client is shown)."""

    def search_api(
        question: str,
        k: int = k,
        source: str = "",
        since: str = "",
        until: str = "",
        order: str = "relevance",
    ) -> dict[str, Any]:
        """The k passages that best answer the question, best first, as
        {"question", "query", "found", "confidence", "reason", "unmatched", "instead", "terms",
        "hits": [{"rank",
        "score", "text", "source", "title", "section", "start", "end", "line_start", "line_end",
        "answer", "date", "edition", "page"}]}; only sources starting with `source`, and issues dated
        from `since` to `until` (YYYY-MM-DD, inclusive), if given; `order` "newest" puts the passages
        about as relevant as the best newest first. "unmatched": terms of the question the best
        passage does not mention; "instead": another quantity the best passage gives for the one
        asked (建筑面积 for 占地面积); "answer": [start, end] of the answering sentence in "text"."""

        def search() -> SearchResult:
            return assistant.search(question, k, options=page_options(since, until, source, order))

        return answered(search, _raised).to_dict()

    def chat_api(
        message: str,
        previous: list[str] | None = None,
        k: int = k,
        source: str = "",
        since: str = "",
        until: str = "",
        order: str = "relevance",
    ) -> dict[str, Any]:
        """Like /search, for a conversation: `previous` are the earlier questions, oldest first,
        and a follow-up (short, or opening with 那/还有/what about…) is searched together with them
        or, when it only names another place, as the earlier question about that place. "query":
        what was searched for. The filters and order are /search's."""

        def converse() -> SearchResult:
            options = page_options(since, until, source, order)
            return assistant.converse(message, previous or [], k, options=options)

        return answered(converse, _raised).to_dict()

    gr.api(search_api, api_name="search")
    gr.api(chat_api, api_name="chat")
