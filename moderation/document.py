"""Read a post once: normalised text, quotations, sentences, clauses and drug mentions."""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from moderation.knowledge import Drug, Knowledge, knowledge
from moderation.patterns import by_opening_letter

# Same-length replacements only, so offsets into the normalised text are offsets into the post.
_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                       "\u2014": "-", "\u00a0": " ", "\u00d7": "x"})
# The "not after a word character" check comes after the quote mark, so the pattern opens with
# the marks themselves and the regex engine jumps to them.
_QUOTE = re.compile(r"(['\"])(?<!\w['\"])(?=\S)([^'\"\n]{1,160}?)(?<=\S)\1(?![\w])")
# [.!?]+(?=\s|$) | \n+ | ; | \s-\s | \s=\s, written to open with one character class that
# leaves out blanks: the regex engine then skips ahead to the few candidate characters. A dash
# match starts at the dash; _sentences moves its start back onto the blank before it.
_SENTENCE_END = re.compile(
    r"[.!?;\n=-](?:(?<=[.!?])[.!?]*(?=\s|$)|(?<=\n)\n*|(?<=;)|(?<=\s[-=])\s)"
)
_CLAUSE_END = re.compile(
    r",|:|\bbut\b|\bso\b|\band then\b|\bthen\b|\bbecause\b|\bcos\b|\bwhile\b|\bwhereas\b"
    r"|\band (?=(?:i|i'm|he|she|they|we|my|his|her|their)\b)"
)
_WORD = re.compile(r"[a-z0-9\u00b5]+(?:['-][a-z0-9]+)*")


@dataclass(frozen=True)
class Mention:
    """A drug named in the post."""

    drug: Drug
    start: int
    end: int
    negated: bool


@dataclass(frozen=True)
class Span:
    """A stretch of the post: a sentence or a clause."""

    start: int
    end: int


def fold(text: str) -> str:
    """Return the post lower-cased with typographic quotes and dashes made plain, same length."""
    folded = text.translate(_FOLD)
    lowered = folded.lower()
    if len(lowered) == len(folded):
        return lowered
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in folded)


_BLOCKQUOTE_LINE = re.compile(r"^ {0,3}>", re.MULTILINE)
_REPLY_WORD = re.compile(r"[a-z0-9'+%-]+")
_REPLY_REACH = 4  # words at the opening of a reply that may say how it takes the quotation


@cache
def _reply_cues() -> tuple[frozenset[str], frozenset[str]]:
    data = json.loads((Path(__file__).parent / "data" / "replies.json").read_text("utf-8"))
    return frozenset(data["agree"]), frozenset(data["disagree"])


def blockquote_spans(low: str) -> tuple[Span, ...]:
    """Return the Markdown block quotations of a post: "> " lines and their lazy continuations."""
    spans: list[Span] = []
    start = None
    pos = 0
    for line in low.split("\n"):
        end = pos + len(line)
        quoted = _BLOCKQUOTE_LINE.match(line) is not None
        if quoted and start is None:
            start = pos
        elif start is not None and not quoted and not line.strip():
            spans.append(Span(start, pos))
            start = None
        pos = end + 1
    if start is not None:
        spans.append(Span(start, len(low)))
    return tuple(spans)


def replies_agree(low: str, after: int) -> bool:
    """Tell whether the reply opening after a quotation takes it up rather than pushing back.

    The first few words decide: an agreement cue with no pushback among them agrees; a
    pushback cue, a question, or neither leaves the quotation someone else's words.
    """
    agree, disagree = _reply_cues()
    opening = low[after : after + 80].lstrip()
    first = re.split(r"(?<=[.!?])\s|\n", opening, maxsplit=1)[0]
    if "?" in first:
        return False  # a question about the quotation does not say it again
    words = _REPLY_WORD.findall(opening)[:_REPLY_REACH]
    cues = {*words, *(" ".join(words[i : i + 2]) for i in range(len(words) - 1))}
    return not cues & disagree and bool(cues & agree)


def _mask_quotes(low: str) -> tuple[str, tuple[Span, ...]]:
    spans = tuple(Span(m.start(2), m.end(2)) for m in _QUOTE.finditer(low))
    if not spans:
        return low, spans
    chars = list(low)
    for span in spans:
        chars[span.start : span.end] = " " * (span.end - span.start)
    return "".join(chars), spans


def _split(text: str, pattern: re.Pattern[str], start: int = 0, end: int | None = None
           ) -> tuple[Span, ...]:
    end = len(text) if end is None else end
    spans = []
    cursor = start
    for match in pattern.finditer(text, start, end):
        if match.start() > cursor and text[cursor : match.start()].strip():
            spans.append(Span(cursor, match.end()))
        cursor = match.end()
    if cursor < end and text[cursor:end].strip():
        spans.append(Span(cursor, end))
    return tuple(spans)


def _sentences(text: str) -> tuple[Span, ...]:
    """Split text as _split would with a pattern whose dash breaks open with the blank before."""
    spans = []
    cursor = 0
    breaks = _SENTENCE_END.finditer(text)
    while (match := next(breaks, None)) is not None:
        start = match.start()
        if text[start] in "-=":
            start -= 1
            if start < cursor:  # the previous break took the blank, so this is no break
                # The dash's match took the blank after it too; a line break there can
                # itself be a break, so the search goes on from it.
                if text[match.start() + 1] == "\n":
                    breaks = _SENTENCE_END.finditer(text, match.start() + 1)
                continue
        if start > cursor and text[cursor:start].strip():
            spans.append(Span(cursor, match.end()))
        cursor = match.end()
    if cursor < len(text) and text[cursor:].strip():
        spans.append(Span(cursor, len(text)))
    return tuple(spans)


_RIGHT_AFTER = re.compile(
    r"^\s*(?:(?:mg|mgs|mcg|units?|sprays?|x|s)\s*)?(?:(?:of|my|his|her|the|your)\s+)*$"
)
# A short post is about one thing; in a long one, stance cues count within two sentences of
# the medicine talk they qualify.
WHOLE_POST_SENTENCES = 8
FOCUS_REACH = 2
_MEDICINE_WORDS = re.compile(by_opening_letter(
    r"\b(?:meds|med|medication|medications|medicine|medicines|pills|pill|tablets|tablet|capsules?|"
    r"prescription|script|"
    r"dose|doses|pump|refill|refills|reservoir|catheter|itb|drugs)\b"
))
# Every match of _MEDICINE_WORDS holds one of these; most posts hold none and skip the pattern.
_MEDICINE_KEYS = ("med", "pill", "tablet", "capsule", "script", "dose", "pump", "refill",
                  "reservoir", "catheter", "itb", "drugs")
# How people speak of taking a medicine without naming it: its units, its forms (tablet,
# spray, patch, drops, jab, bolus), where it comes from (chemist, leaflet, prescription), its
# limits, a pump's controls, a strength by its number ("three of the tens") and taking or
# giving more of it ("take another", "give her a second one", "double up"), but not more of
# something named ("take another look", "have a few drinks"). A reply often names none of the
# medicines it is about. Only lets the model read a post (`Document.speaks_of_medicine`); the
# rules still read the stretches around a medicine or a `_MEDICINE_WORDS` word.
_DOSING_TALK = re.compile(
    r"\b(?:mgs?|mcg|\u00b5g|ug|mls?|milligrams?|micrograms?|millilit(?:re|er)s?|"
    r"sprays?|spraying|puffs?|patch(?:es)?|drops|syrup|solution|tabs|caps|gummies|edibles?|"
    r"jabs?|injections?|vials?|syringes?|bolus(?:es)?|"
    r"chemists?|pharmac(?:y|ies|ists?)|leaflets?|prescri(?:bed|ber|ption)s?|dosages?|dosing|"
    r"overdos(?:e|ed|ing)|sedatives?|painkillers?|relaxants?|max|maximum|limits?|"
    r"programmers?|handsets?|lockouts?|alarms?)\b"
    r"|\b(?:of|the) (?:\d+s|twos|fours|fives|tens|twenties|twenty-fives|fifties)\b"
    r"|\b(?:take|took|taking|have|had|pop|popped|add|added|give|gave|giving)"
    r"(?: (?:him|her|them|yourself|myself))? (?:an? )?(?:another|extra|more|double|second|"
    r"third|fourth|couple|few)(?: ones?| of (?:them|those|these|mine|yours|his|hers))?"
    r"(?=\s*(?:[.,;:!?)]|$|(?:when|if|at|before|after|and|or|on|in|with|then|too)\b))"
    r"|\bdoubl(?:e|ed|ing) (?:up|it|them|that)\b|\b(?:bump|bumped|top|topped) "
    r"(?:it|them|him|her|yours?|mine) up\b")
_NEXT_WORD = re.compile(r"\s+([a-z0-9\u00b5]+(?:['-][a-z0-9]+)*)")
_PREVIOUS_WORD = re.compile(r"([a-z']+)\W*$")


@cache
def _hit_pattern(words: frozenset[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    # The "not after a word character" check is done by the caller: a pattern that opens with
    # the words themselves lets the regex engine jump to them.
    return re.compile(rf"(?:{alternatives})(?![\w'-])")


def _after_non_word(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Yield what finditer would with (?<![\\w'-]) before the pattern, without its cost."""
    pos = 0
    while (match := pattern.search(text, pos)) is not None:
        start = match.start()
        if start and (text[start - 1].isalnum() or text[start - 1] in "_'-"):
            pos = start + 1
            continue
        yield match
        pos = match.end() if match.end() > start else start + 1


_NEGATORS = frozenset({"no", "not", "without", "never", "avoid", "avoiding", "off"})
# ASCII characters that never belong to a word: blanking them and splitting on whitespace gives
# every word that could open a drug name, several times faster than the word pattern.
_BLANK_NON_WORD = str.maketrans(
    {chr(c): " " for c in range(128) if not (chr(c).isalnum() or chr(c) in "_'-")}
)


def holds_any(text: str, keys: tuple[str, ...]) -> bool:
    """Tell whether the text holds any of the keys: a cheap test before a costly pattern."""
    # A plain loop: a generator expression costs more than the substring tests themselves.
    for key in keys:
        if key in text:
            return True
    return False


def _word_set(low: str) -> set[str]:
    """Return a superset of the words a drug name can start with at a word boundary."""
    if low.isascii():
        return set(low.translate(_BLANK_NON_WORD).split())
    return set(_WORD.findall(low))


class _Scan:
    """A pattern's matches found so far in a post, and the scan that finds the rest (None once
    it has found them all: they are then replayed from the list, with no generator)."""

    __slots__ = ("found", "rest")

    def __init__(self, rest: Iterator[re.Match[str]]) -> None:
        self.found: list[re.Match[str]] = []
        self.rest: Iterator[re.Match[str]] | None = rest


def _replay(scan: _Scan) -> Iterator[re.Match[str]]:
    """Yield the matches found so far, then go on scanning, keeping what is found."""
    found = scan.found
    index = 0
    while True:
        if index == len(found):
            match = next(scan.rest, None) if scan.rest is not None else None
            if match is None:
                scan.rest = None
                return
            found.append(match)
        yield found[index]
        index += 1


class Document:
    """A post prepared for the rules: every view of the text is computed at most once."""

    def __init__(self, text: str, kb: Knowledge | None = None) -> None:
        self.text = text
        self.kb = kb or knowledge()
        self.low = fold(text)
        self.masked, self.quotes = _mask_quotes(self.low)
        self.blockquotes: tuple[Span, ...] = ()
        self.agreed: tuple[Span, ...] = ()
        # By id: a compiled pattern hashes its whole text. Each entry: the matches found so far
        # and the scan that finds the rest, so a probe for the first match stays cheap.
        self._scanned: dict[int, _Scan] = {}
        self._clauses: dict[Span, tuple[Span, ...]] = {}  # the stance asks again and again
        if ">" in self.low:
            self._read_blockquotes()

    def _read_blockquotes(self) -> None:
        """Mask the Markdown quotations the reply does not agree with: someone else's words.

        A quotation the reply takes up ("this!", "+1", "same, do it") stays: the writer says
        it again. Quotations are always kept in `blockquotes`, the agreed ones in `agreed`.
        """
        blocks = []
        for block in blockquote_spans(self.low):
            blocks.append(block)
            if replies_agree(self.low, block.end):
                self.agreed = (*self.agreed, block)
                continue
            self.masked = (self.masked[: block.start] + " " * (block.end - block.start)
                           + self.masked[block.end :])
            self.quotes = (*self.quotes, block)
        self.blockquotes = tuple(blocks)

    @cached_property
    def sentences(self) -> tuple[Span, ...]:
        """Return the sentences of the post (quoted text does not end a sentence)."""
        return _sentences(self.masked)

    @cached_property
    def _sentence_starts(self) -> list[int]:
        return [span.start for span in self.sentences]

    def sentence_index(self, pos: int) -> int | None:
        """Return the index of the sentence holding a character offset (None between them)."""
        index = bisect_right(self._sentence_starts, pos) - 1
        if index >= 0 and pos < self.sentences[index].end:
            return index
        return None

    def sentence_at(self, pos: int) -> Span:
        """Return the sentence holding a character offset."""
        index = self.sentence_index(pos)
        return self.sentences[index] if index is not None else Span(0, len(self.text))

    def clauses(self, sentence: Span) -> tuple[Span, ...]:
        """Return the clauses of a sentence."""
        found = self._clauses.get(sentence)
        if found is None:
            found = self._clauses[sentence] = _split(self.masked, _CLAUSE_END, sentence.start,
                                                     sentence.end)
        return found

    def clause_at(self, pos: int) -> Span:
        """Return the clause holding a character offset."""
        for clause in self.clauses(self.sentence_at(pos)):
            if clause.start <= pos < clause.end:
                return clause
        return self.sentence_at(pos)

    @cached_property
    def words(self) -> tuple[tuple[str, int, int], ...]:
        """Return (word, start, end) for every word of the post."""
        return tuple((m.group(), m.start(), m.end()) for m in _WORD.finditer(self.low))

    @cached_property
    def mentions(self) -> tuple[Mention, ...]:
        """Return the drugs named in the post, longest name first at each position."""
        lengths = self.kb.name_lengths
        present = _word_set(self.low) & lengths.keys()
        if not present:
            return ()
        names = self.kb.names
        low = self.low
        found = []
        cursor = 0
        for match in _after_non_word(_hit_pattern(frozenset(present)), low):
            if match.start() < cursor:
                continue
            word = match.group()
            following = [word.removesuffix("'s")]
            end = match.end()
            ends = [end]
            for _ in range(lengths[word] - 1):
                nxt = _NEXT_WORD.match(low, ends[-1])
                if nxt is None:
                    break
                following.append(nxt.group(1))
                ends.append(nxt.end())
            for n in range(len(following), 0, -1):
                drug = names.get(tuple(following[:n]))
                if drug is not None:
                    before = _PREVIOUS_WORD.search(low, max(0, match.start() - 16), match.start())
                    negated = before is not None and before.group(1) in _NEGATORS
                    found.append(Mention(drug, match.start(), ends[n - 1], negated))
                    cursor = ends[n - 1]
                    break
        return tuple(found)

    @cached_property
    def medicines(self) -> tuple[Mention, ...]:
        """Return the mentions of medicines (not alcohol)."""
        return tuple(m for m in self.mentions if m.drug.kind == "medicine")

    def drug_before(self, pos: int, *, same_sentence: bool = False) -> Mention | None:
        """Return the nearest medicine named before an offset (or after it in the same sentence)."""
        sentence = self.sentence_at(pos)
        before = [m for m in self.medicines if m.end <= pos]
        in_sentence = [m for m in before if m.start >= sentence.start]
        if in_sentence:
            return in_sentence[-1]
        after = [m for m in self.medicines if m.start >= pos and m.start < sentence.end]
        if after:
            return after[0]
        if same_sentence:
            return None
        return before[-1] if before else None

    def mention_at(self, pos: int) -> Mention | None:
        """Return the drug named right after an offset ("two tizanidine", "600 units of botox")."""
        for mention in self.mentions:
            if mention.start >= pos:
                gap = self.masked[pos : mention.start]
                return mention if _RIGHT_AFTER.match(gap) else None
        return None

    @cached_property
    def medicine_words(self) -> tuple[int, ...]:
        """Return where the post speaks of medication, doses or a pump ("meds", "dose")."""
        if not holds_any(self.low, _MEDICINE_KEYS):
            return ()
        return tuple(m.start() for m in _MEDICINE_WORDS.finditer(self.low))

    @cached_property
    def speaks_of_medicine(self) -> bool:
        """Tell whether the post names a medicine, speaks of medication, doses or a pump, or
        of taking one without naming it ("give her another one", "three of the tens")."""
        return (bool(self.mentions) or bool(self.medicine_words)
                or _DOSING_TALK.search(self.low) is not None)

    @cached_property
    def focus(self) -> tuple[Span, ...]:
        """Return the stretches that talk about medicines: their sentences and the neighbours.

        Stance and act cues are looked for only here, which keeps long posts fast.
        """
        if not self.mentions and not self.medicine_words:
            return ()
        sentences = self.sentences
        if len(sentences) <= WHOLE_POST_SENTENCES:
            return (Span(0, len(self.text)),)
        marks = [m.start for m in self.mentions]
        marks.extend(self.medicine_words)
        wanted: set[int] = set()
        for pos in marks:
            index = self.sentence_index(pos)
            if index is not None:
                wanted.update(range(index - FOCUS_REACH, index + FOCUS_REACH + 1))
        spans: list[Span] = []
        for index in sorted(i for i in wanted if 0 <= i < len(sentences)):
            sentence = sentences[index]
            if spans and sentence.start <= spans[-1].end + 1:
                spans[-1] = Span(spans[-1].start, sentence.end)
            else:
                spans.append(Span(sentence.start, sentence.end))
        return tuple(spans)

    def scan(self, pattern: re.Pattern[str], keys: tuple[str, ...] = ()
             ) -> Iterator[re.Match[str]]:
        """Yield the matches of a pattern in the quote-masked text of the focus stretches.

        :param keys: substrings one of which every match holds (a cheap test that skips the
            stretches holding none); without any, every stretch is scanned. A pattern is scanned
            once per post: the rules and the model's cues read the same acts.
        """
        entry = self._scanned.get(id(pattern))
        if entry is None:  # the patterns are the modules' constants, so their ids stay theirs
            entry = self._scanned[id(pattern)] = _Scan(self._scan(pattern, keys))
        if entry.rest is None:
            return iter(entry.found)
        return _replay(entry)

    def _scan(self, pattern: re.Pattern[str], keys: tuple[str, ...]) -> Iterator[re.Match[str]]:
        masked = self.masked
        for span in self.focus:
            # A match lies within its stretch, so a stretch without a key holds none; the
            # stretches are shorter than the post, so this also tests fewer characters (copying
            # the stretch once costs less than a bounded find for every key).
            if keys and not holds_any(masked[span.start : span.end], keys):
                continue
            yield from pattern.finditer(masked, span.start, span.end)

    def in_quote(self, pos: int) -> bool:
        """Tell whether an offset lies inside quoted text."""
        return any(q.start <= pos < q.end for q in self.quotes)
