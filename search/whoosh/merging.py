"""Merge policy: fold each full tier of similar-sized small segments into one."""

from __future__ import annotations

from typing import Any

from whoosh.reading import SegmentReader

SEGMENTS_PER_TIER = 10
MAX_MERGE_TIER = 2


def _tier(doc_count: int) -> int:
    return len(str(max(doc_count, 1))) - 1  # 1-9 docs: tier 0, 10-99: tier 1, ...


def tiers_to_merge(counts: list[int]) -> set[int]:
    tiers: dict[int, int] = {}
    for count in counts:
        if _tier(count) <= MAX_MERGE_TIER:
            tiers[_tier(count)] = tiers.get(_tier(count), 0) + 1
    return {tier for tier, n in tiers.items() if n >= SEGMENTS_PER_TIER}


def merge_tiers(writer: Any, segments: list[Any]) -> list[Any]:
    """Merge policy: fold each full tier of similar-sized small segments into one."""
    full = tiers_to_merge([segment.doc_count_all() for segment in segments])
    kept = []
    for segment in segments:
        if _tier(segment.doc_count_all()) in full:
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
        else:
            kept.append(segment)
    return kept
