"""Turn what a member typed into a plan of clauses that any index can evaluate.

Member text is never handed to a query parser: words, "quoted phrases" and -exclusions are
read here, and everything else (colons, stars, AND/OR/NOT, stray quotes) is just text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from search.analysis import Token, clean_text, tokens
from search.documents import KINDS, MAX_PER_PAGE, SORTS, SearchQuery
from search.errors import QueryError
from search.vocabulary import Vocabulary

MAX_QUERY_CHARS = 200
MAX_CLAUSES = 16
MAX_PAGE = 1000

# Words members wrap around what they mean ("does cbd help cramps", "has anyone else found
# that ..."): question words, pronouns, auxiliaries and verbs of asking. They rank results
# but no post has to contain them.
FILLER_WORDS = frozenset(
    """about actually advice after again also am any anybody anyone anything around best
    been being better can cant could did didnt do does doesnt doing done else ever
    everyone experience experiences feel find finding finds found get gets getting give
    going good got had having he help helped helpful helping helps her here his how idea
    ideas into just know like lot lots make makes making many may me might more most
    much must need needs normal ok okay onto other others our people please question
    questions really recommend should some someone something still suggestion
    suggestions take takes taking tell than thank thanks their them then there these
    they thing things think those tip tips tried tries try trying us use used uses using
    usual usually very want wanted way we well went what whats when where whether which
    while who why will wonder wondered wondering work worked working works would you
    your
    not""".split()
)

WEAK_BOOST = 0.5
GROUP_BOOST = 0.6
FUZZY_BOOST = 0.8
FUZZY_MAX_DF = 2

_CHUNK = re.compile(r'(-?)"([^"]*)("?)|(\S+)')
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'})


@dataclass(frozen=True, slots=True)
class Clause:
    """Posts match when they contain all words (adjacent, if a phrase) or any concept.

    alternates are single stems (a likely correct spelling) that match too, at their weight;
    family holds the search-only word family of the words ("hot" for "heat") with relative
    weights, matching at ranking.FAMILY_WEIGHT times those of the words' weight; a member of
    several words (stems joined by spaces) matches where they stand together, in order.
    """

    words: tuple[str, ...]
    phrase: bool = False
    concepts: tuple[tuple[str, float], ...] = ()
    typed: str = ""
    alternates: tuple[tuple[str, float], ...] = ()
    broad: bool = False  # names a group of concepts ("side effects"), not one
    family: tuple[tuple[str, float], ...] = ()
    hint_for: int | None = None  # a concept hint: counts only where this should clause matched
    synonym: bool = False  # the words misspell the concept's name: they score as the concept


@dataclass(frozen=True, slots=True)
class Plan:
    """A parsed query.

    required clauses (quoted words and phrases) every hit needs; should clauses (the member's
    concepts) are each optional but a hit needs enough of them and ranks higher with more;
    optional clauses (filler words) only rank; excluded clauses remove posts.
    """

    text: str
    required: tuple[Clause, ...]
    optional: tuple[Clause, ...]
    excluded: tuple[Clause, ...]
    corrections: tuple[tuple[str, str], ...]
    notice: str | None
    should: tuple[Clause, ...] = ()
    loose: bool = False

    @property
    def has_terms(self) -> bool:
        """Return whether any clause can match or rank a post."""
        return bool(self.required or self.should or self.optional)

    @property
    def scored(self) -> tuple[Clause, ...]:
        """Return every clause that can raise a post's score."""
        return self.required + self.should + self.optional

    @property
    def highlight_stems(self) -> frozenset[str]:
        """Return the stems to mark in titles and snippets."""
        return frozenset(
            [w for c in self.scored for w in c.words]
            + [w for c in self.scored for w, _ in c.alternates]
            + [w for c in self.scored for member, _ in c.family for w in member.split()]
        )

    @property
    def highlight_concepts(self) -> frozenset[str]:
        """Return the concept slugs whose phrases should be marked."""
        return frozenset(slug for c in self.scored for slug, _ in c.concepts)

    def minimum_should_match(self) -> int:
        """Return how many should clauses a hit needs when clauses are counted, not weighed.

        Up to ranking.MASS_CLAUSES clauses are weighed by idf instead; beyond, half of them.
        A loosened plan needs one.
        """
        n = len(self.should)
        if self.loose:
            return min(n, 1)
        return (n + 1) // 2

    def loosened(self) -> Plan:
        """Return the plan where one should clause is enough (posts matching some words)."""
        return replace(self, loose=True)


def normalise(query: SearchQuery) -> SearchQuery:
    """Return query with page and per_page clamped, or raise QueryError for bad filters."""
    if not isinstance(query.text, str):
        raise QueryError("Search text must be text.")
    if query.sort not in SORTS:
        raise QueryError(f"Results can be sorted by {', '.join(SORTS)}, not {query.sort!r}.")
    if query.kind is not None and query.kind not in KINDS:
        raise QueryError(f"Posts are questions, experiences or answers, not {query.kind!r}.")
    try:
        page = min(max(int(query.page), 1), MAX_PAGE)
        per_page = min(max(int(query.per_page), 1), MAX_PER_PAGE)
        effectiveness = None if query.min_effectiveness is None else int(query.min_effectiveness)
        most = None if query.max_effectiveness is None else int(query.max_effectiveness)
        tags = tuple(str(tag) for tag in query.tags)
    except (TypeError, ValueError) as exc:
        raise QueryError("The page or filter in this search is not a number.") from exc
    return replace(query, page=page, per_page=per_page, min_effectiveness=effectiveness,
                   max_effectiveness=most, tags=tags)


def parse(text: str, vocabulary: Vocabulary, doc_frequency: Callable[[str], int]) -> Plan:
    """Read a member's search text into a Plan.

    :param doc_frequency: how many posts contain a stem; rare words get fuzzy alternatives.
    """
    text = clean_text(text).translate(_QUOTES).strip()
    notice = None
    if len(text) > MAX_QUERY_CHARS:
        cut = text.rfind(" ", 0, MAX_QUERY_CHARS + 1)
        text = text[: cut if cut > MAX_QUERY_CHARS // 2 else MAX_QUERY_CHARS].rstrip()
        notice = f"Your search was shortened to its first {MAX_QUERY_CHARS} characters."

    stream: list[tuple[Token, str]] = []
    phrases: list[Clause] = []
    excluded: list[Clause] = []
    for match in _CHUNK.finditer(text):
        negative, quoted, closed, bare = match.groups()
        if bare is not None:
            negative = "-" if bare.startswith("-") and len(bare) > 1 else ""
            chunk = bare.lstrip("-") if negative else bare
        else:
            chunk = quoted
        found = list(tokens(chunk))
        if not found:
            continue
        exact = bare is None and closed == '"'
        if negative:
            excluded.append(_exclusion(found, vocabulary, chunk))
        elif exact and len(found) > 1:
            phrases.append(Clause(tuple(t.stem for t in found), phrase=True, typed=chunk))
        elif exact:
            phrases.append(Clause((found[0].stem,), typed=chunk[found[0].start : found[0].end]))
        else:
            stream.extend((token, chunk[token.start : token.end]) for token in found)

    should, optional, corrections = _read_words(stream, vocabulary, doc_frequency)
    required = phrases
    if len(required) + len(should) + len(optional) + len(excluded) > MAX_CLAUSES:
        notice = f"Your search was shortened to its first {MAX_CLAUSES} words."
        required = required[:MAX_CLAUSES]
        should = should[: max(0, MAX_CLAUSES - len(required))]
        optional = optional[: max(0, MAX_CLAUSES - len(required) - len(should))]
        excluded = excluded[: max(0, MAX_CLAUSES - len(required) - len(should) - len(optional))]
    return Plan(text, tuple(required), tuple(optional), tuple(excluded), tuple(corrections),
                notice, tuple(should))


def _exclusion(found: list[Token], vocabulary: Vocabulary, chunk: str) -> Clause:
    words = tuple(t.stem for t in found)
    matches = vocabulary.match(words)
    concepts: tuple[tuple[str, float], ...] = ()
    if len(matches) == 1 and matches[0].start == 0 and matches[0].end == len(words):
        concepts = ((matches[0].slug, 1.0),)
    return Clause(words, phrase=len(words) > 1, concepts=concepts, typed=chunk)


def _read_words(
    stream: list[tuple[Token, str]],
    vocabulary: Vocabulary,
    doc_frequency: Callable[[str], int],
) -> tuple[list[Clause], list[Clause], list[tuple[str, str]]]:
    """Return the should clauses (one per concept or word), the filler clauses and fixes."""
    words = [token.stem for token, _ in stream]
    spans = {m.start: m for m in vocabulary.match(words, slop=1, include_weak=True)}
    should: list[Clause] = []
    optional: list[Clause] = []
    corrections: list[tuple[str, str]] = []
    i = 0
    while i < len(stream):
        token, typed = stream[i]
        group = vocabulary.group(words, i)
        if group is not None:
            end, slugs, family = group
            clause_words = tuple(dict.fromkeys(t.stem for t, _ in stream[i:end]))
            typed_span = " ".join(s for _, s in stream[i:end])
            concepts = tuple((slug, GROUP_BOOST) for slug in slugs)
            should.append(Clause(clause_words, concepts=concepts, typed=typed_span, broad=True,
                                 family=family))
            i = end
            continue
        span = spans.get(i)
        phrase_end = vocabulary.family_phrase(words, i) if span is None else None
        if phrase_end is not None:
            # A phrase with a search-only family ("wearing off", "dry mouth"): one clause.
            key = words[i:phrase_end]
            should.append(Clause(tuple(key), phrase=True,
                                 typed=" ".join(s for _, s in stream[i:phrase_end]),
                                 family=vocabulary.family(" ".join(key))))
            i = phrase_end
            continue
        if span is not None:
            members = [t for t, _ in stream[span.start : span.end] if t.word not in FILLER_WORDS]
            clause_words = tuple(dict.fromkeys(t.stem for t in members)) or (token.stem,)
            typed_span = " ".join(s for _, s in stream[span.start : span.end])
            family = vocabulary.family(" ".join(clause_words))
            if span.weak:
                # An ambiguous synonym ("stiff", "pt") stands for its concept at a lower
                # weight, and posts with the word (or its family) about the concept rank
                # higher. A word for one thing a broad tag lumps ("heat" for triggers) only
                # hints at the tag, where the word is.
                loose = () if vocabulary.is_broad(span.slug) else ((span.slug, WEAK_BOOST),)
                should.append(Clause(clause_words, typed=typed_span, family=family,
                                     concepts=loose))
                optional.append(Clause((), concepts=((span.slug, WEAK_BOOST),),
                                       hint_for=len(should) - 1))
            else:
                concepts = ((span.slug, 1.0),)
                # A misspelling means the concept: its rarity must not rank posts spelled the
                # same wrong way above posts spelling the name right.
                synonym = len(clause_words) == 1 and vocabulary.is_misspelling(clause_words[0])
                should.append(Clause(clause_words, concepts=concepts, typed=typed_span,
                                     family=family, synonym=synonym))
            i = span.end
            continue
        i += 1
        if token.word in FILLER_WORDS:
            optional.append(Clause((token.stem,), typed=typed))
            continue
        concepts = ()
        if (
            len(token.word) >= 5
            and not vocabulary.is_known(token.stem)
            and doc_frequency(token.stem) <= FUZZY_MAX_DF
        ):
            guess = vocabulary.fuzzy(token.word)
            if guess is not None:
                concepts = ((guess[0], FUZZY_BOOST),)
                corrections.append((typed, guess[1]))
        # A guessed misspelling, like a listed one, scores as its concept (see above).
        should.append(Clause((token.stem,), concepts=concepts, typed=typed,
                             family=vocabulary.family(token.stem), synonym=bool(concepts)))
    if not should and optional:
        # A search made only of filler words ("how") still has to find something.
        should, optional = optional, []
    return should, optional, corrections


def _literally(text: str) -> Callable[[re.Match[str]], str]:
    """Return a re.sub replacement that inserts text as it is (backslashes stay backslashes)."""
    return lambda _match: text


def suggestion(plan: Plan, correct: Callable[[Clause], str | None]) -> str | None:
    """Return the query with misspelled words replaced, or None when nothing was corrected.

    :param correct: returns a better spelling for a single-word clause, or None.
    """
    fixes = dict(plan.corrections)
    for clause in plan.required + plan.should:
        if len(clause.words) == 1 and not clause.phrase and clause.typed not in fixes:
            better = correct(clause)
            if better and better != clause.typed.lower():
                fixes[clause.typed] = better
    if not fixes:
        return None
    text = plan.text
    for typed, better in fixes.items():
        pattern = rf"(?<!\w){re.escape(typed)}(?!\w)"
        text = re.sub(pattern, _literally(better), text, count=1)
    return text if text != plan.text else None
