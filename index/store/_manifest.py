"""The manifest: what a version holds and what produced it (format, model, chunker, lexical and
vector settings, file hashes, counts), checked on load."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..embed import Embedder, model_option
from ..errors import (
    IndexCorrupt,
    IndexIncompatible,
    rebuild_command,
)

# 3: chunks carry their source file and BM25 tokens; documents their file; table rejections.
# 4: vectors of each chunk's sentence windows after the chunks' own.
# 5: a vector store chosen by size (vectors/), each chunk under a key that outlives the version;
#    chunks carry their document's date, edition and page.
FORMAT_VERSION = 5


MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Manifest:
    """What the index holds and what produced it; checked on load."""

    model: dict[str, str]  # the embedder's identity: name, weights_sha256
    dim: int
    chunker: dict[str, str | int]  # version, max_chars
    files: dict[str, str]  # source file -> sha256 of its bytes
    counts: dict[str, int]  # files, documents, sections, chunks, windows
    built_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    format_version: int = FORMAT_VERSION
    lexical: dict[str, str | int] = field(default_factory=dict)  # version, words; empty: dense only
    vectors: dict[str, str | int] = field(default_factory=dict)  # the store's kind and parameters
    # The passages' hub scores (index.build._hubness): version, probes, k, digest of the probe set.
    # Empty for an index built before them, which answers without the discount.
    hubness: dict[str, str | int] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    def check_embedder(self, embedder: Embedder, index_dir: Path) -> None:
        """Refuse an embedder other than the one that built the index: its scores would be meaningless."""
        built, given = self.model, embedder.identity
        if built != given:
            raise IndexIncompatible(
                f"index at {index_dir} was built with {describe_model(built)}, but the model in use is "
                f"{describe_model(given)}; use the index's model (--model), or rebuild with: "
                f"{rebuild_command(index_dir, model_option(given))}"
            )
        if embedder.dim != self.dim:
            raise IndexIncompatible(
                f"index at {index_dir} holds {self.dim}-dimensional vectors, but the model "
                f"gives {embedder.dim}; rebuild with: {rebuild_command(index_dir, model_option(given))}"
            )

    @classmethod
    def from_json(cls, text: str, index_dir: Path) -> Manifest:
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as e:
            raise corrupt(index_dir, f"{MANIFEST} is not valid JSON ({e.msg})") from e
        if not isinstance(raw, dict):
            raise corrupt(index_dir, f"{MANIFEST} is not a JSON object")
        # The version is checked before anything else: another version may have another shape.
        version = raw.get("format_version")
        if version != FORMAT_VERSION:
            raise IndexIncompatible(
                f"index at {index_dir} has format version {version}, this program reads version "
                f"{FORMAT_VERSION}; rebuild it with: {rebuild_command(index_dir)}"
            )
        try:
            return cls(
                model={str(k): str(v) for k, v in raw["model"].items()},
                dim=int(raw["dim"]),
                chunker=dict(raw["chunker"]),
                files={str(k): str(v) for k, v in raw["files"].items()},
                counts={str(k): int(v) for k, v in raw["counts"].items()},
                built_at=str(raw["built_at"]),
                format_version=version,
                lexical=dict(raw.get("lexical", {})),
                vectors=dict(raw["vectors"]),
                hubness=dict(raw.get("hubness", {})),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise corrupt(index_dir, f"{MANIFEST} lacks or mangles a field ({e})") from e


def corrupt(index_dir: Path, what: str) -> IndexCorrupt:
    return IndexCorrupt(
        f"index at {index_dir} is damaged: {what}; rebuild it with: {rebuild_command(index_dir)}"
    )


def describe_model(identity: dict[str, str]) -> str:
    name = identity.get("name", "?")
    weights = identity.get("weights_sha256", "")
    described = f"{name} (weights {weights[:12]})" if weights and weights != "none" else name
    backend = identity.get("backend")  # absent: torch, as before there was a choice
    return f"{described} on {backend}, {identity.get('optimisation', '')}" if backend else described
