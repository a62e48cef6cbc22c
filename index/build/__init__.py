"""The build and the corpus on top of the other stages: read what changed, chunk it, embed what is
new, and write the next version of the store (``_build``); add and remove corpus files and say what
is indexed (``_manage``)."""

from ._build import BuildReport, build
from ._manage import IndexStatus, add_files, remove_sources, status
from ._milvus_build import build_milvus
from ._milvus_export import export_from_milvus, export_to_milvus
from ._sources import changed_sources, is_current

__all__ = [
    "BuildReport",
    "IndexStatus",
    "add_files",
    "build",
    "build_milvus",
    "changed_sources",
    "export_from_milvus",
    "export_to_milvus",
    "is_current",
    "remove_sources",
    "status",
]
