"""The crisis screen's cues: word families and frames, each with its family and person.

See moderation/crisis.py for how the cues are read (negation, subject, intent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from moderation.knowledge import knowledge

SUICIDE = "suicide"
SELF_HARM = "self_harm"
DANGER = "danger"

SELF = "self"
OTHER = "other"

# Whose words a cue carries on its face; OPEN cues take the subject of their clause.
OPEN = "open"
VICTIM = "victim"  # harm threatened to the author by someone else

_CLAUSE_BREAK = re.compile(r"[.!?;:\n]|\s[-\u2013\u2014]\s|,\s*(?:but|and|so)\b|\bbut\b")
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?")

_FIRST_PERSON = frozenset({"i", "i'm", "im", "i've", "ive", "i'd", "id", "i'll", "me", "myself"})
_KIN = ("friend|friends|brother|sister|mum|mom|mother|dad|father|son|daughter|husband|wife|"
        "partner|boyfriend|girlfriend|fiance|fiancee|neighbour|neighbor|colleague|aunt|uncle|"
        "cousin|gran|granny|grandma|grandmother|grandfather|grandad|grandpa|nan|carer|child|"
        "kid|kids|teenager|member|person|patient|flatmate|housemate|ex")
_THIRD_PERSON = frozenset({"he", "she", "they", "he's", "she's", "they're", "he'd", "she'd",
                           "they'd", "he'll", "she'll", "they'll", "someone", "somebody",
                           "him", "them", *_KIN.split("|")})
# "I can't stop thinking about it" says more, not less.
_INTENSIFIED = ("stop", "help", "wait", "shake", "get")
_NEGATORS = frozenset({"not", "never", "no", "nothing", "nobody", "neither", "nor", "hardly"})
# Words that open a new clause: a negation before them does not reach the cue.
_CLAUSE_WORDS = frozenset({"that", "why", "if", "when", "because", "whether", "though",
                           "although", "and", "but", "so", "or", "than", "what", "how"})

_REFLEXIVE = {"myself": SELF, "meself": SELF, "himself": OTHER, "herself": OTHER,
              "themselves": OTHER, "themself": OTHER}
_POSSESSIVE = {"my": SELF, "his": OTHER, "her": OTHER, "their": OTHER}

_CANT = r"(?:can'?t|cannot|can\s+not|couldn'?t|unable\s+to)"
_NOT = r"(?:not|n't|never|no\s+longer)"
_ANYMORE = r"(?:any\s*more|any\s+longer|much\s+longer)"
_INTENT = (r"(?:want|wants|wanted|wanting|wanna|going\s+to|gonna|'ll|will|plan|planning|"
           r"plans|tempted|urge|urges|thinking\s+(?:of|about)|thought\s+(?:of|about)|"
           r"feel\s+like|could\s+just|should\s+just|might\s+just|ready\s+to|about\s+to|"
           r"decided\s+to|keep|kept|again|on\s+purpose|deliberately|intentionally)")
_ACCIDENT = re.compile(r"\b(?:accident\w*|shaving|cooking|oven|iron|stove|kettle|pan|hob|"
                       r"fell|fall|falling|tripped|slipped|gardening|while)\b")
_PEOPLE_WHO_HARM = (r"(?:he|she|they|someone|somebody|" + _KIN + r")")


def _medicine_words() -> str:
    """Return an alternation of medicine words: the generic ones and every drug name known."""
    names = {" ".join(key) for key, drug in knowledge().names.items()
             if drug.kind == "medicine" and all(part.isalpha() for part in key)}
    generic = ["pills?", "tablets?", "meds", "medication", "medications", "medicines?",
               "capsules?", "painkillers?", "insulin", "paracetamol", "morphine",
               "sleeping\\s+pills", "doses", "prescriptions?"]
    named = sorted((re.escape(name).replace("\\ ", "\\s+") for name in names),
                   key=len, reverse=True)
    return "(?:" + "|".join(generic + named) + ")"


@dataclass(frozen=True)
class Cue:
    """One family of phrases: what it signals, how strongly, and whose words it carries."""

    name: str
    family: str
    strong: bool
    person: str  # SELF, OTHER, OPEN or VICTIM
    pattern: re.Pattern[str]
    needs_intent: bool = False



def _cue(name: str, family: str, strong: bool, person: str, pattern: str, *,
         needs_intent: bool = False) -> Cue:
    return Cue(name, family, strong, person, re.compile(pattern), needs_intent)


@cache
def cues() -> tuple[Cue, ...]:
    """Return the cue table (built once: it reads the drug names)."""
    meds = _medicine_words()
    amount = (r"(?:all|everything|every(?:\s+(?:single|last))?|"
              r"the\s+(?:whole|entire|rest\s+of\s+the)|a\s+(?:whole|handful|"
              r"fistful|load|bunch|lot|box|packet|bottle|strip|month'?s|week'?s)|handfuls|"
              r"loads|\d{2,}|twenty|thirty|forty|fifty|a\s+hundred)")
    s, w = True, False
    return (
        # Suicide, in its own words and the ways people talk around it.
        _cue("suicide_word", SUICIDE, s, OPEN,
             r"\bsuicid(?:e|al|ality)\b(?!\s+(?:prevention|awareness|rates?|statistics|"
             r"risk|research|charity|training|talk|helpline|hotline|line|figures|studies|"
             r"study|bereavement)\b)"),
        _cue("suicide_topic", SUICIDE, w, OPEN, r"\bsuicide\s+(?:prevention|awareness|"
             r"rates?|statistics|risk|research|charity|training|talk|figures|studies|study|"
             r"bereavement)\b"),
        _cue("kill_self", SUICIDE, s, SELF,
             r"\b(?:kill|killing|killed|off|offing|top|topping|hang|hanging|drown|drowning|"
             r"shoot|shooting|poison|poisoning|gas|gassing|suffocat\w*)\s+(?P<who>myself|"
             r"meself|himself|herself|themselves|themself)\b(?!\s+laughing)"
             r"|\b(?:finish|finishing|do|doing|did)\s+(?P<whom>myself|meself|himself|herself|"
             r"themselves)\s+(?:off|in)\b"),
        _cue("end_life", SUICIDE, s, SELF,
             r"\b(?:take|taking|took|taken|end|ending|ended|finish|finishing)\s+"
             r"(?P<whose>my|his|her|their)\s+(?:own\s+)?life\b"),
        _cue("end_it", SUICIDE, s, OPEN,
             r"\b(?:end|ending|finish|finishing)\s+(?:it\s+all|it\s+for\s+good|everything|"
             r"things|it\s+now|it\s+tonight|my\s+suffering)\b"),
        _cue("want_die", SUICIDE, s, OPEN,
             r"\b(?:want|wants|wanted|wanting|wanna|ready|deserve|deserves|prefer|long|"
             r"longing|hope|hoping|wish|wishing|pray|praying)\s+(?:to\s+|i\s+could\s+|i\s+"
             r"would\s+|i\s+)?(?:die|be\s+dead|just\s+die|stop\s+existing|disappear\s+"
             r"(?:for\s+good|forever))\b"),
        _cue("wish_dead", SUICIDE, s, OPEN,
             r"\bwish(?:ed|ing)?\s+(?:i|he|she|they)\s*(?:was|were|'d|had|could\s+be)\s+"
             r"(?:dead|gone|never\s+(?:been\s+)?born)\b"),
        _cue("better_off", SUICIDE, s, OPEN,
             r"\bbetter\s+(?:place\s+|off\s+)?without\s+me\b|\bbetter\s+off\s+(?:dead|gone|if\s+i\s+(?:was|were)(?:n'?t|"
             r"\s+not)\s+(?:here|around|alive))\b"),
        _cue("rather_dead", SUICIDE, s, OPEN, r"\brather\s+(?:be\s+dead|die)\b"),
        _cue("not_wake", SUICIDE, s, OPEN,
             r"\b(?:and|to|hope|hoping|wish|pray|praying|sure|never|just)\s+(?:that\s+)?"
             r"(?:i\s+)?(?:never|not|don'?t|won'?t|wouldn'?t|didn'?t)\s+wake\s+(?:up|again)\b"),
        _cue("no_point", SUICIDE, s, OPEN,
             r"\b(?:no|any|what'?s\s+the|what\s+is\s+the|(?:don'?t|can'?t|cannot)\s+see\s+"
             r"(?:the|any|a)|lost\s+(?:the|any|all))\s+(?:point|reason|purpose|will)\s+"
             r"(?:in|of|to|for)\s+(?:living|life|being\s+alive|being\s+here|going\s+on|"
             r"carrying\s+on|keep(?:ing)?\s+going|live|existing|staying\s+alive|wake\s+up|"
             r"waking\s+up|me|my\s+life|my\s+existence|being\s+me)\b"),
        _cue("no_reason_left", SUICIDE, s, OPEN,
             r"\bno\s+(?:reason|point)\s+(?:to\s+)?(?:live|keep\s+going|go\s+on|carry\s+on|"
             r"be\s+here|stay|wake\s+up)\b"),
        _cue("not_worth", SUICIDE, s, OPEN,
             r"\b(?:life|living|my\s+life|existence)\s+(?:is\s+not|isn'?t|'s\s+not|is\s+no\s+"
             r"longer|not|ain'?t|wasn'?t|is\s+hardly)\s+worth\b"),
        _cue("not_want_live", SUICIDE, s, OPEN,
             r"\b(?:don'?t|do\s+not|no\s+longer|didn'?t|not\s+sure\s+i)\s+want\s+to\s+"
             r"(?:live|be\s+alive|exist|be\s+here|wake\s+up|see\s+(?:tomorrow|another\s+day)|(?:carry|go)\s+on(?=\s*(?:[.!?,;]|$|like|"
             r"any|living|with\s+(?:this|my)\s+(?:life|pain))))\b"
             r"(?!\s+(?:in|at|near|on|next|by|opposite|round|around)\b)"),
        _cue("cant_go_on", SUICIDE, s, OPEN,
             _CANT + r"\s+(?:go\s+on|carry\s+on|keep\s+going|keep\s+living|live\s+like\s+this)"
             r"(?=\s*(?:[.!?,;]|$|like\s+this|" + _ANYMORE + r"|living|with\s+(?:this|my|the)\s+"
             r"(?:life|pain|suffering|existence)|in\s+this\s+(?:life|pain|body)))"),
        _cue("no_way_out", SUICIDE, s, OPEN,
             r"\b(?:no\s+(?:other\s+)?way\s+out|(?:only|one)\s+way\s+out\s+(?:is|left)|"
             r"nothing\s+left\s+to\s+live\s+for|no\s+future\s+for\s+me)\b"),
        _cue("not_around", SUICIDE, s, OPEN,
             r"\b(?:won'?t|will\s+not|(?:not|never)\s+(?:going\s+to|gonna))\s+be\s+(?:around|here|"
             r"alive)\s+(?:much\s+longer|for\s+(?:much\s+)?longer|any\s*more|for\s+long|by|"
             r"next|to\s+see)\b"),
        _cue("goodbyes", SUICIDE, s, OPEN,
             r"\b(?:said|saying|say|written|writing|wrote|write|left|leaving)\s+(?:all\s+)?"
             r"(?:my\s+)?good-?byes?\b|\b(?:good-?bye|farewell|suicide)\s+(?:letters?|notes?)\b"
             r"|\b(?:written|wrote|writing|left|leaving)\s+(?:a\s+|my\s+|the\s+)?(?:letters?|"
             r"notes?)\s+(?:to|for)\s+(?:my|the|each\s+of\s+my)\s+(?:kids|children|family|"
             r"husband|wife|partner|son|daughter|parents|loved\s+ones)\b"
             r"|\bgiv(?:e|ing|en)\s+away\s+(?:all\s+)?my\s+(?:things|stuff|belongings|"
             r"possessions)\b"),
        _cue("how_to_do_it", SUICIDE, s, OPEN,
             r"\b(?:know|knows|decided|worked\s+out|planned|planning)\s+(?:exactly\s+)?"
             r"(?:how|when|where)\s+(?:i'?m|i\s+am|i'?d|i\s+would|i'?ll|i\s+will|to)\s+"
             r"(?:going\s+to\s+|gonna\s+)?do\s+it\b"),
        _cue("overdose_intent", SUICIDE, s, OPEN,
             r"\b(?:going\s+to|gonna|want\s+to|wanna|plan(?:ning)?\s+to|thinking\s+(?:of|"
             r"about)|about\s+to|will|'ll|tempted\s+to|ready\s+to|could\s+easily)\s+"
             r"(?:take\s+(?:an?\s+)?)?overdos(?:e|ing)\b|\boverdos(?:e|ing)\s+tonight\b"),
        _cue("overdose_taken", DANGER, s, OPEN,
             r"\b(?:took|taken|swallowed|downed|necked)\s+(?:an?\s+)?overdose\b|"
             r"\boverdosed\b(?!\s+on\s+(?:chocolate|cake|coffee|tv|sugar|sun))"),
        _cue("swallowed_lot", DANGER, s, OPEN,
             r"\b(?:took|taken|swallowed|downed|necked)\s+" + amount + r"\s+(?:(?:strips?|"
             r"box(?:es)?|packets?|packs?|bottles?|blisters?|tubs?|sheets?)\s+)?(?:of\s+)?"
             r"(?:(?:my|the|these|those|them|her|his)\s+)?(?:\w+\s+)?" + meds + r"?"
             r"(?=\s*(?:at\s+once|in\s+(?:one|a\s+single)\s+go|and|an\s+hour|just\s+now|[,.!?]|$))"),
        _cue("take_them_all", SUICIDE, s, OPEN,
             r"\b(?:going\s+to|gonna|will|'ll|want\s+to|wanna|about\s+to|tempted\s+to|could|"
             r"might)\s+(?:just\s+)?(?:take|swallow|down|neck)\s+" + amount + r"\s+(?:(?:single\s+|"
             r"last\s+)?(?:one\s+of\s+)?(?:my\s+|the\s+|these\s+)?)?(?:\w+\s+)?" + meds + r"?"
             r"(?=\s*(?:at\s+once|in\s+(?:one|a\s+single)\s+go|in\s+(?:the|my)\s+(?:house|cupboard|drawer|"
             r"medicine\s+(?:cabinet|cupboard|box)|bathroom)|"
             r"together|tonight|now|[,.!?]|$))"),
        _cue("how_many", SUICIDE, s, OPEN,
             r"\bhow\s+(?:many|much)\s+(?:of\s+(?:these|them|my)\s+)?(?:\w+\s+)?" + meds +
             r"\s+(?:(?:would|does|do|will|would\s+it|does\s+it|it\s+would|it\s+will|to)\b"
             r"[^.!?]{0,30}?\b(?:kill|die|dead|fatal|lethal|not\s+wake|never\s+wake|"
             r"end\s+it|do\s+it)\b|(?:would|does|will)\s+it\s+take\b|it\s+(?:would|will)"
             r"\s+take\s*(?:[.!?]|$))"),
        _cue("method", SUICIDE, s, OPEN,
             r"\b(?:ways?|methods?|how)\s+to\s+(?:die|kill\s+(?:myself|yourself|oneself)|"
             r"end\s+(?:it|your\s+life|my\s+life)|commit\s+suicide)\b|\bpainless\s+(?:way|"
             r"death|method|ways|methods)\b|\b(?:a|the)\s+noose\b"),
        _cue("nobody_would_notice", SUICIDE, s, OPEN,
             r"\b(?:nobody|no\s+one|noone|who|none\s+of\s+them)\s+(?:would|will|'d|is\s+"
             r"(?:going\s+to|gonna))\s+(?:even\s+|really\s+)?(?:notice|care|miss\s+me|mind|be\s+sad)"
             r"\s+(?:if|when)\s+i\s+(?:just\s+|simply\s+)?(?:disappeared|vanished|died|was\s+"
             r"gone|were\s+gone|was\s+dead|were\s+dead|wasn'?t\s+here|weren'?t\s+here|"
             r"ended\s+it|killed\s+myself|went|left\s+for\s+good|stopped\s+existing)\b"),
        _cue("not_here_by", SUICIDE, s, OPEN,
             r"\b(?:don'?t\s+think|doubt|not\s+sure|can'?t\s+see)\s+(?:that\s+)?i'?(?:ll|\s+"
             r"will|\s+am\s+going\s+to)\s+(?:still\s+)?be\s+(?:here|around|alive)\s+(?:by|"
             r"for|at|in|next|to\s+see|much\s+longer|this\s+time)\b"),
        _cue("drive_into", SUICIDE, s, OPEN,
             r"\b(?:drive|driving|crash|crashing|steer|steering|jump|jumping|throw\s+myself|"
             r"step|stepping|walk|walking)\s+(?:my\s+car\s+|the\s+car\s+)?(?:into|off|in\s+"
             r"front\s+of|under|from)\s+(?:a|the|an|my)\s+(?:wall|tree|bridge|train|lorry|"
             r"truck|bus|traffic|oncoming|car|cliff|roof|building|river|sea|motorway|"
             r"balcony|ledge|platform|tracks)\b(?!\s+of\b)", needs_intent=True),
        # Self-harm.
        _cue("self_harm_word", SELF_HARM, s, OPEN,
             r"\bself[-\s]?(?:harm\w*|injur\w*|mutilat\w*|destruct\w*)\b"),
        _cue("cut_self", SELF_HARM, s, SELF,
             r"\b(?:cut|cuts|cutting|slash\w*|burn|burns|burnt|burned|burning|scratch\w*|"
             r"carv\w*|stab\w*|bruis\w*|punch\w*|hit|hitting|starv\w*)\s+(?:(?P<who>myself|"
             r"meself|himself|herself|themselves)|my\s+(?:arms?|wrists?|thighs?|legs?|skin|"
             r"stomach|body|hands?))\b"),
        _cue("head_banging", SELF_HARM, s, SELF,
             r"\b(?:bang|bangs|banging|banged|hit|hitting|smash|smashing|smashed)\s+my\s+head"
             r"\s+(?:against|on|into|off|until)\b|\buntil\s+(?:it|they|i|my\s+\w+)\s+"
             r"bleeds?\b|\b(?:punch|punching|punched)\s+(?:the\s+)?walls?\b"),
        _cue("hurt_self", SELF_HARM, s, SELF,
             r"\b(?:hurt|hurts|hurting|harm|harms|harming|injure|injuring|punish|punishing)\s+"
             r"(?P<who>myself|meself|himself|herself|themselves)\b", needs_intent=True),
        # Danger from someone else, and being somewhere dangerous now.
        _cue("threatened", DANGER, s, VICTIM,
             r"\b(?:will|'ll|(?:is|'s|was)\s+(?:going\s+to|gonna)|gonna|threaten\w*(?:\s+to)?|"
             r"would|'d|tried\s+to|trying\s+to|wants\s+to|going\s+to)\s+(?:(?:kill|hurt|stab|"
             r"strangle|choke|shoot|beat|attack|hit|batter|smother|drown|finish)(?:ing)?\s+me|"
             r"do\s+me\s+in|(?:break|smash|snap|slit|cut)\s+my\s+(?:neck|throat|face|head|"
             r"skull|legs?|arms?|jaw|ribs))\b"),
        _cue("armed", DANGER, s, VICTIM,
             r"\b(?:has|had|got|holding|waving|grabbed|pulled)\s+(?:a|his|her|the)\s+(?:knife|"
             r"gun|blade|weapon|hammer|bat)\b|\buse\s+it\s+on\s+me\b"),
        _cue("assaulted", DANGER, s, VICTIM,
             r"\b(?:hit|hits|hitting|beat|beats|beating|beaten|choked|choking|strangled|"
             r"strangling|kicked|kicking|punched|punching|slapped|slapping)\s+me\b"),
        _cue("unsafe", DANGER, s, SELF,
             r"\b(?:scared|afraid|frightened|terrified|fear(?:ing)?)\s+for\s+my\s+(?:life|"
             r"safety)\b|\b(?:scared|afraid|frightened|terrified)\s+(?:to\s+(?:go|be)\s+"
             r"(?:home|back|in\s+the\s+(?:house|flat|same\s+room))|(?:he|she|they)\s*(?:'ll|"
             r"will|might|(?:is|was)\s+(?:going\s+to|gonna))\s+(?:kill|hurt|hit))\b|"
             r"\b(?:not|n'?t|never)\s+"
             r"(?:feel\s+)?safe\s+(?:at\s+home|here|with\s+(?:him|her|them|my)|around\s+"
             r"(?:him|her|them)|in\s+(?:my|the|this)\s+(?:home|house|flat))\b"),
        _cue("on_the_edge", DANGER, s, OPEN,
             r"\b(?:standing|sitting|stood|sat|am|i'?m|here|waiting)\s+(?:on|at|by|near)\s+"
             r"(?:the|a|this)\s+(?:edge\s+of\s+(?:the|a)\s+)?(?:bridge|ledge|cliff|cliff\s+"
             r"edge|roof|rooftop|railway|tracks|platform\s+edge|balcony\s+edge)\b"
             r"(?!\s+(?:club|game|hand|party|night|lesson))"
             r"(?=[^.!?]{0,30}\b(?:right\s+now|now|tonight|this\s+minute|ready)\b)"),
        # Weak cues: each says little alone; two of them, or one beside a strong cue, fire.
        _cue("cant_take_it", SUICIDE, w, OPEN,
             _CANT + r"\s+(?:take|bear|stand|cope\s+with|handle|do|face|cope)\s*(?:this|it|"
             r"any\s+of\s+(?:this|it)|life|living|another\s+(?:day|year|night)|tomorrow|the\s+"
             r"future)?\s*" + _ANYMORE + r"?\b"),
        _cue("burden", SUICIDE, w, OPEN,
             r"\b(?:i'?m|i\s+am|feel\s+like|being)\s+(?:just\s+|such\s+|only\s+|nothing\s+but\s+"
             r")?(?:a\s+)?(?:burden|drain|waste\s+of\s+(?:space|oxygen|air)|dead\s+weight|"
             r"millstone|liability|useless\s+lump)\b|\bburden\s+(?:to|on)\s+(?:every|my|"
             r"the|all)"),
        _cue("hopeless", SUICIDE, w, OPEN,
             r"\b(?:hopeless|worthless|pointless\s+(?:existence|life)|empty\s+inside|numb\s+"
             r"inside|dark\s+(?:thoughts|place)|intrusive\s+thoughts)\b"),
        _cue("tired_of_living", SUICIDE, w, OPEN,
             r"\b(?:tired|sick|exhausted|weary)\s+of\s+(?:living|life|being\s+alive|existing|"
             r"fighting|trying|it\s+all|everything|being\s+here)\b"),
        _cue("giving_up", SUICIDE, w, OPEN,
             r"\bgiv(?:e|ing|en|ve)\s+up\s+(?:on\s+(?:life|living|everything|myself|it\s+all)|"
             r"completely|altogether|entirely|for\s+good|on\s+the\s+fight)\b|\bno\s+(?:fight|strength|"
             r"will|hope)\s+left\b|"
             r"\bi'?m\s+done(?:\s+with\s+(?:life|everything|it\s+all|living))?\s*(?=[.!?,;]|$)"),
        _cue("make_it_stop", SUICIDE, w, OPEN,
             r"\b(?:want|need|wish)\s+(?:it|this|everything|it\s+all|all\s+of\s+(?:it|this))"
             r"\s+(?:all\s+)?to\s+(?:stop|end|be\s+over)\b"),
        _cue("for_good", SUICIDE, w, OPEN,
             r"\b(?:permanently|for\s+good|forever|once\s+and\s+for\s+all)\b"),
        _cue("time_has_come", SUICIDE, w, OPEN,
             r"\b(?:decide|decided|know|knew)\s+(?:that\s+)?(?:it'?s|it\s+is|it\s+was)\s+"
             r"(?:time|the\s+time)\b|\bmade\s+(?:my|up\s+my)\s+(?:decision|mind)\b|"
             r"\bwhen\s+the\s+time\s+comes\b"),
        _cue("stockpile", SUICIDE, w, OPEN,
             r"\b(?:stockpil\w*|hoard\w*|stash\w*|squirrel\w*\s+away|sav(?:e|ed|ing)\s+up|"
             r"kept\s+back|collect(?:ed|ing))\s+(?:up\s+)?(?:(?:all|enough|some|my|of|the|"
             r"a\s+few|a\s+lot\s+of|loads\s+of|old)\s+){0,3}" + meds + r"\b"
             r"|\bstockpil\w+|\benough\s+(?:of\s+(?:my|the|these)\s+)?" + meds +
             r"\s+(?:saved|stored|put\s+by|put\s+aside|hidden|to\s+(?:kill|do\s+it|end))"),
        _cue("pills_and_drink", DANGER, w, OPEN,
             meds + r"\s+(?:and|with|washed\s+down\s+with)\s+(?:(?:a|two|three|some|a\s+few|"
             r"loads\s+of|half\s+a|a\s+whole)\s+)?(?:(?:bottles?|glasses?|cans?)\s+of\s+)?"
             r"(?:wine|vodka|whisky|whiskey|gin|rum|beer|cider|alcohol|booze|drink)\b"),
        _cue("means", SUICIDE, w, OPEN,
             r"\b(?:got|have|bought|buy|buying|found|hid|hidden|keep|kept|ordered)\s+(?:a|the|"
             r"some|my)\s+(?:rope|ligature|gun|shotgun|razor|razor\s*blades?|blades?|"
             r"charcoal|hose)\b"),
        _cue("locked_in", DANGER, w, VICTIM,
             r"\b(?:locked|locks|locking|shut|shuts)\s+me\s+(?:in|up|out)\b|\b(?:won'?t|"
             r"doesn'?t|will\s+not)\s+let\s+me\s+(?:leave|go\s+out|call|see|use\s+(?:my|the)"
             r"\s+phone)\b|\btook\s+my\s+phone\b"),
        _cue("own_funeral", SUICIDE, s, OPEN,
             r"\b(?:picture|picturing|imagine|imagining|plan|planning|planned|think\s+about|"
             r"thinking\s+about|dream\s+about|dreaming\s+about)\s+my\s+(?:own\s+)?"
             r"(?:funeral|death|grave)\b"),
        _cue("cope_without_me", SUICIDE, s, SELF,
             r"\b(?:would|'d|will|could)\s+(?:cope|be|do|manage|live)\s+(?:much\s+|far\s+|a\s+"
             r"lot\s+)?(?:better|happier|easier)\s+(?:if|when)\s+i\s+(?:wasn'?t|weren'?t|was\s+"
             r"not|were\s+not|am\s+not|'m\s+not)\s+(?:around|here|alive|in\s+(?:their|the)\s+"
             r"(?:way|lives?))\b"),
        _cue("death_field", SUICIDE, w, OPEN,
             r"\b(?:live\s+or\s+die|(?:be|being|was|were|i'?m|am)\s+(?:already\s+)?(?:dead|"
             r"gone)(?!\s+(?:on|tired|beat|easy|set|to|out|home|off|back|for|by|through|"
             r"weight|end|cert|right|heavy|quiet|boring|slow|busy))|(?:sleep|rest|close\s+"
             r"my\s+eyes)\s+(?:forever|for\s+ever|for\s+good|permanently)|"
             r"cease\s+to\s+exist|stop\s+existing|not\s+(?:be\s+)?here\s+any\s*more|"
             r"no\s+longer\s+(?:be\s+)?here|(?:my|the)\s+(?:own\s+)?death)\b"),
        _cue("finality", SUICIDE, w, OPEN,
             r"\b(?:tonight\s+is\s+the\s+night|(?:this|it)\s+is\s+(?:the\s+)?(?:end|"
             r"goodbye)|make\s+it\s+official|made\s+it\s+official|last\s+(?:post|message|"
             r"time\s+(?:i|you)(?:'ll)?\s+(?:hear|post|write))|final\s+(?:post|message|"
             r"goodbye)|(?:it'?s|it\s+is)\s+time\s+to\s+go|ready\s+to\s+let\s+go\b(?!\s+of))\b"),
        _cue("apology", SUICIDE, w, OPEN,
             r"\b(?:sorry\s+(?:to|for)\s+(?:everyone|everything|you\s+all|all\s+of\s+you|"
             r"what\s+i'?m\s+about\s+to)|forgive\s+me|look\s+after\s+(?:my|the)\s+(?:kids|"
             r"children|cat|dog|family)\s+for\s+me|tell\s+(?:my|them)\s+\w*\s*i\s+love)\b"),
        _cue("nothing_matters", SUICIDE, w, OPEN,
             r"\b(?:nothing\s+matters|(?:stopped|stop)\s+caring\s+(?:whether|if|about\s+"
             r"(?:anything|myself|living))|(?:don'?t|do\s+not)\s+care\s+(?:whether|if)\s+i\s+"
             r"(?:live|die|wake|make\s+it)|(?:a|the)\s+problem\s+for\s+(?:everyone|"
             r"everybody|my\s+family|all)|in\s+everyone'?s\s+way|ruin(?:ing)?\s+everyone'?s"
             r"\s+li(?:fe|ves))\b"),
        # Hiding medicine is a recognised warning sign; stockpiling (weak, below) is often
        # only prudence before a holiday.
        _cue("hidden_meds", SUICIDE, s, OPEN,
             r"\b(?:hid|hidden|hiding|stash|stashed|stashing|secretly\s+(?:kept|keeping|"
             r"saved|saving))\s+(?:\w+'?s?\s+){0,5}?" + meds + r"\b"),
        _cue("lethal_dose", SUICIDE, w, OPEN,
             r"\b(?:lethal|fatal|deadly)\s+(?:dose|amount|quantity)\b"),
        _cue("afraid_of_him", DANGER, w, VICTIM,
             r"\b(?:scared|afraid|frightened|terrified)\s+(?:of\s+(?:him|her|them|my\s+"
             r"(?:husband|wife|partner|boyfriend|girlfriend|ex))|to\s+(?:be|stay)\s+in\s+the\s+"
             r"(?:house|flat|same\s+room))\b"),
    )


