"""The assistant over HTTP: ``create_app(assistant)`` is a FastAPI app with the JSON API
(``GET /api/search``, ``GET /api/document``), the source view that citations link to
(``GET /view``; ``GET /view/page.png`` draws a PDF page), a page describing the API (``/docs``,
served from here: no CDN), and the Gradio page (``ui``) at ``/``.

Every error of the API is JSON ``{"error": ...}``: a bad parameter (400), an unknown source (404),
another method (405), a request too large (413), the index or the model unable to answer (503).
The response schemas are made from the library's own types (``Hit.json_fields``,
``SearchResult.json_fields``, ``index.Document``), so the API says what the library returns.
"""

from __future__ import annotations

import dataclasses
import html
from typing import Annotated, Any, Literal, get_type_hints

import gradio as gr
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field, create_model
from starlette.exceptions import HTTPException

from index import Document, IndexProblem, Settings, pdf_page
from index.errors import one_line

from ..core import MAX_K, Assistant, Hit, SearchOptions, SearchResult
from ._guard import answered
from ._page_image import PageImages
from ._render import css, document_html, page_image_url, static
from .ui import MAX_INPUT_CHARS, build_ui

__all__ = ["MAX_REQUEST_BYTES", "create_app"]

# A GET with a whole pasted page as its question still gets a JSON answer, not the server's
# plain-text refusal (uvicorn's default limit is 16 KB): the server is started with this limit.
MAX_REQUEST_BYTES = 1_000_000
# The source view runs no script and loads nothing but its page image from here.
_VIEW_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)

Order = Literal["relevance", "newest"]


def _model(name: str, fields: dict[str, tuple[Any, str]]) -> type[BaseModel]:
    """A pydantic model of JSON whose keys ``fields`` gives, each with its type and meaning."""
    definitions: dict[str, Any] = {key: (kind, Field(description=doc)) for key, (kind, doc) in fields.items()}
    return create_model(name, **definitions)


HitOut = _model("HitOut", Hit.json_fields())
_result = SearchResult.json_fields()
# HitOut is made at run time, so mypy cannot take it as a type.
SearchOut = _model("SearchOut", _result | {"hits": (list[HitOut], _result["hits"][1])})  # type: ignore[valid-type]
_DOCUMENT_FIELDS = {
    "source": "a hit's source",
    "title": "the document's title",
    "text": "the whole text, as read; a hit's start-end index into it",
    "line_offset": "line number of the text's first line, minus one",
    "meta": "what the document says of itself: date, edition, page, url",
    "is_page": "whether it is a page laid out for print (not a JSONL article's text)",
}
_document = get_type_hints(Document)
DocumentOut = _model(
    "DocumentOut",
    {f.name: (_document[f.name], _DOCUMENT_FIELDS[f.name]) for f in dataclasses.fields(Document)},
)


class ErrorOut(BaseModel):
    error: str


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": one_line(message)}, status_code=status)


def _not_allowed(request: Request) -> JSONResponse:
    return _error(405, f"{request.method} is not supported here; use GET, e.g. /api/search?q=…")


def docs_html(schema: dict[str, Any]) -> str:
    """The API's endpoints and parameters from its OpenAPI schema, as a plain page."""
    rows = []
    for path, methods in sorted(schema.get("paths", {}).items()):
        for method, op in methods.items():
            params = "".join(
                f"<li><code>{html.escape(p['name'])}</code> — {html.escape(p.get('description', ''))}</li>"
                for p in op.get("parameters", [])
            )
            rows.append(
                f"<h2><code>{method.upper()} {html.escape(path)}</code></h2>"
                f"<p>{html.escape(op.get('description') or op.get('summary', ''))}</p><ul>{params}</ul>"
            )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>API · Union news assistant</title>'
        f"<style>{static('view.css')}</style></head><body><header><h1>{html.escape(schema['info']['title'])}"
        '</h1><p>JSON API; the machine-readable schema is at <a href="openapi.json">/openapi.json</a>. '
        'Errors are {"error": "..."}.</p></header><main>' + "".join(rows) + "</main></body></html>"
    )


def create_app(assistant: Assistant, k: int = 5, settings: Settings | None = None) -> FastAPI:
    """The Gradio page at ``/`` and, beside it, the JSON API (schema at ``/openapi.json``, described
    at ``/docs``) and the source view. With ``settings``, the index panel also takes uploads into
    ``settings.corpus[0]``, and the source view of a PDF page shows the page from ``settings.corpus``."""
    app = FastAPI(
        title="Union news assistant",
        summary="Search a Zhejiang trade-union newspaper archive: ranked passages with exact citations.",
        version="1",
        docs_url=None,  # FastAPI's pages load their scripts from a CDN: blank offline
        redoc_url=None,
    )
    _errors_as_json(app)
    _search_routes(app, assistant, k)
    _view_routes(app, assistant, PageImages(settings.corpus if settings is not None else ()))

    # The page is mounted at "/", so another method on an API path would reach Gradio's own 404.
    @app.api_route("/api/{path:path}", methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def other_method(request: Request) -> JSONResponse:
        return _not_allowed(request)

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(docs_html(app.openapi()), headers={"Content-Security-Policy": _VIEW_CSP})

    return gr.mount_gradio_app(
        app,
        build_ui(assistant, k, settings),
        path="/",
        css=css(),
        js=static("scroll.js"),
        footer_links=["api"],
        ssr_mode=False,
    )


def _errors_as_json(app: FastAPI) -> None:
    """FastAPI's own refusals (a bad parameter, another method) as JSON ``{"error": ...}`` too."""

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = [
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg', '')}" for e in exc.errors()
        ]
        return _error(400, "; ".join(parts) or "bad request")

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 405:
            return _not_allowed(request)
        return _error(exc.status_code, str(exc.detail))


_SEARCH_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "bad q, k, since, until, source or order"},
    503: {"model": ErrorOut, "description": "the index or the model cannot answer"},
}


def _search_routes(app: FastAPI, assistant: Assistant, k: int) -> None:
    @app.get("/api/search", response_model=SearchOut, responses=_SEARCH_ERRORS, tags=["search"])
    def api_search(
        q: str = Query(description="the question, e.g. 嘉善有几家单位获评全国工人先锋号？"),
        k: int = Query(k, ge=1, le=MAX_K, description="how many passages"),
        since: str = Query("", description="only passages of issues dated on or after this, YYYY-MM-DD"),
        until: str = Query("", description="only passages of issues dated on or before this, YYYY-MM-DD"),
        source: Annotated[
            list[str] | None,
            Query(description="only passages whose source starts with this (repeat: any of them)"),
        ] = None,
        order: Annotated[
            Order,
            Query(
                description="relevance, or newest (the passages about as relevant as the best, newest first)"
            ),
        ] = "relevance",
    ) -> Any:
        """The passages that best answer `q`, best first, with their citations and the verdict. With
        `since`, `until` or `source`, only the passages they let through are searched (and judged)."""
        if len(q) > MAX_INPUT_CHARS:
            return _error(400, f"q is longer than {MAX_INPUT_CHARS} characters; ask a shorter question")

        def search() -> dict[str, Any]:
            options = SearchOptions(since=since, until=until, sources=source or (), order=order)
            return assistant.search(q, k, options=options).to_dict()

        return answered(search, _error)

    @app.get(
        "/api/document",
        response_model=DocumentOut,
        responses={404: {"model": ErrorOut, "description": "no such source"}},
        tags=["search"],
    )
    def api_document(source: str = Query(description="a hit's source")) -> Any:
        """The whole text of a cited source; a hit's `start`-`end` index into `text`."""
        return answered(lambda: dataclasses.asdict(assistant.document(source)), _error)


def _view_routes(app: FastAPI, assistant: Assistant, images: PageImages) -> None:
    @app.get("/view", response_class=HTMLResponse, tags=["pages"])
    def view(
        source: str = Query(description="a hit's source"),
        start: int | None = Query(None, ge=0, description="first character to mark"),
        end: int | None = Query(None, ge=0, description="character after the last to mark"),
    ) -> Any:
        """The source as a page to read, the passage ``start``-``end`` marked and scrolled to
        (``#passage``)."""
        return answered(lambda: _source_view(assistant, images, source, start, end), _error)

    @app.get(
        "/view/page.png",
        response_class=Response,
        responses={
            200: {"content": {"image/png": {}}, "description": "the page, the passage marked"},
            404: {"model": ErrorOut, "description": "not a PDF page source, or its file is gone or changed"},
        },
        tags=["pages"],
    )
    def view_page(
        source: str = Query(description="a hit's source naming a PDF page, e.g. zjgr_20190305.pdf#p3"),
        start: int | None = Query(None, ge=0, description="first character of the passage to mark"),
        end: int | None = Query(None, ge=0, description="character after the last to mark"),
    ) -> Any:
        """The printed PDF page of a source as a PNG, the passage ``start``-``end`` marked."""

        def png() -> Response:
            assistant.document(source)  # only a source the index holds
            image = images.png(source, assistant.manifest().files, start, end)
            headers = {"Cache-Control": "private, max-age=300", "Content-Security-Policy": _VIEW_CSP}
            return Response(image, media_type="image/png", headers=headers)

        return answered(png, _error)


def _source_view(
    assistant: Assistant, images: PageImages, source: str, start: int | None, end: int | None
) -> HTMLResponse:
    """The source view of ``source``, with its printed page beside the text when it is a PDF page
    whose file is still the one indexed (else a note that says why not)."""
    doc = assistant.document(source)
    image, note = None, ""
    if (page := pdf_page(source)) is not None:
        try:
            images.file(page[0], assistant.manifest().files)
            image = page_image_url(source, start, end)
        except IndexProblem as e:  # the text is still shown, and why the page is not
            note = f"原版面无法显示 · No page image: {one_line(e)}"
    shown = document_html(doc, start, end, image=image, note=note)
    return HTMLResponse(shown, headers={"Content-Security-Policy": _VIEW_CSP})
