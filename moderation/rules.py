"""The screening rules: each finds one kind of unsafe act and decides if the post endorses it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from moderation.document import Mention, Span, holds_any
from moderation.findings import (
    HIGH,
    LOW,
    MEDIUM,
    POLICY,
    Context,
    Finding,
    abrupt_stop_finding,
    amount_text,
    catch_up_finding,
    escalation_finding,
    pump_finding,
    unit_text,
)
from moderation.frames import FRAMES
from moderation.knowledge import Drug
from moderation.patterns import by_opening_letter
from moderation.stance import PRESCRIBER

_STOPPABLE = frozenset({"high", "very_high", "moderate", "dmt"})


def over_max_dose(ctx: Context) -> Iterator[Finding]:
    """Flag doses over the usual maximum: held when recommended, noticed when reported."""
    for excess in ctx.excesses:
        drug = excess.drug
        limit = drug.max_daily if excess.per_day or drug.max_single is None else drug.max_single
        if excess.per_day or limit is drug.max_daily:
            limit = drug.max_daily
        assert limit is not None
        name = drug.generic if drug.id == drug.generic else f"{drug.generic} ({drug.id})"
        figure = f"{amount_text(excess.amount)} {unit_text(excess.unit, excess.amount)} of {name}"
        if drug.unit == "unit":
            when = " in one session"
        else:
            when = " a day" if excess.per_day else " at once"
        explanation = f"This suggests {figure}{when}; the usual maximum is {limit.text}."
        if ctx.stance.recommends(excess.start):
            yield ctx.finding("over_max_dose_advice", HIGH, drug, excess.start, excess.end,
                              explanation, limit.source)
        else:
            yield ctx.finding("over_max_dose_report", LOW, drug, excess.start, excess.end,
                              explanation.replace("This suggests", "This mentions"),
                              limit.source)


_STOP = re.compile(by_opening_letter(
    r"\b(?:just |simply )?(?:stop(?:ped|ping|s)?|quit(?:ting|s)?|drop(?:ped|ping|s)?|ditch(?:ed|"
    r"ing)?|chuck(?:ed|ing)?|binn?(?:ed)?|dump(?:ed)?|come off|came off|coming off|get off|go "
    r"off|went off|cut (?:it |them )?out|give (?:it |them )?up|gave (?:it |them )?up|went cold|"
    r"go cold|going cold|cold turkey|clean break|to nothing|to zero|packed in|pack (?:it|them) in"
    r"|no more)\b"
))
_ABRUPT = re.compile(by_opening_letter(
    r"\b(?:cold turkey|cold|straight away|straightaway|overnight|(?:all|both|the lot) at once|"
    r"at once|immediately"
    r"|completely|to nothing|to zero|clean break|in (?:one|a single) (?:go|hit)|the (?:night|day|"
    r"week) before|over the (?:weekend|holidays?)|"
    r"tomorrow|yesterday|today|just stop\w*|whenever (?:you|u|ya) (?:like|want|fancy)|no (?:need|"
    r"reason) to (?:"
    r"wean|taper)|no point (?:in )?(?:tapering|weaning)|without (?:a )?(?:tapering|weaning|taper|"
    r"wean)|rather than (?:tapering|weaning)|instead of (?:the )?(?:taper|wean)|(?:tapering|"
    r"weaning|titration) (?:is |just )|(?:couldn't|can't|could not|cannot) be (?:bothered|arsed)|"
    r"dragg(?:ing|ed) (?:it|things) out|drags? (?:it )?out|"
    r"(?:anyone|everyone) (?:want|wants) to|do (?:the same|likewise)|starting (?:tomorrow|today|"
    r"now)|"
    r"from (?:tomorrow|today|now))\b"
))


def abrupt_stop(ctx: Context) -> Iterator[Finding]:
    """Flag advice or approval of stopping a medicine with withdrawal risk without a taper."""
    mentions = ctx.drugs_with(lambda d: d.withdrawal_risk in _STOPPABLE)
    negated = [m for m in ctx.doc.medicines if m.negated and m.drug.withdrawal_risk in _STOPPABLE]
    if not mentions and not negated:
        return
    abrupt = None  # looked for only when a stop needs it: most posts name no stop
    for match in ctx.doc.scan(_STOP):
        sentence = ctx.doc.sentence_at(match.start())
        advice = ctx.stance.is_advice(sentence) and match.group().startswith("just")
        if not advice and abrupt is None:
            abrupt = next(ctx.doc.scan(_ABRUPT), None) is not None
        if not advice and not abrupt:
            continue
        if not ctx.stance.recommends(match.start()):
            continue
        target = ctx.doc.drug_before(match.end()) or (mentions or negated)[0]
        drug = target.drug
        if drug.withdrawal_risk not in _STOPPABLE:
            drug = (mentions or negated)[0].drug
        if drug.withdrawal_risk == "dmt":
            yield ctx.finding(
                "stopping_dmt", HIGH, drug, match.start(), match.end(),
                f"Stopping {drug.generic} without the neurologist can bring MS activity back, "
                "sometimes worse than before.", drug.withdrawal_note or POLICY)
            return
        yield abrupt_stop_finding(ctx, drug, match.start(), match.end())
        return


_ESCALATE = re.compile(by_opening_letter(
    r"\b(?:doubl(?:ed|ing) (?:up|it|them|my|your|the)?|double (?:it|them|my|your|the|up)|"
    r"tripl(?:e|ed|ing)|(?:add(?:ed|ing)?|take|took|have|pop(?:ped)?|throw in|adding) (?:in )?"
    r"(?:an? |one |my )?(?:extra|another|more|fifth|sixth|additional|one more|couple more|second"
    r" dose)|extra (?:dose|one|tablet|pill|capsule|spray)s?|have another|take more|top(?:ped|ping)?"
    r" (?:it |them |yourself )?up|bump(?:ed|ing)? (?:it |them |\w+ \w+ )?up|up(?<!\bit up)"
    r"(?<!pick up)(?:ped|ping)? (?:it|my|the|your|them)|go(?:ing)? up|went up|jump(?:ed)? "
    r"(?:straight )?(?:up )?to|(?:went|go|going) straight (?:up )?to|straight (?:up )?to (?:the )?"
    r"(?:full|max|top)|worked (?:myself|my way) up|crank(?:ed)? (?:it )?up"
    r"|increas(?:e|ed|ing) (?:it|my|the|your)|rais(?:e|ed|ing) (?:it|my|the|your)|more (?:is|"
    r"=) (?:better|best)|"
    r"skip the (?:\w+ )?(?:titration|starter|build|taper)|more if)\b"
))


def dose_escalation(ctx: Context) -> Iterator[Finding]:
    """Flag advice or approval of raising a dose without the prescriber."""
    mentions = ctx.drugs_with(lambda d: True)
    if not mentions:
        return
    for match in ctx.doc.scan(_ESCALATE):
        sentence = ctx.doc.sentence_at(match.start())
        if ctx.stance.is_attributed(sentence) and not ctx.stance.defiance:
            continue
        if not ctx.stance.advocates(match.start()):
            continue
        drug = (ctx.doc.drug_before(match.end()) or mentions[0]).drug
        yield escalation_finding(ctx, drug, match.start(), match.end(), _max_source(drug))
        return


def _max_source(drug: Drug) -> str:
    if drug.max_daily is not None:
        return f"{POLICY}; maximum: {drug.max_daily.source}"
    return POLICY


# Every alternative opens with a character (the words grouped by letter), so the regex engine
# jumps to the characters that can open a match.
_COMBINE = re.compile(r"\+|&|" + by_opening_letter(
    r"\b(?:plus|with|together|on top of|after|alongside|and|mixed|mix|combo|combined|both|kept|"
    r"keep|still|carr(?:y|ied) on|while|whilst|during|same time)\b"))


_PERSON_WORDS = (r"husband|hubby|wife|partner|mum|mom|dad|son|daughter|friend|mate|sister|"
                 r"brother|housemate|flatmate|boyfriend|girlfriend|bf|gf|gran|nan|grandad")
# "Don't stop your meds" is no warning against a combination: it urges carrying on with it.
_KEEP_TAKING = re.compile(r"\b(?:don't|do not|never|dont) (?:ever )?stop")


_MY_PERSON = re.compile(rf"\b(?:my|our) (?:{_PERSON_WORDS})(?:'s)?\b")
_FIRST = re.compile(r"\b(?:i|i'm|i've|i'd|my|me|we|our)\b")
_THIRD = re.compile(rf"\b(?:he|she|his|her|him|they|their|{_PERSON_WORDS})\b")


def _owner(ctx: Context, mention: Mention) -> str:
    """Return whose medicine a mention is, judged from its clause ("self" or "other")."""
    clause = ctx.doc.clause_at(mention.start)
    text = _MY_PERSON.sub(" they ", ctx.doc.masked[clause.start : clause.end])
    if _THIRD.search(text) and not _FIRST.search(text):
        return "other"
    return "self"


def dangerous_combination(ctx: Context) -> Iterator[Finding]:
    """Flag approving accounts or advice of combining drugs that are dangerous together."""
    mentions = [m for m in ctx.doc.mentions if not m.negated]
    if len(mentions) < 2:
        return
    for combo in ctx.doc.kb.combinations:
        firsts = [m for m in mentions if combo.a in m.drug.tags]
        seconds = [m for m in mentions if combo.b in m.drug.tags and m.drug.id != combo.a]
        for a in firsts:
            for b in seconds:
                if a.drug.id == b.drug.id:
                    continue
                start, end = min(a.start, b.start), max(a.end, b.end)
                if _owner(ctx, a) != _owner(ctx, b):
                    continue
                if not _COMBINE.search(ctx.doc.masked, start, end) and (
                    ctx.doc.sentence_at(start) != ctx.doc.sentence_at(end - 1)
                ):
                    continue
                if not ctx.stance.recommends(start, inherent=True, ignore=_KEEP_TAKING):
                    continue
                if any(ctx.stance.is_question(s) for s in ctx.doc.sentences):
                    if not ctx.stance.support:
                        continue
                yield ctx.finding(
                    "dangerous_combination", HIGH, a.drug, start, end,
                    f"Taking {a.drug.generic} with {b.drug.generic} is dangerous: {combo.why}.",
                    combo.source)
                return


_PERSON = (r"(?:mum|mom|mam|dad|friend|mate|husband|hubby|wife|partner|housemate|flatmate|sister|"
           r"brother|neighbou?r|nan|nana|gran|grandad|grandma|dog|cat|vet|son|daughter|boyfriend"
           r"|girlfriend|bf|gf|colleague|cousin|aunt|uncle|auntie|someone|somebody|friends)")
_SOURCING = re.compile(by_opening_letter(
    r"\b(?:selling|sell|sells|for sale|dm (?:me|offers)|pm me|message me|inbox me|hmu|"
    r"(?:got|have|has) (?:some |loads |plenty )?(?:spare|leftover|extra)|happy to (?:share|send|"
    r"give|post)|can (?:send|post|give) (?:you|some)|for (?:friends|anyone|people) here"
    r"|backup stash|stash|anyone (?:got|have|spare|has)|can (?:anyone|someone|somebody) (?:spare"
    r"|send|lend|give)|spare (?:a few|some|any)|will pay|(?:they|you) don't need|looking to buy|"
    r"where (?:can i|to) (?:buy|get|order)|who(?:'s| has) (?:got )?(?:spare|some)|"
    r"always (?:someone|somebody)"
    r" with|borrow(?:ed|ing)?|lend(?:ing)? (?:me|you)|lent me|share (?:one|a|my|our|her|his|"
    r"their) (?:\w+ )?(?:prescription|script)|sharing (?:my|our|a|one|her|his)|"
    rf"{_PERSON}'s (?:\w+ )?(?:prescription|script|pills|tablets|meds|medication)|"
    rf"{_PERSON}'s (?:\w+ )?(?:(?:is|are) (?:the same|identical)|covers)|covers me|"
    rf"dropped off (?:her|his|their) "
    r"(?:leftover|spare|old)|(?:her|his|their) leftover|brings me|(?:gives?|gave|giving|hands?|"
    r"handed|passe[sd]|sends?|sent|slips?|slipped) me (?:some of |a few of |one of )?(?:her|his|"
    r"their)|stock cupboard|nobody counts|"
    r"no rx|no prescription|without (?:a )?(?:prescription|script|rx)|no script|online pharmacy|"
    r"instagram|telegram|whatsapp group|snapchat|dark ?web|street(?<!high street)|dealer|"
    r"research chemicals?|"
    r"from (?:abroad|overseas|india|mexico|turkey)|(?:tick|say) the right (?:boxes|things|words)|"
    r"fudge|knock-?off|"
    r"order(?:ed)? (?:it |them |some )?online|bought (?:it |them |some )?online|buy (?:it |them |"
    r"some )?online|private guy|a guy (?:who|that)|group chat)\b"
))


_GENERIC = re.compile(by_opening_letter(
    r"\b(?:meds|medication|medicine|pills|tablets|prescription|script)\b"
))
_GENERIC_KEYS = ("med", "pills", "tablets", "script")


# The few words after "anyone got" that name what is asked for: "any spare 10mg baclofen".
_ASKED_FOR = re.compile(r"(?:\W+[\w'-]+){0,4}")


def _names_medicine(ctx: Context, sentence: Span) -> bool:
    """Tell whether a sentence names a medicine or speaks of medication."""
    if any(sentence.start <= m.start < sentence.end for m in ctx.doc.medicines):
        return True
    return _GENERIC.search(ctx.doc.low, sentence.start, sentence.end) is not None


def sharing_or_sourcing(ctx: Context) -> Iterator[Finding]:
    """Flag offering, asking for, sharing or buying prescription medicine outside a pharmacy."""
    mentions = ctx.drugs_with(lambda d: d.id not in ("cannabis",))
    if not mentions and not (holds_any(ctx.doc.low, _GENERIC_KEYS)
                             and _GENERIC.search(ctx.doc.low)):
        return
    for match in ctx.doc.scan(_SOURCING):
        sentence = ctx.doc.sentence_at(match.start())
        soliciting = ctx.stance.is_question(sentence) and re.match(
            r"(?:anyone|can|spare|who|where|will)", match.group())
        asked = _ASKED_FOR.match(ctx.doc.masked, match.end())
        assert asked is not None  # the pattern's {0,4} also matches the empty string
        if soliciting and not _names_medicine(ctx, Span(match.end(), asked.end())):
            continue  # "has anyone got tips?": asking for medicine names it as what is asked
        if ctx.stance.is_negated(match.start()):
            continue
        if not soliciting and not ctx.stance.recommends(match.start(), inherent=True):
            continue
        if soliciting and ctx.stance.is_warning():
            continue
        drug = (ctx.doc.drug_before(match.end()) or (mentions[0] if mentions else None))
        target = drug.drug if drug is not None else None
        legal = ""
        if target is not None and "controlled" in target.classes:
            legal = " It is a controlled drug, so passing it on is also illegal."
        yield ctx.finding(
            "sharing_or_sourcing", HIGH, target, match.start(), match.end(),
            "Prescription medicine should come only from your own prescription and a pharmacy; "
            "sharing, selling or buying it elsewhere is unsafe." + legal,
            POLICY + (" (sharing_or_sourcing); controlled-drug status per dosing knowledge"
                      if legal else " (sharing_or_sourcing)"))
        return


_PUMP_CONTEXT = re.compile(by_opening_letter(
    r"\b(?:pump|pumps|itb|intrathecal|refill|refills|reservoir|catheter)\b"
))
_PUMP_KEYS = ("pump", "itb", "intrathecal", "refill", "reservoir", "catheter")
_TAMPER = re.compile(by_opening_letter(
    r"\b(?:(?:bump|turn|push|put|up|change|adjust|reprogram|program)(?:ed|ped|med|ing)? (?:up )?"
    r"(?:my |the )?own (?:rate|dose|pump)|my own (?:rate|dose|bolus|programm\w*)|(?:programm?(?:"
    r"ed|ing)?|adjust(?:ed|ing)?|bolus(?:ed|ing)?|refill(?:ed|ing)?|top(?:ped)? up|fill(?:ed)?)"
    r" (?:it |the pump |my pump )?(?:myself|ourselves|at home)|clinician (?:tablet|programmer)|"
    r"(?:ignore|ignoring|ignored) (?:the |my |its |any |those )?(?:\w+ )?(?:alarms?|beeps?|"
    r"beeping|warnings?|alerts?)|alarms? can beep|let (?:it|the alarm|them) beep|"
    r"beep away|"
    r"(?:skip|skipping|skipped|stretch|stretching|push(?:ing)? back|put(?:ting)? off|delay(?:ing)?"
    r"|cancel(?:led|ling)?) (?:the |my |a )?(?:next )?(?:pump )?(?:refill|replacement|battery)"
    r"|putting "
    r"(?:the |my )?(?:\w+ )?(?:replacement|refill|battery) off|not rearranging|run (?:it )?(?:dry|"
    r"empty|out)|needle kit|refill kit|(?:refilled|refill|topped up) (?:my pump )?(?:at|by|with) "
    r"(?:a |my |the |whatever )?(?:walk-in|gp|practice nurse|kit|needle|pharmacy|local)|"
    r"(?:didn't|never|not) (?:bother(?:ed|ing)? )?tell(?:ing)? (?:my |the )?pump|(?:refilled|"
    r"refill) (?:it )?(?:abroad|on holiday))"
))


def pump_tampering(ctx: Context) -> Iterator[Finding]:
    """Flag self-programming, DIY refills, ignored alarms and skipped refills of an ITB pump."""
    if not (holds_any(ctx.doc.low, _PUMP_KEYS) and _PUMP_CONTEXT.search(ctx.doc.low)):
        return
    for match in ctx.doc.scan(_TAMPER):
        if not ctx.stance.recommends(match.start(), inherent=True):
            continue
        yield pump_finding(ctx, match.start(), match.end())
        return


_CATCH_UP = re.compile(
    r"\b(?:(?:to )?catch(?:ing)? up|ma(?:ke|de|king) up for|doubl(?:e|ed|ing) up"
    r"|(?:\d+|two|three|four|all) (?:\w+ )?doses (?:at once|together|in (?:one|a single) (?:go|"
    r"hit))|both doses "
    r"(?:at once|together))\b"
)
_MISSED = re.compile(by_opening_letter(
    r"\b(?:miss(?:ed|ing)?|skip(?:ped|ping)?|forg[eo]t\w*|left (?:it|them))\b"
))
_MISSED_KEYS = ("miss", "skip", "forg", "left ")


def missed_dose_catch_up(ctx: Context) -> Iterator[Finding]:
    """Flag taking several doses at once to make up for missed ones."""
    if not ctx.doc.medicines or next(ctx.doc.scan(_MISSED, _MISSED_KEYS), None) is None:
        return
    for match in ctx.doc.scan(_CATCH_UP):
        if not ctx.stance.recommends(match.start(), inherent=True):
            continue
        yield catch_up_finding(ctx, match.start(), match.end())
        return


_HIDING = re.compile(by_opening_letter(
    rf"\b(?:don't tell (?:them|your|the|anyone)|not telling (?:my|the|your|them|anyone)|without "
    rf"telling|(?:hide|hiding|hid) (?:it|them|my|your|the)|keep (?:it|them) from|lie to (?:your|"
    rf"the|my)|(?:take|taking|took) (?:them|it) (?:quietly|secretly|on the quiet)|tell (?:your|"
    rf"the) {PRESCRIBER} you're on|(?:they|doc|neuro|gp) "
    r"(?:don't|doesn't|dont|do not|does not) (?:need|needs) to know|(?:nobody|no one) needs? "
    r"to know)\b"
))


# Every match of _HIDING holds one of these.
_HIDING_KEYS = ("tell", "hid", "keep", "lie to", "quietly", "to know")


def hiding_from_prescriber(ctx: Context) -> Iterator[Finding]:
    """Flag advice or approval of hiding medicines from the clinicians treating you."""
    if not ctx.doc.medicines:
        return
    for match in ctx.doc.scan(_HIDING, _HIDING_KEYS):
        if not ctx.stance.recommends(match.start(), inherent=True):
            continue
        drug = ctx.doc.drug_before(match.start()) or ctx.doc.medicines[0]
        if drug.drug.withdrawal_risk == "dmt":
            continue
        yield ctx.finding(
            "hiding_from_prescriber", MEDIUM, drug.drug, match.start(), match.end(),
            "Keeping medicines or dose changes from the clinicians treating you can lead to "
            "dangerous interactions, overdose or withdrawal.", POLICY + " (other_unsafe)")
        return


def stopping_dmt(ctx: Context) -> Iterator[Finding]:
    """Flag stopping or skipping a disease-modifying therapy without the neurologist."""
    dmts = ctx.drugs_with(lambda d: d.withdrawal_risk == "dmt")
    if not dmts:
        return
    for match in ctx.doc.scan(_STOP):
        if not (ctx.stance.dismissals or ctx.stance.defiance or ctx.stance.endorsements):
            continue
        if not ctx.stance.recommends(match.start()):
            continue
        drug = dmts[0].drug
        yield ctx.finding(
            "stopping_dmt", HIGH, drug, match.start(), match.end(),
            f"Stopping {drug.generic} without the neurologist can bring MS activity back, "
            "sometimes worse than before.", drug.withdrawal_note or POLICY)
        return


# Doing something alone or unasked is a dismissal only of a medicine act: "transferring by
# myself" is independence, "upped it myself" is not.
_SOLO = re.compile(
    r"myself|on (?:my|our) own|without (?:asking|telling)|quietly|self[- ]manag\w*|"
    r"self[- ]medicat\w*"
)
_SOLO_ACTS = (_STOP, _ESCALATE, _TAMPER, _SOURCING)
_DENIAL = re.compile(r"\b(?:not|never|won't|wouldn't|don't|didn't|nothing|no)\b")


def _solo_act(ctx: Context, pos: int) -> bool:
    """Tell whether the sentence at an offset does a medicine act, not denying it before."""
    sentence = ctx.doc.sentence_at(pos)
    masked = ctx.doc.masked
    for pattern in _SOLO_ACTS:
        act = pattern.search(masked, sentence.start, sentence.end)
        if act is not None and not _DENIAL.search(masked, sentence.start, act.start()):
            return True
    return False


def dismisses_medical_advice(ctx: Context) -> Iterator[Finding]:
    """Flag posts that wave away dose limits, tapers, warnings or the prescriber."""
    if not ctx.doc.medicines:
        return
    for hit in ctx.stance.dismissals + ctx.stance.defiance:
        if not ctx.stance.recommends(hit.start):
            continue
        if _SOLO.fullmatch(ctx.doc.masked, hit.start, hit.end) and not _solo_act(ctx, hit.start):
            continue
        drug = ctx.doc.drug_before(hit.start) or ctx.doc.medicines[0]
        yield ctx.finding(
            "dismisses_medical_advice", MEDIUM, drug.drug, hit.start, hit.end,
            "This waves away medical guidance about "
            f"{drug.drug.generic}; dose limits, tapering plans and warnings exist because of "
            "real risks.", POLICY)
        return


_PRACTICE = re.compile(
    r"\b(?P<drive>driv(?:e|ing)\b[^.!?]{0,30}?\b(?:after|on)\b)"
    r"|\b(?P<crush>(?:crush|split|chew|break)(?:ed|ing|es)?\b)"
    r"|\b(?P<child>giv(?:e|ing|en) (?:it |them |some |one )?to (?:my|your|the) (?:kids?|child|"
    r"children|son|daughter|dog|cat|pet|toddler|baby)\b)"
    r"|\b(?P<inject>inject(?:ed|ing)? (?:it |them )?(?:myself|yourself)|self[- ]inject\w*|"
    r"cosmetic (?:botox|toxin)|(?:bought|buy|order\w*) (?:\w+ )?(?:botox|toxin|dysport|xeomin)"
    r" online)"
)
_PRACTICE_KEYS = ("driv", "crush", "split", "chew", "break", "giv", "inject", "cosmetic",
                  "online")
_PRACTICE_WHY = {
    "drive": ("Driving on a sedating medicine can be dangerous and, in many countries, illegal "
              "if it impairs you.", POLICY + " (other_unsafe); sedation per FDA labels"),
    "crush": ("Crushing, splitting or chewing a prolonged-release tablet can release the whole "
              "dose at once.", "Ampyra FDA label: do not split, crush or chew (seizure risk)"),
    "child": ("Medicine prescribed for one person can seriously harm a child or a pet.",
              POLICY + " (other_unsafe)"),
    "inject": ("Botulinum toxin should be injected only by a trained clinician with a licensed "
               "product; toxin can spread and affect swallowing and breathing.",
               "Botox/Dysport/Xeomin labels: boxed warning on distant spread of toxin effect"),
}


def unsafe_practice(ctx: Context) -> Iterator[Finding]:
    """Flag recommended unsafe practices: driving sedated, crushing slow-release tablets, etc."""
    if not ctx.doc.medicines:
        return
    for match in ctx.doc.scan(_PRACTICE, _PRACTICE_KEYS):
        kind = match.lastgroup or "drive"
        drugs = ctx.drugs_with(lambda d: True)
        if kind == "drive":
            drugs = [m for m in drugs if m.drug.classes & {"cns_depressant", "sedative"}]
        elif kind == "crush":
            drugs = [m for m in drugs if "prolonged" in (m.drug.route or "")]
        if not drugs:
            continue
        if not ctx.stance.advocates(match.start()):
            continue
        why, source = _PRACTICE_WHY[kind]
        yield ctx.finding("unsafe_practice", HIGH, drugs[0].drug, match.start(), match.end(),
                          why, source)
        return


RULES: tuple[Callable[[Context], Iterator[Finding]], ...] = (
    over_max_dose,
    abrupt_stop,
    dose_escalation,
    dangerous_combination,
    sharing_or_sourcing,
    pump_tampering,
    missed_dose_catch_up,
    hiding_from_prescriber,
    stopping_dmt,
    unsafe_practice,
    dismisses_medical_advice,
    *FRAMES,
)
