"""The crisis lexicon: explicit statements, everyday uses, kind hints and the under-18 rule.

* ``EXPLICIT``: self-directed statements ("kill myself", "want to die", "i've been cutting
  myself") and threats from a person ("he'll kill me if he finds me"). Nothing cancels them:
  no everyday-use pattern is applied before them, and they always make a message urgent. Only a
  negation just before ("i'd never kill myself") or a fixed idiom ("killing myself laughing",
  "want to die of embarrassment") keeps a phrase from counting.
* ``BENIGN_PATTERNS``: everyday uses ("my feet are killing me"), removed before the broader
  ``patterns.RISK_PATTERNS`` are matched; those name the family of a risk, they no longer
  decide on their own (the trained detector does: docs/safety.md).
* ``HINTS``: words that name a kind the older categories lack (eating disorders, forced
  marriage and FGM, sexual assault, exploitation, sextortion, unsafe homelessness).
* The under-18 rule: an age under 18 stated about the writer, with a weaker abuse cue.

All patterns are lower case and read normalised text (``normalise.normalise``).
"""
from __future__ import annotations

import re
from typing import Dict, List, Tuple

from bot.safeguarding.patterns import RISK_PATTERNS

# Everyday contexts used by BENIGN_PATTERNS (issue 7).
_GAMES = (r"(?:cod|call of duty|valorant|fortnite|apex|warzone|gta|among us|minecraft|roblox|"
          r"elden ring|the game|this game|fifa|fc\d*|csgo|cs2|cs|overwatch|rust|pubg|ranked|the sims|"
          r"sims|league|lol|dota|the raid|a raid|game)")
_PAST = (r"(?:self[- ]?harm\w*|sh|cutting|cut|suicidal\w*|suicide|overdos\w*|od|attempts?|abuse|"
         r"abused|hit me|hurt myself)")
_RECOVERED = (r"(?:clean|recovered|in a (?:much |way |lot |far )?better place|(?:much|way|a lot|so much|"
              r"loads) better now|good now|fine now|safe now|ok now|okay now|doing (?:really |so )?well|"
              r"helped (?:loads|a lot|so much)|(?:\d+|two|three|four|five|a few|a couple of|couple of) "
              r"(?:years?|months?) (?:ago|clean|free|sober)|(?:left|moved out) (?:two|three|\d+|a few|"
              r"a couple of) (?:years?|months?) ago|(?:and )?now (?:i )?(?:want to|wanna|would like to|"
              r"i'?m training to|volunteer|help others|work)\b)")
# A recovered span must not mention current risk (tempered: none of these words inside it).
_NOT_NOW = r"(?:(?!\b(?:again|still|relaps\w*|tonight|urges?|back|anymore|rn|right now)\b)[^.!?])"
_NOT_AFTER = r"(?!.{0,80}?\b(?:again|still|relaps\w*|tonight|urges?|back|rn|right now)\b)"

# Everyday exaggerations and benign uses, removed before risk matching.
BENIGN_PATTERNS: List[str] = [
    r"\b(?:is|are|was|were|it'?s|its|they'?re|theyre|this|that|these)\b[\w\s']{0,25}\bkilling me\b",
    r"\bkilling me\b(?! (?:inside|slowly))(?=[\s\w]*(?:lol|lmao|haha|😂|🤣|$))",
    r"\b(?:i'?d|id|i would|i could|could) (?:kill|murder) (?:for )?(?:a |an |some )?\w+",
    r"\bkill for (?:a |an |some )?\w+", r"\bcould murder (?:a |an )?\w+",
    r"\bdying (?:for|to|of (?:laughter|boredom|embarrassment|cringe|thirst|heat|hunger))\b",
    r"\b(?:nearly|almost) died (?:laughing|of|from (?:laughing|embarrassment|cringe))",
    r"\bdied (?:laughing|of embarrassment|of cringe)\b", r"\bdead (?:tired|excited|good|busy|"
    r"funny|happy|nice|jealous|serious|bored|hungry|chuffed|keen)\b",
    r"\b(?:phone|battery|laptop|car|charger|tv|console|plants?|headphones|xbox|ps5|tablet)"
    r"(?:'s| is| has)?\s*(?:dead|died|dying|is dying)\b",
    r"\b(?:gonna|going to|will|would|is gonna|is going to|'ll) (?:actually |literally |honestly |so )?"
    r"(?:kill|murder|strangle) me (?:when|for|if)\b(?! i (?:tell|told|say|report|leave|go to|come back|"
    r"go back|come home|go home|speak|talk|call|ring|snitch|grass))",
    r"\bif i (?:fail|failed|don'?t pass|dont pass|get|am late|'?m late|m late|forget|miss|lose|break|"
    r"crash|spend|flunk)\b[^.?!]{0,30}\b(?:mum|mom|mam|dad|parents|teacher|boss|manager|coach|sister|"
    r"brother|nan|tutor)\b[^.?!]{0,10}\b(?:will|'ll|gonna|going to|is going to) (?:actually |literally )?"
    r"(?:kill|murder) me\b",
    r"\bkill(?:s|ed|ing)? it\b", r"\bkilled (?:it|that)\b", r"\bkiller\b",
    r"\b(?:suicide|self[- ]?harm|overdose|abuse|domestic abuse|domestic violence) "
    r"(?:prevention|awareness|charity|charities|training|course|project|module|documentary|"
    r"squad|research|statistics|stats|helpline volunteer)",
    r"\b(?:project|essay|assignment|documentary|presentation|module|research|lecture|"
    r"volunteer\w*|course) (?:on|about|for) (?:suicide|self[- ]?harm|overdose|abuse|"
    r"domestic abuse|a? ?suicide prevention)[\w ]*",
    r"\boverdosed on (?:netflix|chocolate|sugar|caffeine|tv|tiktok|coffee|sweets|content)",
    r"\b(?:substance|drug|alcohol) abuse\b",
    r"\bhit me up\b", r"\bhit me back\b", r"\bshoot me (?:a|an) (?:text|message|dm|email)",
    r"\bjump (?:in|into) the (?:shower|bath|pool)", r"\bdead end\b", r"\bdeadline",
    r"\b(?:my|the) (?:ex|game|match|team) is dead to me", r"\bdead to me\b",
    r"\bcut (?:my|the|your|his|her) (?:hair|fringe|nails|onions?|grass|hedge|cake|bread)",
    r"\bcut (?:down|back) (?:on)?\b", r"\bcut (?:off|out) (?:sugar|carbs|caffeine)",
    r"\bburnt? (?:my )?(?:toast|dinner|tea|the rice|food|pizza|hand on)",
    r"\btook my (?:meds|medication|pill|tablets?) (?:this morning|today|as prescribed)",
    r"\b(?:bus|car|ball|train) hit\b", r"\bhit (?:a|the) pothole",
    r"\bgym\b", r"\bpub quiz\b", r"\bhit me with (?:a|his|her) (?:pillow|snowball|water balloon|nerf)[\w ]*",
    r"\b(?:followed|following) (?:me )?(?:by|on) (?:\w+ )?(?:bots|insta|instagram|tiktok|twitter|x)\b",
    r"\bfollowed by (?:[\w']+ ){0,3}(?:bots|people|accounts|followers|randoms)\b", r"\bcutting (?:my )?(?:screen time|costs|spending|back)\b",
    r"\bbroke into my (?:car|shed|garage|van)\b[^.]{0,40}\b(?:last|insurance|claim)",
    r"\blaughing\b", r"\blol\b(?=\s*$)", r"\bkaraoke\b", r"\bmurdered (?:that|the|it)\b",
    # issue 7: games, study, reporting about others, past recovered disclosures
    rf"\b(?:killed|kill|killing|knifed|shot|stabbed|sniped|died|dying|dead|one shot)\b[^.!?]{{0,40}}"
    rf"\b(?:in|on|playing) {_GAMES}\b",
    rf"\b(?:in|on|playing) {_GAMES}\b[^.!?]{{0,30}}\b(?:killed|kill|killing|knifed|shot|stabbed|"
    rf"sniped|died|dying|dead)\b",
    r"\b(?:causes|statistics|stats|rates|history|psychology|sociology|theories|sources|essay|"
    r"research) (?:of|on|about|for) (?:suicide|self[- ]?harm|overdoses?|abuse|domestic abuse)\b",
    r"\b(?:a |the )?(?:celebrity|singer|rapper|actor|actress|footballer|influencer|youtuber|"
    r"character|villain|someone (?:on|in) (?:the news|tv|a film|the film))\b[^.!?]{0,20}\b"
    r"(?:overdosed|killed (?:him|her|them)sel(?:f|ves)|died by suicide|was stabbed|got stabbed)\b",
    r"\b(?:killed|killing|kill) (?:my|him|her|them|your)sel(?:f|ves) laughing\b",
    r"\bwake up (?:on time|in time|early)\b",
    r"\bend(?:ing)? things with (?:my|him|her|them)\b",
    r"\b(?:leak\w*|mould|mold|hole|damp|water|repairs?|fix\w*|tiles?|slates?|gutters?|rain\w*|"
    r"pigeons?|birds?|aerial|satellite dish)\b[^.]{0,25}\b(?:on|in|through|from|off) the roof\b",
    r"\b(?:in care|in foster care|fostered|adopted|taken into care)\b[^.!?]{0,30}\b(?:because of|due "
    r"to|cos of|cause of|after) (?:the )?(?:abuse|neglect|domestic (?:abuse|violence))\b",
    rf"\b(?:used to|i had|had|survived|i was|went through|got through|recovered from|"
    rf"support group for)\b{_NOT_NOW}{{0,40}}\b{_PAST}\b{_NOT_NOW}{{0,60}}\b{_RECOVERED}{_NOT_AFTER}",
    rf"\b{_RECOVERED}{_NOT_NOW}{{0,30}}\bsince (?:my|the|i)\b{_NOT_NOW}{{0,30}}\b{_PAST}\b"
    rf"{_NOT_NOW}{{0,30}}\b(?:years?|months?) ago\b{_NOT_AFTER}",
]

# Under-18 rule (issue 7): a disclosure of abuse by an under-18 is a safeguarding concern, so when
# the message itself states an age under 18, weaker abuse cues ("asking me for pics", "wants to
# meet me in a hotel", "no one comes home") are enough to flag ``abuse``.
UNDER_18_AGE = (
    r"\b(?:i'?m|im|i am|i'?m only|im only|i am only|aged|age|just turned)\s*(1[0-7]|[5-9])\b"
    r"(?!\s*(?:%|quid|pounds|p\b|mins?\b|minutes|hours?|hrs?|days?|weeks?|months?|miles|km|k\b|am\b|"
    r"pm\b|:|\.\d|ft|feet|stone|kg|times|x\b|euros?|dollars?|percent|grand|on\b|in\b|out\b|away))"
    r"|\b(1[0-7]|[5-9])\s*(?:yo|y/o|y\.o\.?|yrs? old|years? old|year old)\b(?! (?:man|guy|woman|bloke))")
UNDER_18_ABUSE_CUES: List[str] = [
    r"\btouch(?:es|ed|ing)? (?:me|my)\b",
    r"\b(?:asks?|asking|asked|wants?|wanted|send|sent|sending|share|shared|keeps asking) (?:me )?(?:for )?"
    r"(?:pics|photos|pictures|nudes|naked|videos? of me)\b",
    r"\b(?:guy|man|bloke|stranger|someone|he|she)\b[^.]{0,25}\b(?:wants?|asked|asks|asking|keeps asking)"
    r"\b[^.]{0,15}\b(?:to meet|meet (?:up|me|him|her)|come (?:over|round)|hotel|his (?:house|flat|car))",
    r"\bhotel\b", r"\bolder (?:man|guy|boy|lad|woman|bloke|men|guys|lads)\b",
    r"\b(?:[2-9]\d|1[89]) ?(?:year old|yr old|yo|y/o) (?:man|guy|bloke|woman|lad|bf|boyfriend)\b",
    r"\b(?:our (?:little )?secret|keep (?:it|this) (?:a )?secret|says? (?:it'?s|its) (?:a|our) secret|"
    r"not to tell)", r"\bneglect\w*",
    r"\b(?:theres |there'?s |never )?(?:never|no) (?:any )?food\b(?! (?:in|till|until|left till))",
    r"\b(?:no ?one|nobody) (?:comes home|looks after|is ever home|feeds)",
    r"\bgroom\w*", r"\bbuys? me (?:stuff|things|gifts|clothes|drinks|weed)",
    r"\b(?:sell|carry|hold) (?:stuff|drugs|packages|bags) for\b",
]


_ME = r"(?:my ?self|myself|meself)"
_INTENT = (r"(?:want to|wanna|going to|gonna|gon|about to|ready to|need to|have to|trying to|"
           r"try to|plan(?:ning)? to|decided to|deserve to|will|'ll|ll|could|might|may|should|"
           r"would|feel like|urges? to|tempted to|thinking (?:of|about)|i wish i could|i'd like to)")
# "die" and "end it all" only with wanting or intending ("i'll die if he sees this" is an idiom).
_WANT = (r"(?:want to|wanna|just want to|going to|gonna|about to|ready to|need to|trying to|"
         r"plan(?:ning)? to|decided to|deserve to|i wish i could|feel like i'?m going to)")
_DIE_IDIOM = (r"(?! (?:of|from|with) (?:laugh\w*|embarrass\w*|cringe|boredom|shame|the heat|heat|"
              r"hunger|thirst|excitement|jealousy|envy|happiness|cuteness|joy|secondhand|second hand)"
              r"| laughing| laughin| in a good way)")
_PERSON = (r"(?:he|she|they|him|her|them|dad|da|father|mum|mom|mam|mother|stepdad|step dad|stepmum|"
           r"step mum|boyfriend|girlfriend|partner|ex|husband|wife|brother|uncle|cousin|family|"
           r"someone|somebody|these (?:guys|lads|men|boys|people)|the (?:guy|man|lads|gang)|"
           r"he'?s|she'?s|they'?re|hes|shes|theyre|he'?ll|she'?ll|they'?ll)")
_WILL_HARM = (r"(?:will|'ll|ll|is gonna|are gonna|gonna|going to|is going to|are going to|"
              r"said (?:he|she|they)(?:'d| would| will|'ll| is gonna| was gonna| was going to)|"
              r"says (?:he|she|they)(?:'ll| will| is gonna| is going to)|threaten\w* to|swore (?:to|"
              r"(?:he|she|they)(?:'d| would))|tried to|trying to|tries to|wants to|want to) "
              r"(?:actually |literally |really |fucking |f\w*ing )?(?:kill|murder|stab|shoot|hurt|"
              r"beat|batter|strangle|slash|burn)(?: me| us)\b(?! all)")
_WHEN = (r"(?:if|when|once|the second|as soon as) (?:(?:he|she|they) (?:find|finds|found|catch|catches|"
         r"see|sees|get|gets|gets hold of|track|tracks) (?:me|us)|i (?:leave|left|tell|told|report|"
         r"snitch|grass|talk|speak|say anything|go to the (?:police|cops)|call the (?:police|cops)|"
         r"try to leave|run|don'?t (?:pay|come back|marry|do (?:it|what)))|i (?:go|come) (?:back|home)"
         r"(?! late| drunk| with| after| past| without| early))")
# Not a current statement: a negation just before ("i'd never kill myself"), a past or a cause
# marker just before ("i used to want to die", "this queue makes me want to die"), or a past
# marker just after ("i tried to end my life when i was 15"). Then the detector decides.
_NEGATED = re.compile(r"(?:\b(?:not|never|n'?t|dont|wont|cant|wouldnt|wouldn't|couldnt|no way)\b"
                      r"(?:\s+\w+)?|\b(?:used to|use to|back when|back in|when i was (?:younger|a kid|"
                      r"little|small|at school|in school|\d+)|(?:years|months) ago|in (?:high|secondary) "
                      r"school)\b[^.?!]{0,25}|\b(?:makes?|making|made) me)\s*$")
_PAST_AFTER = re.compile(r"^[^.?!]{0,40}?\b(?:when i was|(?:years?|months?) ago|years back|back in|"
                         r"as a (?:teen|kid|child)|in (?:year|yr) \d+|in (?:first|second|third) "
                         r"year|in (?:high|secondary) school|in (?:19|20)\d\d|once\b|in the past)")

EXPLICIT: Dict[str, List[str]] = {
    "suicide": [
        rf"\bkill(?:ing|s)? {_ME}\b(?! (?:laughing|laughin|with laughter))",
        rf"\b{_WANT} (?:just )?(?:die|be dead|end (?:it all|my life|my own life|everything)|"
        rf"not (?:be here|exist|wake up)|never wake up)\b{_DIE_IDIOM}",
        r"\bwish (?:i|id|i'd) (?:was|were) dead\b",
        r"\b(?:end|ending|take|taking) my (?:own )?life\b",
        r"\b(?:i'?m|im|i am|feel(?:ing)?|been feeling|getting|i feel|so|really|very|proper|actually)"
        r" (?:\w+ )?suicidal\b",
        r"\b(?:i'?m|im|i am|i'?ve been|ive been|been|i keep|i can'?t stop|i cant stop) (?:thinking|"
        r"having thoughts) (?:about |of )?(?:suicide|killing myself)\b",
        rf"\bhang(?:ing)? {_ME}\b",
    ],
    "self_harm": [
        rf"\b{_INTENT} (?:cut|hurt|harm|burn|hit|punch|starve|stab|scratch|poison) {_ME}\b",
        rf"\b(?:been|keep|kept|started|am|i'?m|im) (?:cutting|burning|hurting|harming|"
        rf"hitting|scratching|starving) {_ME}\b",
        rf"\b(?:cut|hurt|harmed|burned|burnt) {_ME} (?:again|on purpose|deliberately|last night|"
        rf"tonight)\b",
        rf"\b(?:feel like|feeling like|thinking (?:of|about)|can'?t stop thinking about|urges? to "
        rf"start) (?:cutting|hurting|harming|burning|hitting|starving) {_ME}\b",
    ],
    "danger": [
        rf"\b{_PERSON}\b[^.?!]{{0,30}}?\b{_WILL_HARM}[^.?!]{{0,12}}\b{_WHEN}",
        rf"\b{_PERSON}\b[^.?!]{{0,30}}?\b(?:threaten\w* to|tried to|trying to|tries to) "
        r"(?:kill|murder|stab|shoot|strangle) (?:me|us)\b(?! all)",
        r"\b(?:he|she|they|someone)\b[^.?!]{0,20}\b(?:has|have|got|with|holding|pulled) (?:a |an )?"
        r"(?:knife|gun|blade|machete)\b[^.?!]{0,40}\b(?:kill|stab|shoot|hurt) (?:me|us)\b",
    ],
}

# Words that name kinds the older categories lack: used to choose the kind (and helplines).
HINTS: Dict[str, List[str]] = {
    "eating": [r"\b(?:anorexi\w*|bulimi\w*|purg(?:e|ed|ing)|laxatives?|binge\w*|restrict\w*|calories|"
               r"ana\b|ed\b|eating disorder|not eaten|haven'?t eaten|havent eaten|starving myself)\b"],
    "forced_marriage": [r"\b(?:forced marriage|marry|married|marriage|wedding|engaged|engagement|"
                        r"nikah|fgm|cut me|cutting ceremony|be cut|get cut|circumcis\w*|khatna)\b"],
    "sexual_assault": [r"\b(?:rape\w*|raped|sexually assaulted|sexual assault|sa'?d|said no|"
                       r"didn'?t consent|didnt consent|without (?:my )?consent|spiked)\b"],
    "exploitation": [r"\b(?:county lines|groom\w*|trafficked|trafficking|owe (?:them|him|the)|debt|"
                     r"run(?:ning)? (?:a )?line|trap house|cuckoo\w*|made to (?:sell|carry|work))\b"],
    "sextortion": [r"\b(?:nudes?|naked|pics|photos|pictures|images?|video|sextort\w*|leak\w*|"
                   r"expose|blackmail\w*)\b"],
    "homeless": [r"\b(?:sleep(?:ing)? (?:rough|outside|on the street|in a (?:park|doorway|stairwell|"
                 r"car|tent))|on the streets?|nowhere to (?:sleep|stay|go)|kicked out|homeless|"
                 r"freezing|no bed)\b"],
}


# Who the risk comes from: a partner or a family member (chooses between the two kinds).
PARTNER = re.compile(r"\b(?:boyfriend|girlfriend|partner|husband|wife|fiance|fiancee|ex|my man|"
                     r"my girl|bae|hubby|the guy i'?m seeing|person i'?m seeing|dating)\b")
FAMILY = re.compile(r"\b(?:mum|mom|mam|mother|dad|da|father|stepdad|step dad|stepmum|step mum|"
                    r"parents?|brother|sister|uncle|aunt|auntie|aunty|cousin|nan|gran|grandad|"
                    r"grandma|grandpa|family|carer|foster|guardian)\b")


def _union(patterns: List[str]) -> Tuple["re.Pattern[str]", ...]:
    """Compile a list as at most two alternations: the branches that start with ``\\b`` (``re``
    can then skip ahead to word starts, several times faster than one regex per pattern) and
    the rest (emoji, anchors), whose presence would switch that off for the whole alternation."""
    groups = ([p for p in patterns if p.startswith(r"\b")],
              [p for p in patterns if not p.startswith(r"\b")])
    return tuple(re.compile("|".join(f"(?:{p})" for p in g)) for g in groups if g)


_RISK = {cat: _union(pats) for cat, pats in RISK_PATTERNS.items()}
_EXPLICIT = {cat: _union(pats) for cat, pats in EXPLICIT.items()}
_HINTS = {cat: _union(pats) for cat, pats in HINTS.items()}
_BENIGN = _union(BENIGN_PATTERNS)
_U18_AGE = re.compile(UNDER_18_AGE)
_U18_CUES = _union(UNDER_18_ABUSE_CUES)


def explicit(text: str) -> Tuple[str, ...]:
    """The categories of the explicit statements in normalised ``text`` (not negated)."""
    found = []
    for cat, rxs in _EXPLICIT.items():
        for rx in rxs:
            if any(not _NEGATED.search(text[max(0, m.start() - 30):m.start()])
                   and not _PAST_AFTER.search(text[m.end():m.end() + 60])
                   for m in rx.finditer(text)):
                found.append(cat)
                break
    return tuple(found)


def risk(text: str) -> Tuple[Tuple[str, ...], bool]:
    """(risk categories after everyday uses are removed, whether an everyday use was found)."""
    cleaned, n_benign = text, 0
    for rx in _BENIGN:
        cleaned, n = rx.subn(" ", cleaned)
        n_benign += n
    cats = [cat for cat, rxs in _RISK.items() if any(rx.search(cleaned) for rx in rxs)]
    if ("abuse" not in cats and _U18_AGE.search(cleaned)
            and any(rx.search(cleaned) for rx in _U18_CUES)):
        cats.append("abuse")
    return tuple(cats), n_benign > 0


def hints(text: str) -> Tuple[str, ...]:
    """The kind hints (``HINTS`` keys) named in normalised ``text``."""
    return tuple(cat for cat, rxs in _HINTS.items() if any(rx.search(text) for rx in rxs))


def under_18_age(text: str) -> int | None:
    """An age under 18 stated about the writer in normalised ``text`` ("im 15", "14yo")."""
    m = _U18_AGE.search(text)
    return int(m.group(1) or m.group(2)) if m else None
