"""Claim frames read by meaning: going past a limit, raising a dose, getting medicine elsewhere.

The rules in `rules.py` look for the act words people most often use; these frames add the
word families around them (synonyms, slang verbs, the nouns a limit or a seller goes by), so a
claim put in other words is still read. Each frame holds a post only when the post recommends
or approves the act (the same stance reading the rules use); otherwise the act is still passed
to the risk model as a cue (`ACTS`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from moderation.document import holds_any
from moderation.findings import (
    HIGH,
    POLICY,
    Context,
    Finding,
    abrupt_stop_finding,
    catch_up_finding,
    escalation_finding,
    pump_finding,
)
from moderation.patterns import by_opening_letter

# What a limit goes by: the maximum, a cap, a ceiling; and where it is written, which one goes
# past or beyond, never "over" (going over the leaflet is reading it).
_LIMIT = (r"(?:max|maximum|max dose|daily max|limit|cap|ceiling|upper limit|recommended (?:dose|"
          r"amount|daily dose))")
_WRITTEN = r"(?:label|leaflet|bottle|packet|box|instructions|guidelines)"
_DET = r"(?:the |that |this |my |your |ur |their |its |any |a )?"
_PASSING = (r"(?:go(?:es|ing|ne)?|went|get(?:ting)?|got|push(?:es|ed|ing)?|blow(?:s|n|ing)?|blew|"
            r"sail(?:s|ed|ing)?|breez(?:e|ed|ing)|creep(?:s|ing)?|crept|pass(?:es|ed|ing)?|"
            r"stay(?:s|ed|ing)?|live|living|sit(?:s|ting)?|be|been|am|are|is|was|im|i'm|way|"
            r"well|far|miles|comfortably|happily) (?:way |well |far |miles |right |comfortably |"
            r"happily |a (?:bit|little|lot) )?")
# Going past a limit: verbs of passing and the prepositions of beyond.
_EXCEED = re.compile(by_opening_letter(
    rf"\b(?:exceed(?:s|ed|ing)?|surpass(?:es|ed|ing)?|overshoot\w*|outgrow\w*) {_DET}"
    rf"|\b{_PASSING}(?:over|past|above|beyond|north of) {_DET}{_LIMIT}\b"
    rf"|\b{_PASSING}(?:past|above|beyond|north of) {_DET}{_WRITTEN}\b"
    rf"|\b(?:double|twice|triple|three times|2x|3x) {_DET}{_LIMIT}\b"
    r"|\b(?:above|beyond|past) (?:the )?(?:max|maximum|limit)\b"
    rf"|\b(?:higher|more|bigger|stronger) than {_DET}(?:{_LIMIT}|{_WRITTEN} (?:says|said|allows))\b"
))
# Every match ends with a limit or where it is written, or opens with a verb of exceeding.
_EXCEED_KEYS = ("exceed", "surpass", "overshoot", "outgrow", "max", "limit", "cap", "ceiling",
                "recommended", "label", "leaflet", "bottle", "packet", "box", "instructions",
                "guideline")

# Raising a dose in other words: ramping, cranking, bumping, pushing it, titrating faster.
_OBJECT = r"(?:it |them |the \w+ |my \w+ |your \w+ |ur \w+ |that |things )?"
_RAISE = re.compile(by_opening_letter(
    rf"\b(?:ramp|crank|bump|jack|boost)(?:s|ed|ing|ped)? {_OBJECT}(?:up|higher|faster|quicker|"
    r"every \w+|each \w+|daily|whenever|when(?:ever)? (?:u|you|i|it|they|ur|needed))\b"
    r"|\bpush(?:es|ed|ing)? (?:it|them|the dose|my dose|your dose|ur dose) (?:up|higher|"
    r"further)\b"
    r"|\btitrat\w* (?:it |them )?(?:up )?(?:faster|quicker|myself|yourself|urself|on (?:my|"
    r"your|ur) own)\b"
    r"|\b(?:speed ?run\w*|speed(?:ing|ed)? (?:it |things |the \w+ )up)\b"
    r"|\b(?:go(?:ing)?|went|gone|take|took|taking) (?:it |them )?higher\b"
    r"|\b(?:faster|quicker|sooner) than (?:the |they |your |ur |my |what )"
    r"(?:\w+ )?(?:say|said|says|sheet|schedule|plan|titration|recommend\w*|suggest\w*|want|told)"
    r"|\b(?:up|raise|increase|double|bump) (?:the |your |ur |my )?(?:dose|dosage|amount)\b"
))
_RAISE_KEYS = ("ramp", "crank", "bump", "jack", "boost", "push", "titrat", "speed", "higher",
               "faster", "quicker", "sooner", "dose", "amount")
# More of a medicine, named right after the word: "an extra valium", "another tiz".
_MORE = re.compile(by_opening_letter(
    r"\b(?:extra|additional|another|bonus|more|few more|couple more|couple of extra) "
))
_MORE_KEYS = ("extra", "additional", "another", "bonus", "more")
# Several doses at one time: "three at once", "two at a time".
_AT_ONCE = re.compile(
    r"\b(?:\d+|two|three|four|five|six|a few|a couple|couple|several|a handful|handful)"
    r" (?:\w+ ){0,2}?(?:at once|at (?:a|one) time|in (?:one|a single) (?:go|hit)|all together)\b"
)
_AT_ONCE_KEYS = ("at once", "at a time", "at one time", "in one go", "single go", "one hit",
                 "single hit", "all together")
# The taking that "more" and "at once" need in their clause to be a dose.
_TAKING = re.compile(r"\b(?:take|takes|took|taking|pop\w*|have|having|had|throw\w*|add\w*|"
                     r"swallow\w*|do|did|doing|use|used|using|chuck\w*|neck\w*)\b")

# Getting medicine elsewhere. Unsafe in itself: trading with people, a dealer's selling,
# offering to post some.
_PEOPLE = r"(?:you|u|ya|anyone|anybody|someone|somebody|people|others|each other|friends)"
_DEALER = (r"(?:guy|bloke|dude|lad|chap|fella|plug|connect|mate of a mate|friend of a friend|"
           r"pill mill|research chem\w*(?: site| website| shop)?)")
_SOURCE = re.compile(by_opening_letter(
    rf"\b(?:trad(?:e|es|ed|ing)|swap(?:s|ped|ping)?|exchang(?:e|es|ed|ing)|barter\w*) "
    rf"(?:with (?:me|us|{_PEOPLE})|{_PEOPLE})\b"
    r"|\b(?:trad(?:e|es|ed|ing)|swap(?:s|ped|ping)?|exchang(?:e|es|ed|ing)|barter\w*) "
    r"(?:\w+ ){1,5}?(?:for|with) (?:some of )?(?:your|ur|yours|theirs|someone|somebody|anyone)"
    r"|\b(?:pill|med|meds|tablet|script) (?:swap|trade)s?\b|\b(?:up for|fancy|want) a "
    r"(?:swap|trade)\b"
    rf"|\b{_DEALER} (?:\w+ ){{0,4}}?(?:sells?|selling|sold|ships?|does|deals?|gets?|hooks?|"
    r"sorts?)\b"
    r"|\bresearch chem\w*"
))
# Offering to pass some on ("I'll post you some"): found by the verb, then the offer before
# it, since "i" opens so many words that the engine would try the offer everywhere.
_OFFER = re.compile(by_opening_letter(
    r"\b(?:post|send|mail|ship|drop|bring|pass|sort) (?:you|u|ya|some|a few|a couple|a strip|"
    r"a box)\b"
))
_OFFER_KEYS = ("post", "send", "mail", "ship", "drop", "bring", "pass", "sort")
_OFFERING = re.compile(r"\b(?:i'll|ill|i will|i can|i could|happy to|glad to) $")
_SOURCE_KEYS = ("trad", "swap", "exchang", "barter", "guy ", "bloke ", "dude ", "lad ", "chap ",
                "fella ", "plug ", "connect ", "mate of", "friend of", "pill mill", "research chem")
# Unsafe when recommended or approved: buying from a site, a platform or another country.
_SELLER = (r"(?:sites?|websites?|web ?shops?|sellers?|vendors?|suppliers?|market(?:place)?|"
           r"forums?|reddit|instagram|insta|tiktok|discord|facebook|fb|ebay|telegram|whatsapp|"
           r"snap(?:chat)?|telehealth|tele-?health|online (?:clinic|doctor|doc|shop|store))")
_ABROAD = (r"(?:abroad|overseas|offshore|(?:over|across) the border|duty free|spain|"
           r"portugal|greece|cyprus|egypt|thailand|bali|india|pakistan|china|hong kong|"
           r"mexico|tijuana|canada|the states|poland|bulgaria|romania|morocco|dubai|the "
           r"philippines|vietnam|cambodia|colombia)")
_BUY_ELSEWHERE = re.compile(by_opening_letter(
    r"\b(?:buy|buys|bought|buying|order|orders|ordered|ordering|get|gets|got|getting|"
    r"import\w*|ship(?:s|ped|ping)?|sourc(?:e|ed|ing)|scor(?:e|ed|ing)|pick(?:ed)? up|grab\w*|"
    r"cop(?:s|ped|ping)?|stock(?:ed)? up) (?:\w+ ){0,4}?(?:from|off|on|via|through|at|in|over) "
    rf"(?:a |an |some |this |that |the |one of those |these )?(?:{_SELLER}|{_ABROAD})\b"
    rf"|\b{_SELLER} (?:place |clinic |company |service |site |shop |account )?(?:that |which |"
    r"who )?(?:sells?|ships?|gives?|hands? out|posts?|prescribes?|does)\b"
    rf"|\b(?:cheap(?:er)?|cheapest|easy to get|over[- ]the[- ]counter|otc) (?:\w+ ){{0,2}}?"
    rf"(?:in|from|over|abroad) (?:{_ABROAD})?"
    r"|\bno (?:doc|doctor|gp|insurance|questions asked|id|rx|prior auth\w*)\b"
))
# No keys for it: every match names a seller, a place abroad, cheapness or "no doctor", so
# many words (some sixty) that testing each costs more than scanning with the pattern itself.


# Stopping in other words: leaving it out, a break from it, going without.
_OWNED = r"(?:it|them|the \w+|my \w+|her \w+|his \w+|their \w+|your \w+|ur \w+)"
_QUIT = re.compile(by_opening_letter(
    rf"\b(?:leav(?:e|es|ing)|left) {_OWNED} (?:out|at home|behind|off)\b"
    r"|\b(?:take|takes|took|taking|have|had|having|give (?:yourself|urself|your body)) a "
    r"(?:break|holiday|rest|vacation|week off|month off) (?:from|off)\b"
    r"|\b(?:drug|med|meds|pill|tablet) (?:holiday|vacation|break)s?\b"
    r"|\b(?:go|goes|going|gone|went) without\b"
    r"|\b(?:don't|dont|didn't|doesn't|do not|did not|does not) need (?:it|them) any ?more\b"
    r"|\b(?:ditch|bin|dump|scrap|axe|nix|toss|chuck)(?:es|s|ed|ped|ing)? (?:it|them|the lot)\b"
))
_QUIT_KEYS = ("leav", "left", "break", "holiday", "rest", "vacation", "off", "without", "need",
              "ditch", "bin", "dump", "scrap", "axe", "nix", "toss", "chuck")
_TAPERING = re.compile(r"\b(?:taper\w*|wean\w*|gradual\w*|slowly|step(?:ped|ping)? down|"
                       r"cut(?:ting)? down|reduc\w*|bit by bit|little by little)\b")
_WITHDRAWAL = frozenset({"high", "very_high", "moderate"})

# Catching up a missed dose in other words: "take two tonight", "have both later".
_LATER_TWO = re.compile(by_opening_letter(
    r"\b(?:take|took|taking|have|had|pop|popped|do|did)\w* (?:\w+ )?(?:two|2|both|double|twice|"
    r"an extra|the two|the lot|all of them) (?:\w+ )?(?:tonight|later|tomorrow|this (?:evening|"
    r"afternoon)|in the (?:morning|evening)|next time|at bedtime|with (?:the )?next)\b"
))
_LATER_KEYS = ("tonight", "later", "tomorrow", "evening", "afternoon", "morning", "next",
               "bedtime")
_MISSED = re.compile(r"\b(?:miss(?:ed|ing)?|skip(?:ped|ping)?|forg[eo]t\w*|slept through)\b")
_MISSED_KEYS = ("miss", "skip", "forg", "slept through")

# Tampering with a pump in other words: unlocking, hacking, overriding its settings.
_PUMP_HACK = re.compile(by_opening_letter(
    r"\b(?:unlock\w*|hack\w*|overrid\w*|bypass\w*|jailbreak\w*|root\w*|crack\w*) (?:\w+ ){0,3}?"
    r"(?:settings?|bolus(?:es)?|limits?|lockouts?|remote|programmer|pump|clinician mode|"
    r"menus?|doses?)\b"
    r"|\b(?:muffl|silenc|mut|cover|tap(?:e|ed|ing) over|unplug)\w* (?:\w+ ){0,3}?(?:alarm|beep|"
    r"warning|alert)s?\b"
))
_PUMP_HACK_KEYS = ("unlock", "hack", "overrid", "bypass", "jailbreak", "root", "crack", "muffl",
                   "silenc", "mut", "cover", "tap", "unplug")
_PUMP = re.compile(r"\b(?:pump|pumps|itb|intrathecal)\b")


def exceeding_the_limit(ctx: Context) -> Iterator[Finding]:
    """Flag advice or approval of going past a medicine's maximum, said without a number."""
    mentions = ctx.drugs_with(lambda d: d.max_daily is not None or d.max_single is not None)
    if not mentions:
        return
    for match in ctx.doc.scan(_EXCEED, _EXCEED_KEYS):
        if not ctx.stance.advocates(match.start()):
            continue
        drug = (ctx.doc.drug_before(match.end()) or mentions[0]).drug
        limit = drug.max_daily or drug.max_single
        assert limit is not None
        yield ctx.finding(
            "over_max_dose_advice", HIGH, drug, match.start(), match.end(),
            f"This suggests going over the usual maximum of {drug.generic}, which is "
            f"{limit.text}.", limit.source)
        return


def raising_in_other_words(ctx: Context) -> Iterator[Finding]:
    """Flag advice or approval of raising a dose put as ramping, pushing, or more of a drug."""
    mentions = ctx.drugs_with(lambda d: True)
    if not mentions:
        return
    found = list(ctx.doc.scan(_RAISE, _RAISE_KEYS))
    found.extend(m for m in ctx.doc.scan(_MORE, _MORE_KEYS)
                 if _names_next(ctx, m.end()) and _taken(ctx, m.start()))
    found.extend(m for m in ctx.doc.scan(_AT_ONCE, _AT_ONCE_KEYS) if _taken(ctx, m.start()))
    for match in sorted(found, key=lambda m: m.start()):
        sentence = ctx.doc.sentence_at(match.start())
        if ctx.stance.is_attributed(sentence, match.start()) and not ctx.stance.defiance:
            continue
        if not ctx.stance.advocates(match.start()):
            continue
        drug = (ctx.doc.drug_before(match.end()) or mentions[0]).drug
        yield escalation_finding(ctx, drug, match.start(), match.end(), POLICY)
        return


def _names_next(ctx: Context, pos: int) -> bool:
    """Tell whether a medicine is named within a few characters after an offset."""
    return any(pos <= m.start <= pos + 12 for m in ctx.doc.medicines)


def _taken(ctx: Context, pos: int) -> bool:
    """Tell whether the clause before an offset takes something, or tells the reader to."""
    clause = ctx.doc.clause_at(pos)
    return (_TAKING.search(ctx.doc.masked, clause.start, pos) is not None
            or ctx.stance.is_advice(ctx.doc.sentence_at(pos)))


def _offered(ctx: Context, start: int) -> bool:
    """Tell whether the words before an offset offer something ("I'll", "happy to")."""
    return _OFFERING.search(ctx.doc.masked, max(0, start - 10), start) is not None


def sourcing_in_other_words(ctx: Context) -> Iterator[Finding]:
    """Flag trading medicine, or buying it from a dealer, a site or another country."""
    mentions = ctx.drugs_with(lambda d: d.id != "cannabis")
    if not mentions:
        return
    found = [(m, True) for m in ctx.doc.scan(_SOURCE, _SOURCE_KEYS)]
    found.extend((m, True) for m in ctx.doc.scan(_OFFER, _OFFER_KEYS) if _offered(ctx, m.start()))
    found.extend((m, False) for m in ctx.doc.scan(_BUY_ELSEWHERE))
    for match, inherent in found:
        if ctx.stance.is_negated(match.start()):
            continue
        sentence = ctx.doc.sentence_at(match.start())
        if ctx.stance.is_question(sentence):
            # A question that trades or offers asks for medicine; "is buying it abroad
            # legal?" is only a question.
            if not inherent or ctx.stance.is_warning() or _LAWFUL.search(
                    ctx.doc.masked, sentence.start, sentence.end):
                continue
        elif not ctx.stance.advocates(match.start(), inherent=inherent):
            continue
        target = (ctx.doc.drug_before(match.end()) or mentions[0]).drug
        yield ctx.finding(
            "sharing_or_sourcing", HIGH, target, match.start(), match.end(),
            "Prescription medicine should come only from your own prescription and a pharmacy; "
            "trading it or buying it from a seller, a website or abroad is unsafe.",
            POLICY + " (sharing_or_sourcing)")
        return


# Whether something is allowed is a question about the act, not a request for medicine.
_LAWFUL = re.compile(r"\b(?:legal|illegal|allowed|against the law|lawful|ok|okay|safe|wrong)\b")


def stopping_in_other_words(ctx: Context) -> Iterator[Finding]:
    """Flag approval of stopping a risky medicine, put as a break from it or leaving it out."""
    mentions = ctx.drugs_with(lambda d: d.withdrawal_risk in _WITHDRAWAL)
    if not mentions:
        return
    for match in ctx.doc.scan(_QUIT, _QUIT_KEYS):
        sentence = ctx.doc.sentence_at(match.start())
        if _TAPERING.search(ctx.doc.masked, sentence.start, sentence.end):
            continue
        if ctx.stance.is_attributed(sentence, match.start()):
            continue
        if not ctx.stance.advocates(match.start()):
            continue
        drug = (ctx.doc.drug_before(match.end()) or mentions[0]).drug
        if drug.withdrawal_risk not in _WITHDRAWAL:
            drug = mentions[0].drug
        yield abrupt_stop_finding(ctx, drug, match.start(), match.end())
        return


def catching_up_in_other_words(ctx: Context) -> Iterator[Finding]:
    """Flag making up a missed dose by taking two later, said without "catch up"."""
    low = ctx.doc.low
    if not ctx.doc.medicines or not holds_any(low, _MISSED_KEYS) or _MISSED.search(low) is None:
        return
    for match in ctx.doc.scan(_LATER_TWO, _LATER_KEYS):
        if not ctx.stance.recommends(match.start(), inherent=True):
            continue
        yield catch_up_finding(ctx, match.start(), match.end())
        return


def pump_hacking(ctx: Context) -> Iterator[Finding]:
    """Flag unlocking a pump's settings or silencing its alarm, recommended or approved."""
    low = ctx.doc.low
    if not holds_any(low, ("pump", "itb", "intrathecal")) or _PUMP.search(low) is None:
        return
    for match in ctx.doc.scan(_PUMP_HACK, _PUMP_HACK_KEYS):
        if not ctx.stance.recommends(match.start(), inherent=True):
            continue
        yield pump_finding(ctx, match.start(), match.end())
        return


FRAMES: tuple[Callable[[Context], Iterator[Finding]], ...] = (
    exceeding_the_limit,
    raising_in_other_words,
    sourcing_in_other_words,
    stopping_in_other_words,
    catching_up_in_other_words,
    pump_hacking,
)
# The frames' acts, read for the risk model whatever the stance around them.
# Each with the substrings one of which every match holds, so most posts skip the pattern.
ACTS = {"exceed": (_EXCEED, _EXCEED_KEYS), "raise": (_RAISE, _RAISE_KEYS),
        "at_once": (_AT_ONCE, _AT_ONCE_KEYS), "trade": (_SOURCE, _SOURCE_KEYS),
        "offer": (_OFFER, _OFFER_KEYS),
        "elsewhere": (_BUY_ELSEWHERE, ()), "quit": (_QUIT, _QUIT_KEYS),
        "later_two": (_LATER_TWO, _LATER_KEYS), "pump_hack": (_PUMP_HACK, _PUMP_HACK_KEYS)}
