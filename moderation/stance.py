"""Tell advice from report, question and warning: the roles sentences play in a post."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from moderation.document import _WORD, Document, Span
from moderation.patterns import by_opening_letter

PRESCRIBER = (
    r"(?:neuro(?:logist)?s?|doctors?|docs?|dr|gps?|consultants?|(?:ms |pump |specialist )?"
    r"nurses?|pharmacists?|prescribers?|specialists?|clinic|pain team|(?:pump |rehab |neuro )?"
    r"team|rehab|physicians?|surgeons?|spinal unit|psychiatrist|registrar|prescription)"
)
_CLINICIAN = PRESCRIBER.replace("|prescription)", ")")
_ATTRIBUTION = re.compile(by_opening_letter(
    rf"\b{_CLINICIAN}(?:'s)?\b[^.!?]{{0,40}}?\b(?:has|have|had|having) (?:me|him|her|them|us)"
    r"|\b" + _CLINICIAN + r"(?:'s)?\b[^.!?]{0,30}?\b(?:put|started|prescribed|upped|raised|"
    r"increased|lowered|reduced|wants?|wanted|told|said|says|agreed|okayed|approved|advised|"
    r"recommended|suggested|lets?|allows?|allowed|changed|tweaks?|set|sets|plan|rule|orders?|"
    r"gave|give|switched|moved|titrat\w+|stopped|took me off|weaned|tapered|uses|did|does)\b"
    r"|\b(?:per|prescribed by|on the advice of|under|with|w/?|by|from) (?:my |the |our )?"
    rf"{_CLINICIAN}\b|"
    r"\bprescribed\b|\bunder (?:close |medical )?supervision\b|\bas directed\b"
))
_QUESTION_START = re.compile(
    r"\s*(?:(?:so|and|but|also|hi|hey|help|question)\W+)?(?:(?:is|are|does|do|did|can|could|"
    r"should|would|will|has|have|shall)\s+(?:i|it|anyone|anybody|someone|this|that|there|my|"
    r"your|you|he|she|we|they|the|a|an|one|people)\b|(?:how|what|why|when|where|which|who)(?:'s|"
    r"\s+(?:do|does|did|is|are|can|could|should|would|will|much|many|long|often|happens|counts))"
    r"\b|anyone know|has anyone|wondering|i wonder|any advice|any tips)"
)
_RHETORICAL = re.compile(r"\b\w+ who\?")
_TOLD_TO = re.compile(r"\b(?:told|tell|telling|advised|got) (?:my|his|her|him|them)\b.{0,30}\bto"
                      r" (?:take|stop|add|double|go|up)\b")
_IMPERATIVE = frozenset(
    "take add double triple stop drop quit ditch chuck skip go try keep tell drive switch order "
    "ask top bump up have use mix combine cut push crank split crush buy get message dm pm grab "
    "pop swap borrow share ignore let forget hide carry come jump start increase raise bring "
    "throw knock put dont don't never avoid wait check call stick pack say be stay ramp crank "
    "trade sell send post stack".split()
)
_FILLER = frozenset(
    "just so then and simply honestly seriously really also plus or but guys folks lol tbh "
    "newbie hey hi ok okay yeah please always everyone everybody yall y'all".split()
)
_SECOND_PERSON = re.compile(by_opening_letter(
    r"\b(?:you|your|you're|youre|you'll|u|ya|y'all|yourself|ur|urs|yours|urself|ure|"
    r"anyone can|everyone should|"
    r"anyone else should|do (?:the same|likewise)|newbies?|hey newbie)\b"
))
_MODAL = re.compile(
    r"\b(?:should|shd|can|could|need to|needs to|have to|must|just|try|gotta|'ll|will|might as "
    r"well|are better off|(?:don't|do not|doesn't) (?:need|have to))\b"
)
_WARN_IMPERATIVE = re.compile(by_opening_letter(
    r"\b(?:please )?(?:don't|do not|never|dont|avoid|stop)\s+(?:ever\s+)?(?:\w+ ){0,2}?"
    r"(?:take|taking|stop|stopping|mix|mixing|go|do|buy|buying|share|sharing|ignore|skip|drink|"
    r"drinking|double|exceed|crush|crushing|try|trying|combine|combining|convert|assume|let|"
    r"touch|come off|quit|drop|increase|up|raise|self|order|borrow|give|drive|fiddle|mess)\b"
))
WARNING = re.compile(by_opening_letter(
    r"\b(?:dangerous|danger|risky|not worth|isn't worth|for a (?:good )?reason|glad (?:i|"
    r"we) (?:didn't|never|did not)|learn(?:ed|t) (?:my|the hard)|lesson|scary|scared|terrified|"
    r"warn\w*|careful|be safe|"
    r"safely|check with|(?:talk|speak|chat) to your|ask (?:your|the|a) (?:\w+ )?" + PRESCRIBER +
    r"|(?:call|ring|phone|contact) (?:your|the|111|999|911)|stick to|know the (?:signs|symptoms)|"
    r"say no|"
    r"illegal|reported (?:it|them|"
    r"him|her)|too (?:much|hard|strong)|way too|made me (?:faint|collapse|pass out|so ill|sick|"
    r"ill)|tempted|regret\w*|(?:big|huge|my|a|was a) mistake|bad idea|not a (?:good|great|smart|"
    r"wise) idea|"
    r"(?:don't|do not) (?:be|do) (?:like|what) (?:me|i did)|properly|slowly|gradually|"
    r"under supervision|never again|end(?:ed)? up (?:in|at|on)|"
    r"seizure|seizures|"
    r"emergency|overdos\w+|please|don't risk|withdrawals? (?:is|are|was) (?:real|brutal|no joke)|"
    r"not safe|unsafe|harm|fatal|"
    r"died|death|breathing problems|stopped breathing|rebound|from strangers|(?:told|tells|"
    r"telling) (?:me|us) off|"
    r"reputable|"
    # What came of it, told as a caution: a fall, a fracture, breathing that slowed, nobody
    # able to wake him, the ambulance, resus or intensive care.
    r"ambulance|paramedics?|resus|intensive care|hospitali[sz]ed|(?:rushed|taken|carted|"
    r"blue[- ]lighted|admitted|sent) (?:off )?(?:to|into|in) (?:a ?& ?e|hospital|the er|icu)|"
    r"(?:couldn't|could not|can't) (?:wake|rouse|breathe)|(?:broke|broken|fractured) (?:my|his|"
    r"her|their|a|both) \w+|(?:fell|keeled|went) (?:over|down)|(?:a|bad|nasty) fall|"
    r"slow(?:ed|s)? (?:down )?(?:your |his |her |my |their |the )?breathing|breathing (?:was|"
    r"went|got) (?:slow|shallow)|passed out|blacked out|collapsed|relapsed?|think twice|"
    r"so (?:that )?(?:nobody|no one|you) (?:else )?(?:don't |doesn't |won't )?"
    r"(?:copies|copy|does|do|makes?|learns?|ends? up)|"
    # Things that must not go together, and medicine that is not what it says.
    r"(?:don't|do not|doesn't|does not|never) mix|mustn't|must not|counterfeit|fakes?|"
    r"not touching)\b"
))
ENDORSE = re.compile(by_opening_letter(
    r"(?:\b\d+% recommend|\bhighly recommend|\bi recommend|\brecommend(?:ed)? it|\bwould "
    r"recommend|\btry it\b|\btry this\b|\bgive (?:it|them|this) a (?:go|try|whirl)|\bdo it\b|"
    r"\bdo (?:the same|likewise)|\bworks"
    r" (?:every time|a treat|wonders)|\bbest (?:\w+ ){0,2}(?:night|nights|sleep|combo|thing|"
    r"decision|trick|way|in ages|in months|in years)\b|\bno (?:issues|problems|side effects|"
    r"regrets)\b|\ball good\b|\bfelt fine\b|\bfeel fine\b|\bfeels great\b|\btotally (?:fine|"
    r"manageable|safe)|\b(?:it's|its|is|was) fine\b|\bbut managing\b|\bmanageable\b|\beasier "
    r"than\b|\bway easier\b|\banyone can\b|\bso can (?:i|you)\b|\bmore is (?:\w+ )?better\b|"
    r"\bthe (?:trick|secret|key) is\b|\b(?:pro )?tip\b|\bhack\b|\bfor max(?:imum)? effect\b|"
    r"\bout cold\b|"
    r"\bknocks? (?:me |you |it )?out\b|\bknocked out\b|\bout in \d+|\bhit like\b|\bnever (?:looked|"
    r"looking)"
    r" back\b|\bworks (?:for|4) (?:me|us)\b|\bi'll cope\b|\bclean break\b|\bworth it\b|"
    r"\bsaves? (?:the|a|"
    r"you) \w+|\btrifecta\b|\bwho\?|\bbounce back\b|\bthat's how i\b|\bmy own (?:system|method|"
    r"routine|schedule)\b|"
    r"\bgame changer\b|"
    r"\b(?:is|was|it's|its) (?:way |much |so |far )?easier\b|\bnothing happened\b|"
    r"\bnever happened\b|\bslept (?:the whole|like)\b|"
    r"\bcan't overdose\b|\bjust ask\b|\bkeep (?:any|some|a few)\b|\b(?:10|11|100)/10\b|"
    r"\b(?:highly |fully |totally |strongly |def(?:initely)? |100% )?recommend(?:ed)?(?= *(?:[.!"
    r"]|$))|\bhits? different\b|\blife ?saver\b|\bswear by\b|\bworks like a charm\b|"
    r"\bchang(?:ed|es) my life\b)"
))
_GUIDANCE = (
    r"(?:max(?:imum)?|label|limit|cap|doses?|dose thing|titration|taper(?:ing)?|wean(?:ing)?|"
    r"warnings?|leaflet|guidance|guidelines|rules|advice|dmts?|starter pack|schedule|plan|"
    r"instructions|side effects)"
)
_DISMISSIVE = (
    r"(?:over[- ]?cautious|overrated|over-rated|fearmongering|fear mongering|scaremongering|"
    r"nanny\w*|a scam|scams|(?:written|made) (?:by|for) (?:lawyers|solicitors)|(?:just )?marketing|"
    r"a joke|for (?:lightweights|wimps|amateurs|normies|noobs|newbs|the faint[- ]hearted)|"
    r"(?:more|just|only|merely) (?:of )?a (?:guideline|suggestion)|"
    r"pointless|nonsense|rubbish|bs|bollocks|a waste of time|unnecessary|overkill|"
    r"(?:them|people) covering themselves|covering themselves|just (?:drags?|dragging)|"
    # The warning is someone else's problem: overblown, or meant for other people.
    r"overblown|over-?hyped|blown out of proportion|(?:because of|for|about) (?:the |their )?"
    r"liability|liability reasons|(?:aimed at|meant for|written for|"
    r"made for) (?:\w+ ){0,2}(?:people|drinkers|users|folk|grannies|lightweights|beginners))"
)
DISMISS = re.compile(by_opening_letter(
    r"\b(?:screw|forget|sod|ignore|bin|stuff|never mind|bugger) (?:the |all the |your )?"
    rf"{_GUIDANCE}\b"
    rf"|\b(?:they|doctors|docs|gps|neuros|nurses) fuss\w*|\btoo (?:cautious|careful)\b"
    rf"|\b{_GUIDANCE}\b[^.!?]{{0,25}}?\b{_DISMISSIVE}"
    rf"|\b{_DISMISSIVE}\b"
    r"|\bdoesn't count\b|\bcan't overdose\b|\bnot addictive\b|\bno (?:need|reason) to (?:wean|"
    r"taper|ask|"
    r"clear|wait|check|tell|see|bother|go back|come down)|\bno point (?:in )?(?:tapering|weaning|"
    r"going back|asking|waiting|dragging)|\b(?:didn't|don't|did not|do not) see (?:the|"
    r"any) point\b|\bdon't bother\b|\b(?:couldn't|can't) be"
    r" (?:bothered|arsed)\b|\bcan't be bothered\b|\bdidn't bother\b|"
    r"\b(?:doesn't|doesnt|don't|dont|never|do not|does not) (?:read|follow|care about|go by|"
    r"listen to|stick to|pay attention to|bother with) (?:the |a |that |your |ur |their )?(?:"
    r"label|bottle|leaflet|max|maximum|limit|rules|instructions|guidelines|directions)\b|"
    rf"\b(?:don't|dont|do not|never) let (?:your |ur |the |a |them )?(?:{PRESCRIBER} )?(?:cap|"
    r"limit|hold) (?:you|u|ya|yourself)\b|"
    r"\b(?:don't|dont|do not|never) let (?:\w+ ){1,3}(?:scare|worry|fool|put) (?:you|u|ya)\b|"
    r"\bdon't wait (?:for|on) (?:permission|them|the|your|my|a)\b|\bwhy wait\b|\bwithout "
    r"waiting\b|\b(?:don't|do not) let (?:them|em)\b|\b(?:they|doc|neuro|gp) (?:doesn't|"
    r"don't|dont) (?:need|needs) to know\b|\b(?:nobody|no one) needs? to know\b|"
    r"\bdon't tell (?:them|your|the|anyone)\b|\bnot telling (?:my|the|"
    r"your|them)\b|\bwithout telling\b|\bwithout asking\b|\btell (?:your|the) \w+ after\b|"
    r"\bquietly\b|\bthey'd only\b|\bthey'll only\b|\bself[- ]managed\b|\bself[- ]medicat\w*|"
    r"\bwhenever you (?:like|want|feel)\b|\bmakes (?:zero|no) difference\b|\brather than (?:adding|"
    r"add)\b|"
    r"\bon (?:my|our) own\b|\bmyself\b|\bno need for (?:a |the )?(?:doctor|gp|neuro|prescription|"
    r"script)|"
    r"\bdoctors? (?:don't|dont) know\b|\bwho needs\b|\bnobody counts\b|\bno one counts\b"
))
DEFY = re.compile(by_opening_letter(
    rf"\b{PRESCRIBER}\b[^.!?]{{0,60}}?\b(?:but i|but i've|but i'm|but that|instead i|rather than"
    r"|(?:and )?(?:i've|i have|i) said no)\b"
    r"|\b(?:instead of|rather than|ignor\w+|(?:couldn't|can't) be (?:bothered|arsed) with|skip\w*|"
    r"without|refused|"
    r"refusing) (?:the |my |her |his |their |a )?(?:\d+ \w+ )?(?:wean|taper|plan|titration|"
    r"schedule|advice|starter pack|starter)\b"
    r"|\b(?:i've|i have|i) (?:said no|refused|declined)\b"
))
# Every match of DEFY holds one of these (the end of each of its three forms).
DEFY_KEYS = ("but ", "instead i", "rather than", "said no", "refused", "declined", "wean", "taper",
             "plan", "titration", "schedule", "advice", "starter")
# Rejecting what someone else advises: the act that follows is theirs, turned down.
_REBUTTAL = re.compile(
    r"\b(?:ignore|disregard|(?:don't|dont|do not|never) (?:listen to|believe|follow)) (?:the |that "
    r"|this |those |any |anyone |anybody |whoever |people |someone )?(?:\w+ )?(?:\w+ )?(?:saying|"
    r"says|said|who (?:says|said|tells|told|suggests|suggested)|telling|suggesting|"
    r"recommending)\b"
)
_ALONGSIDE = re.compile(r"\b(?:with|w/?|alongside|together with) (?:my |the |our |her |his )?$")
_CONTRAST = re.compile(r"\b(?:but|because|cos|though|although|instead|whereas|while)\b")
NEGATION = re.compile(by_opening_letter(
    r"\b(?:don't|dont|do not|never|not|no|didn't|won't|wouldn't|shouldn't|can't|cannot|avoid|"
    r"without|stop|refuse|instead of)\b[^.!?,]{0,20}$"
))


# How many sentences after an act may tell what came of it.
_AFTER_ACT = 2


@dataclass(frozen=True)
class Hit:
    """A cue found in the post."""

    name: str
    start: int
    end: int


def _hits(name: str, pattern: re.Pattern[str], doc: Document, keys: tuple[str, ...] = ()
          ) -> tuple[Hit, ...]:
    return tuple(Hit(name, m.start(), m.end()) for m in doc.scan(pattern, keys))


class Stance:
    """The cues of a post that decide whether an unsafe act is recommended or warned against."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        # Sentence by sentence: the rules and the model's frames ask about the same ones.
        self._questions: dict[Span, bool] = {}
        self._advice: dict[Span, bool] = {}

    @cached_property
    def endorsements(self) -> tuple[Hit, ...]:
        """Return the places where the post approves of what it describes."""
        return _hits("endorse", ENDORSE, self.doc)

    @cached_property
    def dismissals(self) -> tuple[Hit, ...]:
        """Return the places where the post waves away medical guidance or the prescriber."""
        return _hits("dismiss", DISMISS, self.doc)

    @cached_property
    def defiance(self) -> tuple[Hit, ...]:
        """Return the places where the writer goes against a prescriber's plan."""
        masked = self.doc.masked
        # What you do with your prescriber ("came off it w/ my gp, but I did it") defies nobody.
        return tuple(h for h in _hits("defy", DEFY, self.doc, DEFY_KEYS)
                     if _ALONGSIDE.search(masked, max(0, h.start - 16), h.start) is None)

    @cached_property
    def warnings(self) -> tuple[Hit, ...]:
        """Return the places where the post warns or urges caution."""
        found = list(_hits("warn", WARNING, self.doc))
        found.extend(_hits("warn", _WARN_IMPERATIVE, self.doc))
        return tuple(found)

    @cached_property
    def support(self) -> int:
        """Return how strongly the post approves of unsafe practice, summed over its cues."""
        return len(self.endorsements) + 2 * len(self.dismissals) + 2 * len(self.defiance)

    def is_question(self, sentence: Span) -> bool:
        """Tell whether a sentence asks something."""
        asked = self._questions.get(sentence)
        if asked is None:
            text = _RHETORICAL.sub("", self.doc.masked[sentence.start : sentence.end])
            asked = self._questions[sentence] = (
                "?" in text or _QUESTION_START.match(text) is not None)
        return asked

    def is_advice(self, sentence: Span) -> bool:
        """Tell whether a sentence tells the reader (or someone else) what to do."""
        advises = self._advice.get(sentence)
        if advises is None:
            advises = self._advice[sentence] = self._advises(sentence)
        return advises

    def _advises(self, sentence: Span) -> bool:
        doc = self.doc
        text = doc.masked[sentence.start : sentence.end]
        if _SECOND_PERSON.search(text) and _MODAL.search(text):
            return True
        if _TOLD_TO.search(text):
            return True
        for clause in doc.clauses(sentence):
            words: list[str] = []
            for match in _WORD.finditer(doc.masked, clause.start, clause.end):
                if words or match.group() not in _FILLER:
                    words.append(match.group())
                if len(words) == 2:
                    break
            if words and words[0] in _IMPERATIVE and not doc.in_quote(clause.start):
                if words[0] in ("don't", "dont", "never", "avoid") and len(words) > 1 and (
                    words[1] not in ("bother", "wait", "worry", "let", "need", "tell")
                ):
                    continue
                return True
        return False

    def is_attributed(self, sentence: Span, pos: int | None = None) -> bool:
        """Tell whether a sentence credits a prescriber with the dose or decision at an offset.

        An attribution on the far side of "but" or "because" speaks of something else.
        """
        low = self.doc.low
        for match in _ATTRIBUTION.finditer(low, sentence.start, sentence.end):
            if pos is None:
                return True
            lo, hi = sorted((pos, match.start()))
            if not _CONTRAST.search(low, lo, hi):
                return True
        return False

    def is_negated(self, start: int) -> bool:
        """Tell whether the words just before an offset negate what follows."""
        clause = self.doc.clause_at(start)
        return NEGATION.search(self.doc.masked[clause.start : start]) is not None

    def is_warning(self) -> bool:
        """Tell whether the post's cautions outweigh its approval."""
        real = [w for w in self.warnings if self._cautions(w, self.doc.sentence_at(w.start))]
        return 2 * len(real) > self.support

    def _cautions(self, warning: Hit, act: Span) -> bool:
        """Tell whether a warning speaks of the act in a sentence, so it may outweigh it.

        A caution word counts in the act's own sentence or the two after it (what came of it),
        or in another sentence that names a medicine or speaks to the reader ("be careful",
        "don't"); a caution that is itself negated ("not unsafe") waves the danger away and
        never counts, nor does a caution word that stands alone in its clause.
        """
        if self.is_negated(warning.start):
            return False
        doc = self.doc
        clause = doc.clause_at(warning.start)
        if len(_WORD.findall(doc.masked, clause.start, clause.end)) < 3:
            return False  # a caution word on its own ("ps: warning") cautions about nothing
        sentence = doc.sentence_at(warning.start)
        if sentence == act:
            return True
        if self._comes_just_after(act, warning.start):
            return True  # what came of it, told just after: "Then I fell and broke my wrist."
        if any(sentence.start <= m.start < sentence.end for m in doc.medicines):
            return True
        if _WARN_IMPERATIVE.search(doc.masked, sentence.start, sentence.end) is not None:
            return True
        return self.is_advice(sentence)  # "be careful", "talk to your pharmacist": to the reader

    def _comes_just_after(self, act: Span, pos: int) -> bool:
        """Tell whether an offset lies in one of the `_AFTER_ACT` sentences after an act's."""
        doc = self.doc
        here, later = doc.sentence_index(act.start), doc.sentence_index(pos)
        if here is None or later is None or doc.sentences[here] != act:
            return False
        return 0 < later - here <= _AFTER_ACT

    def advocates(self, start: int, *, inherent: bool = False) -> bool:
        """Tell whether the post recommends the act at an offset and says so as advice or with
        approval; an act unsafe in itself (`inherent`) needs only the recommending."""
        if not self.recommends(start, inherent=inherent):
            return False
        return inherent or bool(self.support) or self.is_advice(self.doc.sentence_at(start))

    def recommends(self, start: int, *, inherent: bool = False,
                   ignore: re.Pattern[str] | None = None) -> bool:
        """Tell whether the post recommends or approves the act described at an offset.

        :param inherent: the act is unsafe in itself (diversion, pump tampering), so a plain
            first-person account counts unless the post warns against it.
        :param ignore: warnings matching this pattern are about something else here.
        """
        doc = self.doc
        sentence = doc.sentence_at(start)
        if doc.in_quote(start) or self.is_question(sentence) or self.is_negated(start):
            return False
        if _REBUTTAL.search(doc.masked, doc.clause_at(start).start, start) is not None:
            return False  # "ignore whoever says to ...": someone else's advice, rejected
        advice = self.is_advice(sentence)
        attributed = self.is_attributed(sentence, start)
        pro = 2 * advice + self.support + (1 if inherent else 0)
        warnings = [w for w in self.warnings
                    if (ignore is None or not ignore.search(doc.masked, w.start, w.end))
                    and self._cautions(w, sentence)]
        con = 2 * len(warnings) + (3 if attributed and not self.defiance else 0)
        return pro > con
