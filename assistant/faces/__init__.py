"""The faces: the ways in to the query core, each turning an ArchiveError into one plain sentence.

- ``cli``: ``python -m assistant ask | search --batch | eval``
- ``web``: the FastAPI app (``/api/search``, ``/api/document``, the source view, ``/docs``) with
  the Gradio page mounted at ``/``
- ``ui``: the Gradio page (chat, search panel, index panel) and its API endpoints
- ``_guard`` (an ArchiveError as an HTTP status and one line, for web and ui alike),
  ``_render`` (results, sources and the index as HTML), ``_format`` (results as terminal text),
  ``_highlight`` (the answering sentence and the question's terms marked), ``_page_image`` (the
  printed page of a PDF source), ``static/`` (the page's CSS and script)

``web`` and ``ui`` import gradio and fastapi: import them by name, only where they are served.
"""
