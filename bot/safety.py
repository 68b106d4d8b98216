"""Crisis detection (risk to life, self-harm, overdose, abuse, immediate danger) and helplines.

A maintained lexicon of phrases, misspellings, slang and emoji. Everyday exaggerations
("my feet are killing me", "dying for a coffee") are recognised first and removed, so they do
not trigger; what remains is matched against risk patterns. The Rasa pipeline combines this
with the NLU model's ``crisis`` intent (see ``nlu_components/crisis_guard.py``) and errs on the
side of safety.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Dict, List, Mapping, Tuple

import yaml

_ME = r"(?:my ?self|myslef|mysel|meself|my self)"
_PILLS = (r"(?:pills?|tablets?|paracetamol|paracetomol|ibuprofen|meds|medication|painkillers?|"
          r"sleeping pills|antidepressants|insulin|co-?codamol|codeine)")

RISK_PATTERNS: Mapping[str, List[str]] = {
    "suicide": [
        rf"\b(?:kill|killing|killin|end|ending|top|topping|off|offing|unalive|unaliving|hang|hanging|"
        rf"drown|drowning|shoot|poison|poisoning|suffocate)\s+{_ME}",
        r"\bkms\b", r"\bk\.m\.s\b", r"\bctb\b", r"sewerslide", r"\bunalive",
        r"\b(?:want|wanna|wannna|going|gonna|ready|plan(?:ning)?|try(?:ing)?|decided)\s+(?:to\s+|2\s+)?"
        r"(?:die|be dead|end it|end (?:it|things) all|end my life|not be here|disappear forever)\b",
        r"\b(?:wish|wishing) (?:i|id|i'd) (?:was|were|had) (?:dead|never been born|died)",
        r"\bsu+i+c+i*d+(?:e|al|le|ial)?\b", r"\bsuicid\w*", r"\bsucid\w*", r"\bsuisid\w*",
        r"\bsuicdal\b", r"\bsucidal\b", r"\bsuacidal\b",
        r"\bend(?:ing)? (?:it all|my life|my own life|everything|it tonight|things)\b",
        r"\btake my (?:own )?life\b", r"\btaking my (?:own )?life\b",
        r"\b(?:don'?t|dont|do not|dnt|no longer|not) (?:want|wanna|wish) (?:to |2 )?(?:be alive|live|"
        r"be here|wake up|exist|be around|carry on|go on)",
        r"\b(?:no|dont see the|don'?t see the|don'?t see any|dont see any|whats the|what's the|"
        r"what is the) (?:point|reason) (?:in |of )?(?:living|to live|being alive|going on|"
        r"carrying on|of living|of being alive|of life|in life|anymore|any more|to carry on)",
        r"better off (?:without me|if i was(?:n'?t| not) here|if i were dead|dead|if i died)",
        r"\b(?:goodbye|suicide) (?:note|letter|message)s?", r"\bwritten (?:my )?goodbye",
        r"\bcan'?t (?:go on|carry on|keep going|live like this)\b",
        r"\bcant (?:go on|carry on|keep going|live like this)\b",
        r"\bjump(?:ing)? (?:off|in front of|from) (?:a |the |that )?(?:bridge|building|roof|"
        r"train|car|car park|cliff|tower|motorway)",
        r"\b(?:slit|slash|cut) my (?:wrists?|throat)", r"\bnoose\b", r"\bhang myself",
        r"\b(?:painless|easiest|quickest|best) ways? (?:to|2) (?:die|kill)",
        r"\bhow (?:to|do i|can i) (?:die|kill my ?self|end it)",
        r"\bwant(?:ed)? to die\b", r"\bwanna die\b", r"\bwant 2 die\b", r"\bready to die\b",
        r"\bdeserve to die\b", r"\bi should (?:just )?die\b", r"\bshould be dead\b",
        r"\bnot (?:be|being) here (?:anymore|any more|tomorrow)",
        r"\bgiv(?:en|ing|e) away (?:all )?my (?:stuff|things)",
        r"\bwont need (?:it|them|my stuff) (?:soon|much longer|anymore)",
        r"\b(?:sleep|go to sleep) (?:forever|and never wake up)", r"\bnever wake up\b",
        r"\b(?:wont|won'?t) be (?:here|around|alive) (?:tomorrow|much longer|soon|anymore)",
        r"\b(?:if|when) i(?:'?m| am| was| were)? (?:gone|dead)\b",
        r"\b(?:tired|sick) of (?:being alive|living|life|existing)\b",
        r"\b(?:life|living) (?:isn'?t|isnt|is not|aint|ain'?t) worth (?:living|it)",
        r"\bnot (?:worth|want(?:ing)? to) (?:living|be alive|exist)",
        r"\b(?:disappear|not exist|stop existing) (?:and not exist|forever|for good|anymore)",
        r"\bi(?:'?m| am) a burden\b", r"\bhappier if i (?:was|were) (?:dead|gone)",
        r"\b(?:step|stepping|jump|jumping|walk|walking|throw\w* myself) (?:in front of|under|"
        r"off|onto|into) (?:a |the )?(?:train|bus|lorry|truck|car|tracks|bridge|roof|building)",
        r"\b(?:on|at) the (?:edge of the )?(?:bridge|roof|cliff|tracks)\b",
        r"\bgonna jump\b(?! on| in| into| off the (?:sofa|bed)| around)", r"\bgoing to jump\b(?! on| in| into)", r"\bthinking of jumping\b",
        r"\bthe rope\b", r"\b(?:this is|saying) goodbye\b", r"\btonight'?s the night\b",
        r"\b(?:planning|plan) (?:how|when) (?:i'?d|i would|i will|to) do it\b",
        r"\bi have a plan\b", r"\bended it\b", r"\bgiv(?:e|ing) up on (?:life|living)\b",
        r"\b(?:drive|driving|crash|crashing) (?:my car )?into a (?:wall|tree|lorry) on purpose",
        r"\bhow (?:high|far|many|much)[\w\s]{0,40}\b(?:to (?:definitely )?die|to kill|lethal)",
        r"\bcan'?t do this anymore\b", r"\bcant do this anymore\b",
        r"🪦", r"⚰️", r"😵",
    ],
    "self_harm": [
        r"\bself[- ]?harm\w*", r"\bslef[- ]?harm\w*", r"\bself[- ]?injur\w*", r"\bsh'?d\b",
        r"\bself[- ]?hurt",
        rf"\b(?:cut|cutting|cuts|burn|burning|burnt|burned|hurt|hurting|harm|harming|scratch|"
        rf"scratching|hit|hitting|punch|punching|bruise|bruising|starve|starving|punish|"
        rf"punishing) {_ME}",
        r"\b(?:been|started|start|keep|kept|am) cutting\b", r"\bcutting (?:again|my)\b",
        r"\bcut my (?:arms?|legs?|thighs?|skin|wrists?|stomach)",
        r"\b(?:my|the|fresh|new) (?:cuts|scars) ", r"\bhiding (?:my )?(?:scars|cuts)",
        r"\b(?:relapsed|relapse|relapsing) on sh\b", r"^\s*sh\b(?: again| relapse)",
        r"\bsh again\b", r"\b(?:cut|cutting|cuttin) again\b", r"\bcuttin\b",
        r"\b(?:till|until) (?:they|it|i) bleeds?\b", r"\b(?:till|until) my \w+ bleed",
        r"\bburning my (?:arms?|legs?|skin|hand|wrists?) with",
        r"\bcarv(?:e|ed|ing) [\w ]{0,20}(?:into|in) my (?:skin|arm|leg)",
        r"\b(?:blades?|razors?) (?:to|on|into|across) my\b", r"\bhide my blades?\b", r"🩸",
    ],
    "overdose": [
        r"\bover ?dos(?:e|ed|ing)\b", r"\boverdoes\b", r"\bod'?(?:d|ed|ing)\b",
        r"\b(?:an|to|gonna|going to|wanna|want to) od\b",
        rf"\b(?:took|taken|take|taking|swallowed|swallow|downed|had|necked|popped|ate)\s+"
        rf"(?:a |an )?(?:load|loads|lot|lots|bunch|handful|handfuls|fistful|all|every|the whole|"
        rf"whole|too many|too much|box|boxes|packet|pack|bottle|\d+|twenty|thirty|forty|fifty|"
        rf"ten|fifteen)\b[\w\s']{{0,25}}?{_PILLS}",
        rf"\ball (?:of )?(?:my|mums?|mum's|mams?|dads?|the) {_PILLS}",
        rf"\b(?:stockpil\w*|sav(?:ing|ed) up) (?:my )?{_PILLS}",
        r"\b(?:drank|drink|drinking|swallowed) (?:some |the )?(?:bleach|antifreeze|weedkiller)",
        r"\b(?:took|taken|had|done|taking) (?:way )?too much (?:ket|ketamine|heroin|coke|cocaine|mdma|xanax|spice|gbl|ghb|fent)",
        r"\btook (?:like |about |around )?\d+ (?:of )?(?:my |mums |the )?\w+",
        r"\btook everything in the (?:medicine|bathroom) (?:cabinet|cupboard)",
        r"\b(?:way )?too (?:much|many) of my (?:meds|medication|pills|tablets)",
        r"\bon purpose\b[^.]{0,30}\b(?:pills|meds|tablets)|\b(?:pills|meds|tablets)\b"
        r"[^.]{0,30}\bon purpose\b",
        r"\b(?:drink|drinks) (?:got|been|was) spiked\b", r"\bspiked\b",
        r"💊",
    ],
    "abuse": [
        r"\b(?:hits|hitting|beats|beating|beat|punches|punched|punching|slaps|slapped|slapping|"
        r"chokes|choked|choking|strangl\w*|batters|battered|kicks|kicking|smacks|smacked|"
        r"shoves|shoved|pushes me|pushed me down|throws things at|threw things at|burns|burnt|"
        r"bruises|bites) me\b(?! up| out| off)",
        r"\b(?:hit|kicked|kick|hurt|hurts|hurting|attacked|attacks|assaulted|assaults) me\b"
        r"(?! up| out| off| ?lol| when i lose| at (?:fifa|football|pool|cards))",
        r"\b(?:he|she|they|dad|mum|mom|stepdad|stepmum|step dad|partner|boyfriend|bf|girlfriend|"
        r"gf|husband|wife|brother|uncle|carer|coach|teacher|landlord|boss|ex)\b[^.?!]{0,40}"
        r"\b(?:kill|stab|hurt|hit|beat|rape|burn) me\b",
        r"\b(?:rape|raped|raping|rapist|molest\w*|grop(?:e|ed|es|ing)|sexual(?:ly)? "
        r"(?:assault\w*|abus\w*|messages|pics|photos|touching)|indecent)\b",
        r"\btouch(?:es|ed|ing)? me\b", r"\btouching me\b", r"\bmakes me (?:do|touch|watch) ",
        r"\bmade me (?:do (?:stuff|things|sexual)|touch|watch|have sex)",
        r"\bforc(?:es|ed|ing|e) me\b", r"\bforced (?:to|into) (?:marr|sex|have sex)",
        r"\bforced marriage\b", r"\bmaking me marry\b", r"\bmake me marry\b",
        r"\b(?:scared|afraid|frightened|terrified|petrified) (?:of|of what) (?:my |him|her|them|"
        r"he|she|they|what he|what she)",
        r"\bthreaten\w* (?:me|to (?:kill|hurt|stab|beat|share|post|leak|send|tell|kick))",
        r"\b(?:he|she|they|he'?ll|she'?ll|they'?ll)\b[^.?!]{0,30}\bthreat",
        r"\b(?:abus(?:e|ed|ing|es|ive|er))\b(?<!substance abuse)(?<!drug abuse)(?<!alcohol abuse)",
        r"\b(?:won'?t|wont|doesn'?t|doesnt|don'?t|dont) (?:let|allow) me (?:leave|go out|go "
        r"anywhere|see (?:my )?(?:friends|family)|have (?:my )?(?:own )?money|out|talk to)",
        r"\bchecks? (?:all )?my (?:phone|messages|texts)", r"\btracks? my (?:location|phone)",
        r"\bcontrols? (?:all )?(?:my money|my phone|everything i|where i go|me)",
        r"\b(?:took|takes|keeps|kept|has) my (?:phone|passport|id|bank card|money) (?:and|so|off)"
        r"(?! me till)(?! till)",
        r"\block(?:s|ed)? me (?:in|out|up)\b", r"\bgroom(?:ed|ing)\b",
        r"\b(?:wants?|asking|asks|asked|make|made|making) (?:me )?(?:for )?(?:send |sending )?"
        r"nudes\b", r"\bsend (?:him|her|them) nudes",
        r"\b(?:share|post|leak|send|spread)\w* my (?:nudes|pics|photos|pictures)",
        r"\b(?:making|made|makes|forcing|pressuring) me (?:to )?send (?:him|her|them) "
        r"(?:pics|photos|pictures|nudes|videos)", r"\bsextort\w*", r"\bcounty lines\b", r"\bmade to (?:sell|carry|run|hold)",
        r"\bbeing made to\b", r"\btrafficked\b", r"\bsays? (?:i'?m|im) worthless",
        r"\bnot safe (?:at home|with (?:him|her|them|my))", r"\bdomestic (?:violence|abuse)\b",
        r"\bhe (?:raped|hit|beat|hurt|strangled|choked) ",
        r"\b(?:he|she|they)'?(?:ll| will) (?:kill|hurt|stab|beat) (?:me|us|my)\b",
        r"\bpushed me (?:down|into|against|over|off)\b",
        r"\bkill me if i (?:tell|told|say|report|leave|go to)\b",
        r"\bblackmail\w*", r"\bforced himself\b", r"\bforced herself\b",
        r"\b(?:got|been|was|get|getting) sa'd\b", r"\bsa'd\b", r"\bsexually assaulted\b",
        r"\b(?:pressured|pressuring|coerced|made) me into (?:sex|sexual|sending)",
        r"\bwon'?t let me eat\b", r"\bwont let me eat\b",
        r"\bbruises? (?:all over|everywhere|on my)[^.]{0,30}\b(?:from|cos|because)\b",
        r"\bfrom my (?:dad|mum|stepdad|partner|boyfriend|bf|husband) again\b",
        r"\b(?:older|grown) (?:guy|man|woman|bloke)[^.]{0,60}\b(?:meet|not to tell|secret)",
        r"\bsays? not to tell (?:my )?(?:parents|mum|dad|anyone)\b",
        r"\btold me not to tell\b",
        r"\b(?:sleep with|have sex with) (?:him|her|them) or\b",
        r"\bcomes? (?:in|into) my (?:room|bed) at night\b",
        r"\bgrab(?:s|bing|bed)? me\b", r"\bgrabbing me\b",
    ],
    "danger": [
        r"\b(?:has|have|got|with|holding|carrying|pulled|pulling|waving)\s+(?:a |an )?"
        r"(?:knife|gun|blade|machete|weapon|bat)\b",
        r"🔪", r"🔫",
        r"\b(?:break|breaking|broke|trying to break|trying to get) (?:in|into)\b",
        r"\b(?:being|am being|im being|i'm being) (?:followed|chased|hunted)",
        r"\b(?:following|chasing) me\b", r"\boutside my (?:door|house|flat|room|window)\b",
        r"\bnot safe (?:here|right now|rn|tonight)\b", r"\bin danger\b", r"\bunsafe (?:right now|rn)",
        r"\b(?:isn'?t|isnt|is not|not|stopped) breathing\b", r"\bunconscious\b",
        r"\bcollapsed\b", r"\bwon'?t wake up\b", r"\bwont wake up\b",
        r"\bhelp me (?:please|pls|plz)?\s*(?:he|she|they)\b", r"\bkidnap\w*",
        r"\bgonna (?:get )?(?:stab|shoot|jump)(?:bed|ed)? me\b",
        r"\b(?:stab|shoot|kill) (?:me|us)\b",
        r"\b(?:i'?ve|i have|ive|just) been (?:stabbed|shot|attacked|assaulted|mugged)",
        r"\blocked in\b[^.]{0,40}\b(?:he|she|they)\b", r"\bkicking the door\b",
        r"\bsmashing (?:everything|things|the place)\b", r"\b(?:we'?re|we are|im|i'?m) hiding\b",
        r"\bfire in (?:my|the|our) (?:flat|house|room|building)\b", r"\b(?:trapped|locked in|fire)\b[^.]{0,30}\bcan'?t get out\b",
        r"\bsomeone(?:'?s| is) in (?:my|the|our) (?:house|flat|room)",
        r"\bhelp,? (?:he|she|they)(?:'?s| is| are) (?:here|coming|back|outside)",
        r"\b(?:he|she|they)(?:'?s| is| are) coming back\b",
        r"\bdon'?t know where i am\b", r"\bdont know where i am\b",
        r"\bbanging (?:on|at) (?:my|the) (?:door|window)",
    ],
}

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
    r"\b(?:gonna|going to|will|would|is gonna|is going to|'ll) kill me (?:when|for|if)\b(?! i (?:tell|told|say|report|leave|go to))",
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
]

_RISK = {cat: [re.compile(p, re.IGNORECASE) for p in pats] for cat, pats in RISK_PATTERNS.items()}
_BENIGN = [re.compile(p, re.IGNORECASE) for p in BENIGN_PATTERNS]
_APOS = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


@dataclass(frozen=True)
class Assessment:
    """Result of checking one message."""

    crisis: bool
    categories: Tuple[str, ...] = ()
    benign_only: bool = False  # an exaggeration was found and nothing risky remained


def _prepare(text: str) -> str:
    text = (text or "").translate(_APOS)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:5000]


def assess(text: str) -> Assessment:
    """Check a message for risk to life, self-harm, overdose, abuse or immediate danger."""
    cleaned = _prepare(text)
    had_benign = False
    for rx in _BENIGN:
        cleaned, n = rx.subn(" ", cleaned)
        had_benign = had_benign or n > 0
    cats = tuple(cat for cat, rxs in _RISK.items() if any(rx.search(cleaned) for rx in rxs))
    return Assessment(bool(cats), cats, benign_only=had_benign and not cats)


@dataclass(frozen=True)
class Helpline:
    """A helpline or emergency number."""

    name: str
    contact: str
    description: str
    covers: Tuple[str, ...]
    hours: str = ""


@dataclass(frozen=True)
class RegionHelp:
    """Emergency number and helplines for one region."""

    region: str
    emergency: str
    helplines: Tuple[Helpline, ...]


@lru_cache(maxsize=1)
def _helpline_data() -> Dict[str, RegionHelp]:
    raw = yaml.safe_load(resources.files("bot.resources").joinpath("helplines.yml")
                         .read_text("utf-8"))
    out: Dict[str, RegionHelp] = {}
    for code, reg in raw["regions"].items():
        lines = tuple(Helpline(h["name"], h["contact"], h["description"],
                               tuple(h.get("covers", [])), h.get("hours", ""))
                      for h in reg["helplines"])
        out[code.upper()] = RegionHelp(code.upper(), str(reg["emergency"]), lines)
    return out


def region_help(region: str) -> RegionHelp:
    """Helplines for ``region``; unknown regions fall back to GB's data with a warning line."""
    data = _helpline_data()
    return data.get((region or "").upper()) or data["GB"]


def crisis_message(region: str, categories: Tuple[str, ...] = (), under_18: bool = False,
                   max_lines: int = 4) -> str:
    """The crisis support text: emergency number first, then the most relevant helplines."""
    rh = region_help(region)
    wanted = set(categories) or {"suicide"}
    if under_18:
        wanted.add("young_people")
    ranked = sorted(rh.helplines, key=lambda h: (-len(wanted & set(h.covers)),
                                                 rh.helplines.index(h)))
    lines = [f"If you are in danger or might act on these thoughts now, call {rh.emergency}."]
    for h in ranked[:max_lines]:
        hours = f" ({h.hours})" if h.hours else ""
        lines.append(f"- {h.name}: {h.contact}{hours}")
    return "\n".join(lines)
