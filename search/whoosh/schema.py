"""What Whoosh stores for a post: the tokenizers, the schema and each post's field values."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from whoosh import columns as whoosh_columns
from whoosh import fields as whoosh_fields
from whoosh.analysis import Analyzer, Tokenizer
from whoosh.analysis import Token as WhooshToken

from search.analysis import stems, tokens
from search.documents import SearchDocument
from search.vocabulary import Vocabulary

TAGS_MARK = "\x1f"  # separates a post's text from its tags in the concepts field's value


class _Token(WhooshToken):
    """A Whoosh token that declares `original`, which Whoosh sets only when asked to keep it."""

    original: str


class ThawTokenizer(Tokenizer, Analyzer):
    """Feed Whoosh the stems search.analysis produces, so every index agrees on words.

    A tokenizer alone is a whole analyzer in Whoosh; the second base says so to the type
    checker, as whoosh3 types a field's analyzer as `Analyzer`.
    """

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[WhooshToken]:
        """Yield one Whoosh token per analysed word of value."""
        t = _Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            t.pos = start_pos
            t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        if chars:
            for token in tokens(value):
                t.text = token.stem
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = token.word
                t.pos = start_pos + token.pos
                t.startchar, t.endchar = start_char + token.start, start_char + token.end
                yield t
            return
        for pos, word_stem in enumerate(stems(value), start_pos):
            t.text = t.original = word_stem
            t.boost = 1.0
            t.stopped = False
            t.pos = pos
            yield t


class ConceptTokenizer(Tokenizer, Analyzer):
    """Turn a post's text into one token per concept it names ("Lioresal" -> baclofen).

    The vocabulary is pickled into the index's schema with this tokenizer, so each
    generation keeps the vocabulary it was built with; a new taxonomy needs a rebuild.
    """

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConceptTokenizer) and other.vocabulary is self.vocabulary

    def __hash__(self) -> int:
        return id(self.vocabulary)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[WhooshToken]:
        """Yield one token per concept mention in value (or value itself, untokenised).

        value is the post's text, then TAGS_MARK and its tag slugs: a post is about its tags
        too, whether or not its words name them.
        """
        t = _Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if tokenize:
            text, _, tags = value.rpartition(TAGS_MARK) if TAGS_MARK in value else (value, "", "")
            slugs = [*self.vocabulary.concepts_in(text), *tags.split()]
        else:
            slugs = [value]
        for pos, slug in enumerate(slugs, start_pos):
            t.text = t.original = slug
            t.boost = 1.0
            t.stopped = False
            t.pos = pos
            t.startchar, t.endchar = start_char, start_char
            yield t


def build_schema(vocabulary: Vocabulary) -> whoosh_fields.Schema:
    """Return the schema of one generation.

    Numbers that are only sorted on or read back (pk, created, helpful, version) are
    columns, not indexed terms: a NUMERIC field indexes a dozen trie terms per value, which
    made bulk indexing markedly slower. Effectiveness is a small rating, indexed as terms.
    """
    analyzer = ThawTokenizer()
    return whoosh_fields.Schema(
        id=whoosh_fields.ID(unique=True, stored=True),
        pk=whoosh_fields.COLUMN(whoosh_columns.NumericColumn("q")),
        thread=whoosh_fields.STORED(),
        kind=whoosh_fields.ID(stored=True),
        title=whoosh_fields.TEXT(analyzer=analyzer, phrase=True, stored=True),
        body=whoosh_fields.TEXT(analyzer=analyzer, phrase=True, stored=True),
        concepts=whoosh_fields.TEXT(analyzer=ConceptTokenizer(vocabulary), phrase=False),
        context=whoosh_fields.TEXT(analyzer=ConceptTokenizer(vocabulary), phrase=False),
        tags=whoosh_fields.KEYWORD(),
        treatment=whoosh_fields.ID(),
        effectiveness=whoosh_fields.ID(),
        author=whoosh_fields.ID(),
        created=whoosh_fields.COLUMN(whoosh_columns.NumericColumn("q")),
        helpful=whoosh_fields.COLUMN(whoosh_columns.NumericColumn("q")),
        visibility=whoosh_fields.ID(),
        source_id=whoosh_fields.ID(stored=True),
        version=whoosh_fields.COLUMN(whoosh_columns.VarBytesColumn()),
    )


def _timestamp(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def document_fields(doc: SearchDocument) -> dict[str, Any]:
    """Return the Whoosh field values for one post."""
    fields: dict[str, Any] = {
        "id": str(doc.id),
        "pk": doc.id,
        "thread": doc.thread_id,
        "kind": doc.kind,
        "title": doc.title,
        "body": doc.body,
        "concepts": f"{doc.title}\n{doc.body}{TAGS_MARK}{' '.join(doc.tags)}",
        "tags": " ".join(doc.tags),
        "author": doc.author,
        "created": _timestamp(doc.created_at),
        "helpful": int(doc.helpful),
        "visibility": doc.visibility,
        "version": doc.version.encode("utf-8"),
    }
    if doc.treatment:
        fields["treatment"] = doc.treatment
    if doc.effectiveness is not None:
        fields["effectiveness"] = str(int(doc.effectiveness))
    if doc.source_id:
        fields["source_id"] = doc.source_id
    if doc.context:
        fields["context"] = doc.context
    return fields


def doc_to_json(doc: SearchDocument) -> dict[str, Any]:
    data = {name: getattr(doc, name) for name in SearchDocument.__slots__}
    data["created_at"] = doc.created_at.isoformat()
    data["tags"] = list(doc.tags)
    return data


def doc_from_json(data: dict[str, Any]) -> SearchDocument:
    data = dict(data)
    data["created_at"] = datetime.fromisoformat(data["created_at"])
    data["tags"] = tuple(data["tags"])
    return SearchDocument(**data)
