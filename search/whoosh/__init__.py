"""The Whoosh index, one concern a module; the only package of search that imports whoosh.

index       generations in a directory: searching, writing, rebuilding, swapping
schema      tokenizers, schema and a post's field values
searcher    a searcher on the latest commit, with its per-segment caches
backend     the query primitives search.execution needs, over one searcher
building    filling a generation, in helper processes for large rebuilds
merging     the merge policy for small segments
internals   every use of Whoosh's private internals, checked by internals.check()
"""

from __future__ import annotations

from search.whoosh.index import WhooshIndex

__all__ = ["WhooshIndex"]
