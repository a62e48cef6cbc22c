"""Hub scores: how close each passage sits to English questions in general, for the CSLS-style
discount of ``assistant.core._english``.

Cross-lingual dense retrieval has hubs: a few passages (a Universiade report, an English science
text) lie near every English question whatever it asks, and in an archive of thousands of
articles they take the top of question after question. CSLS (Conneau et al., 2018) subtracts from
a similarity the target's mean similarity to its k nearest sources (its r_T term). The sources
here are PROBES: generic English questions made from templates below (never from an eval set),
embedded at build time as questions. A passage's hub score is the mean, over its ``k`` nearest
probes, of its similarity to each probe, the similarity being what the dense leg computes: the
best of the passage's own vector and its windows'. ``k`` is every probe: a mean over the nearest
10 (CSLS's usual k) also marked passages that sit near a few templates, and discounting them cost
English questions their passage where the archive has no hub (docs/benchmarks.md).

The score depends only on a passage's vectors and the probes, so a passage keeps its score from
one version to the next; a build scores only the passages it adds (against the probe vectors it
saved, so the same probes), and removed passages drop out with their rows.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

import numpy as np

from ..embed import Embedder
from ..store import Previous, VectorStore

__all__ = [
    "HUBNESS_VERSION",
    "PROBE_COUNT",
    "PROBE_K",
    "embed_probes",
    "hub_entry",
    "score_build",
    "score_files",
    "held_out_questions",
    "hub_scores",
    "probe_questions",
    "probes_digest",
]

HUBNESS_VERSION = 1
PROBE_COUNT = 512
# Probes averaged per passage: all of them (10, 100, 256 and all were measured; see the docstring).
PROBE_K = PROBE_COUNT

# Generic questions of an encyclopaedia or a newspaper, on no topic in particular. Subjects are
# split between the probes (even positions) and the held-out questions (odd positions), so the
# two sets share templates but never a question.
_SUBJECTS = (
    "the river", "the company", "the university", "the city council", "the football team",
    "the empire", "the treaty", "the museum", "the government", "the bridge", "the band",
    "the species", "the disease", "the planet", "the cathedral", "the army", "the festival",
    "the railway", "the novel", "the power plant", "the airline", "the hospital", "the parliament",
    "the mountain range", "the language", "the album", "the election", "the computer", "the engine",
    "the school", "the newspaper", "the bank", "the painting", "the island", "the dynasty",
    "the revolution", "the satellite", "the church", "the orchestra", "the film", "the vaccine",
    "the harbour", "the trade union", "the king", "the prime minister", "the scientist",
    "the composer", "the tournament", "the factory", "the province", "the desert", "the theory",
    "the protein", "the war", "the constitution", "the stadium", "the library", "the market",
    "the canal", "the temple", "the telescope", "the airport", "the tribe", "the ship",
)  # fmt: skip
_ATTRIBUTES = (
    "name", "population", "size", "purpose", "origin", "main cause", "capital", "largest part",
    "first member", "total cost", "average age", "official language", "main source of income",
    "leader", "oldest building", "length", "annual budget", "most famous work", "founder",
    "main rival",
)  # fmt: skip
_EVENTS = (
    "founded", "built", "destroyed", "discovered", "renamed", "opened", "closed", "established",
    "rebuilt", "first mentioned", "recognised", "sold",
)  # fmt: skip
_VERBS = (
    "founded", "designed", "led", "defeated", "funded", "studied", "replaced", "named", "owned",
    "described", "criticised", "won",
)  # fmt: skip
_COUNTS = (
    "members", "employees", "students", "seats", "branches", "players", "years", "pages",
    "parts", "people", "votes", "countries",
)  # fmt: skip
_TEMPLATES = (
    "What is the {attribute} of {subject}?",
    "When was {subject} {event}?",
    "Who {verb} {subject}?",
    "How many {count} did {subject} have?",
    "Where is {subject} located?",
    "Why was {subject} {event}?",
    "In what year was {subject} {event}?",
    "What did {subject} become known for?",
    "Which country is {subject} in?",
    "What happened to {subject} after it was {event}?",
    "How long did {subject} last?",
    "What was {subject} originally called?",
    "Who was responsible for {subject}?",
    "What type of {thing} is {subject}?",
    "How did {subject} change over time?",
    "What role did {subject} play in the region?",
)


def _questions(part: int) -> list[str]:
    """Every question the templates make from the subjects of one part (0: probes, 1: held out),
    in a fixed shuffled order."""
    subjects = _SUBJECTS[part::2]
    rng = random.Random(20_240_518 + part)
    out: list[str] = []
    for subject in subjects:
        thing = subject.split()[-1]
        for template in _TEMPLATES:
            out.append(
                template.format(
                    subject=subject,
                    attribute=rng.choice(_ATTRIBUTES),
                    event=rng.choice(_EVENTS),
                    verb=rng.choice(_VERBS),
                    count=rng.choice(_COUNTS),
                    thing=thing,
                )
            )
    out = list(dict.fromkeys(out))
    rng.shuffle(out)
    return out


def probe_questions(n: int = PROBE_COUNT) -> list[str]:
    """The probes: ``n`` generic English questions from the templates (512 of 512 made).

    >>> len(probe_questions()), probe_questions(2) == probe_questions()[:2]
    (512, True)
    """
    return _questions(0)[:n]


def held_out_questions(n: int = 300) -> list[str]:
    """Questions of the same templates about other subjects, none a probe: to see whether the
    discount removes hubs for questions it was not measured with (``scripts/bench_hubness.py
    held-out``; the weight itself was chosen on xquad_en, docs/benchmarks.md).

    >>> set(held_out_questions()) & set(probe_questions())
    set()
    """
    return _questions(1)[:n]


def probes_digest(questions: Sequence[str], k: int) -> str:
    """Names a probe set and ``k``: a build whose probes differ from the live version's scores
    every passage again."""
    h = hashlib.sha256(f"{HUBNESS_VERSION}\n{k}\n".encode())
    for q in questions:
        h.update(q.encode("utf-8") + b"\n")
    return h.hexdigest()


def embed_probes(embedder: Embedder, questions: Sequence[str]) -> np.ndarray:
    """The probes embedded as questions (the ``query:`` side), (len, dim) float32."""
    batch = getattr(embedder, "embed_queries", None)
    if batch is not None:
        return np.asarray(batch(list(questions)), dtype=np.float32)
    return np.stack([np.asarray(embedder.embed_query(q), dtype=np.float32) for q in questions])


# Passages scored at a time: bounds the (vectors × probes) block in memory.
_BLOCK = 4096


def hub_scores(
    vectors: np.ndarray, counts: Sequence[int], probes: np.ndarray, k: int = PROBE_K
) -> np.ndarray:
    """Each passage's hub score: the mean of its ``k`` highest similarities to the probes, where a
    passage's similarity to a probe is the best of its vectors' (``counts[i]`` consecutive rows
    of ``vectors`` each: its own vector, then its windows').

    >>> probes = np.eye(3, dtype=np.float32)
    >>> vectors = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
    >>> hub_scores(vectors, [1, 2], probes, k=2).tolist()
    [0.5, 1.0]
    """
    sizes = np.asarray(counts, dtype=np.int64)
    out = np.zeros(len(sizes), dtype=np.float32)
    if not len(sizes) or not len(probes):
        return out
    k = max(1, min(k, len(probes)))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    for first in range(0, len(sizes), _BLOCK):
        last = min(len(sizes), first + _BLOCK)
        lo = int(starts[first])
        hi = int(starts[last - 1] + sizes[last - 1])
        sims = np.asarray(vectors[lo:hi], dtype=np.float32) @ probes.T
        best = np.maximum.reduceat(sims, starts[first:last] - lo, axis=0)
        if k < best.shape[1]:
            best = np.partition(best, best.shape[1] - k, axis=1)[:, best.shape[1] - k :]
        out[first:last] = best.mean(axis=1)
    return out


def hub_entry() -> dict[str, str | int]:
    """What a manifest (or a Milvus header) records of the hub scores: the probes and k."""
    questions = probe_questions()
    return {
        "version": HUBNESS_VERSION,
        "probes": len(questions),
        "k": PROBE_K,
        "digest": probes_digest(questions, PROBE_K),
    }


def score_files(embedder: Embedder, vectors: Sequence[Sequence[np.ndarray]]) -> list[list[float]]:
    """Hub scores of passages grouped by file (each passage its vectors, own then windows'),
    against the probes embedded now: for a Milvus build, which keeps no probe vectors (the same
    model embeds the same probes alike)."""
    if not any(len(v) for v in vectors):
        return [[] for _ in vectors]
    probes = embed_probes(embedder, probe_questions())
    out: list[list[float]] = []
    for passages in vectors:
        if not len(passages):
            out.append([])
            continue
        scores = hub_scores(np.concatenate(list(passages)), [len(p) for p in passages], probes, PROBE_K)
        out.append(scores.tolist())
    return out


def score_build(
    embedder: Embedder,
    store: VectorStore,
    chunk_keys: Sequence[int],
    kept: Sequence[int | None],
    live: Previous | None,
) -> tuple[np.ndarray, np.ndarray, dict[str, str | int]]:
    """The next version's hub scores in row order (``chunk_keys[row]``: the row's key in
    ``store``; ``kept[row]``: its key in the live version, or None for a new passage), the probe
    vectors, and the manifest's description of them.

    A kept passage keeps the score the live version measured when it was measured against the
    same probes by the same model; the others are scored now, against the live version's probe
    vectors when it has them (the model is needed only for an index that had none)."""
    questions = probe_questions()
    entry = hub_entry()
    old: dict[int, float] = {}
    probes: np.ndarray | None = None
    if live is not None and live.manifest.hubness == entry and live.manifest.model == dict(embedder.identity):
        probes = live.hub_probes()
        old = live.hubness()
    if probes is None:
        probes = embed_probes(embedder, questions)
    scores = np.zeros(len(chunk_keys), dtype=np.float32)
    todo: list[int] = []
    for row, before in enumerate(kept):
        if before is not None and before in old:
            scores[row] = old[before]
        else:
            todo.append(row)
    if todo:
        keys = np.array([chunk_keys[r] for r in todo], dtype=np.int64)
        counts = store.counts[store.positions(keys)]
        scores[todo] = hub_scores(store.vectors(keys), counts, probes, PROBE_K)
    return scores, probes, entry
