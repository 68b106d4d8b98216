"""Crisis detection (risk to life, self-harm, overdose, abuse, immediate danger) and helplines.

A maintained lexicon of phrases, misspellings, slang and emoji (method and evaluation:
docs/safety.md). Everyday exaggerations
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
        r"\b(?:tired|sick) of (?:being alive|living|life|existing)\b"
        r"(?! (?:in|with|at|here|there|like|on|near|round|around|rough|off|out|under))",
        r"\b(?:life|living) (?:isn'?t|isnt|is not|aint|ain'?t) worth (?:living|it)",
        r"\bnot (?:worth|want(?:ing)? to) (?:living|be alive|exist)",
        r"\b(?:disappear|not exist|stop existing) (?:and not exist|forever|for good|anymore)",
        r"\bi(?:'?m| am) a burden\b", r"\bhappier if i (?:was|were) (?:dead|gone)",
        r"\b(?:step|stepping|jump|jumping|walk|walking|throw\w* myself) (?:in front of|under|"
        r"off|onto|into) (?:a |the )?(?:train|bus|lorry|truck|car|tracks|bridge|roof|building)",
        r"\b(?:on|at) the (?:edge of the )?(?:bridge|roof|cliff|tracks)\b",
        r"\bgonna jump\b(?! on| in| into| off the (?:sofa|bed)| around)", r"\bgoing to jump\b(?! on| in| into)",
        r"\babout to jump\b(?! on| in| into| off the (?:sofa|bed|diving board)| the queue| ship)", r"\bthinking of jumping\b",
        r"\bthe rope\b", r"\b(?:this is|saying) goodbye\b", r"\btonight'?s the night\b",
        r"\b(?:planning|plan) (?:how|when) (?:i'?d|i would|i will|to) do it\b",
        r"\bi have a plan\b", r"\bended it\b", r"\bgiv(?:e|ing) up on (?:life|living)\b",
        r"\b(?:drive|driving|crash|crashing) (?:my car )?into a (?:wall|tree|lorry) on purpose",
        r"\bhow (?:high|far|many|much)[\w\s]{0,40}\b(?:to (?:definitely )?die|to kill|lethal)",
        r"\bcan'?t do this anymore\b", r"\bcant do this anymore\b",
        r"🪦", r"⚰", r"😵", r"🪢",
        # issue 7 (fresh set, dev half): general forms, not copies of messages
        r"\bsewer ?slide", r"\bunaliv\w*", r"\bs[u*]ic[i*]d\w*",
        r"\b(?:kill|killing|killed|end|ending|hang|hanging|unalive|unaliving|top|topping|off|"
        r"offing)\s+(?:him|her|them)sel(?:f|ves)\b",
        r"\bwants (?:to |2 )?(?:die|be dead|end it)\b",
        r"\bthinking (?:about|abt|of) (?:dying|death|ending it|not being here|suicide)\b",
        r"\b(?:wrote|written|writing|finished|left) my (?:(?:last|final|goodbye|suicide) )?note\b"
        r"(?!s| (?:for|to|from|at|in|on) (?:the |my )?(?:school|college|work|teacher|council|doctor|gp|"
        r"tutor|class|lecture|boss))",
        r"\b(?:last|final) (?:note|goodbye)\b(?!s)", r"\bgoodbye (?:post|video|text|voice note)\b",
        r"\b(?:walk|walking|wade|wading|throw\w* myself|drown\w* myself) (?:in|into|out into) (?:the )?"
        r"(?:sea|river|canal|lake|traffic|thames|quarry)\b",
        r"\b(?:on|at|sat on|sitting on|standing on|stood on) (?:the |a )?(?:edge (?:of )?(?:the |a )?)?"
        r"(?:(?:motorway|railway|rail|road|foot|suspension|car park|multi[- ]?storey|tower block|block of "
        r"flats|flats|building|hospital|school|shopping centre) )?(?:bridge|rooftop|cliff|cliffs|cliff edge|"
        r"tracks|ledge|roof)\b(?! (?:club|game|card|loan|station|bar|terrace|garden|of (?:my|our|the|his|her) "
        r"(?:flat|house|home|building|nose|mouth)|repair|leak))",
        r"\bon top of (?:the |a )?(?:car park|multi[- ]?storey|tower block|block of flats|building)\b",
        r"\b(?:no|not any|isnt any|isn'?t any|there'?s no|theres no) (?:point|reason)[\w\s']{0,20}?"
        r"\b(?:keep )?(?:living|being alive|to live|existing|carrying on)\b"
        r"(?! (?:in|with|at|here|there|like|on|near|round|around|rough))",
        r"\b(?:don'?t|dont|can'?t|cant|not|no) (?:want to |wanna |be bothered to |reason to )?keep (?:on )?"
        r"living\b(?! (?:in|with|at|here|there|like|on|near|round|around|rough))",
        r"\b(?:decided|deciding|made up my mind)\b[^.]{0,15}\bmy last (?:night|day)\b",
        r"\blast (?:night|day) (?:alive|on earth|ever)\b",
        r"\bif i (?:died|disappeared|killed myself)\b",
        r"\bpainless (?:way|ways|death|method|methods|exit)\b", r"\b(?:peaceful|quick|easy) (?:death|exit)\b",
        r"\b(?:quickest|easiest|surest|best|painless) (?:way|ways|method|methods) (?:to|2) (?:die|end it|"
        r"not wake|kill)",
        r"\bwish (?:i|id|i'd) (?:was|were|had)(?:n'?t| not| never)? (?:been )?(?:never )?born\b",
        r"\b(?:and|just|to|so i|so that i|hope i|hoping i|i'd|id|wish i could|want to|wanna) (?:just )?"
        r"(?:not|never|don'?t|dont|wouldn'?t|wouldnt|won'?t|wont) (?:ever )?wake (?:up|back up)\b"
        r"(?! (?:in time|on time|early|till|until|for|at|before|when|my|the|him|her|them|everyone|anyone|"
        r"people|ppl|the baby|\w+'s))",
        r"\b(?:don'?t|dont|do not|can'?t|cant|cannot) see (?:a|any|my) future\b(?! (?:with|in|at|for))",
        r"\b(?:gonna|going to|want to|wanna|thinking (?:of|about)|might|will) (?:just )?(?:drive|crash|"
        r"driving|crashing|steer)\b[^.]{0,20}\b(?:into|off) (?:a |the )?(?:wall|tree|lorry|truck|river|"
        r"sea|bridge|cliff|oncoming)",
        r"\b(?:the pain|it all|everything|all of it|my life) (?:to )?(?:end|stop)\b"
        r"(?! (?:at|when|after|before|up|working|loading|responding|there|here))",
        r"\b(?:end|stop) (?:it|this|everything|it all|my life)(?: all)?,? (?:forever|for good|permanently)\b",
        r"\b(?:it|this|everything|it all|the pain) (?:to )?(?:end|stop),? (?:forever|for good|permanently)\b",
        r"\b(?:can'?t|cant|cannot) be (?:bothered|arsed|asked) (?:living|to live|with life|being alive|"
        r"existing|to exist)\b(?! (?:in|with|at|here|there|like|on|near))",
        r"\b(?:sick|tired) of (?:life|being alive|existing)\b(?! (?:in|at|on) )",
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
        # issue 7 (fresh set, dev half)
        r"\bsh (?:urges?|thoughts|again|relapse|scars|wounds|cuts|tonight)\b",
        r"\b(?:urges? to|want to|wanna|gonna|going to|need to|might|about to) sh\b",
        r"\b(?:cut|hurt|harm|hurting|harming|cutting|burn|burning|punish|punishing) (?:him|her|them)"
        r"sel(?:f|ves)\b",
        r"\b(?:covered in|all these|hide (?:my |the )?|hiding (?:my |the )?|fresh|new) (?:cuts|scars|burns)\b",
        r"\b(?:stop|stopped|quit|quitting|help|helps|from|about|started|start|after|urges? to|urge|"
        r"want to|wanna|with|addicted to|still) cutting\b(?! (?:down|back|out|off|class|school|costs|"
        r"corners|hair|the|my hair|it|ties|in|up|edge|lessons|college))",
        r"\bcutting (?:helps|is the only|makes me|myself|my (?:arm|leg|wrist|thigh|skin|stomach))",
        r"\b(?:i|ive|i've|i have|just|i just) cut\b(?! (?:my|the|your|his|her|down|back|off|out|in|"
        r"up|class|school|it|him|them|a|an|some|ties|through|across|corners|\d|\w+ (?:inch|inches|cm|off)))",
        r"\bcut (?:last night|yesterday|earlier|this morning|tonight|deeper|deep|again)\b",
        r"\b(?:burn|cut|hit|punch|scratch|bang|bit|bite|bruis|starv|carv)\w*\b[^.]{0,20}\b(?:my (?:arms?|"
        r"legs?|skin|wrists?|hands?|head|thighs?|stomach|body|face|knuckles)|myself|walls?)\b[^.]{0,25}"
        r"\b(?:on purpose|deliberately)\b",
        r"\b(?:stitches|steri[- ]?strips?) (?:from|for|after) (?:cutting|my cuts|sh\b)",
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
        # issue 7 (fresh set, dev half)
        r"\b(?:took|taken|had|injected|swallowed) (?:way )?too (?:much|many)\b(?=\s*(?:$|and\b|,|\.|"
        r"of (?:my|the|them|it|those)|pills|tablets|meds|insulin|\w+ (?:pills|tablets)))",
        r"\b(?:injected|injecting|inject) (?:way )?too (?:much|many)\b",
        r"\b(?:might|may|could|will|ll|gonna|wanna|going to|want to|about to|try to|tried to|"
        r"planning to|thinking of|thinking about) (?:an |going |doing an |taking an )?od\b",
        r"\bod (?:tonight|again|on (?:my|pills|tablets|meds|paracetamol))\b",
        r"\bmixed (?:my |all my |loads of |a load of )?(?:pills|tablets|meds|medication)\b[^.]{0,25}"
        r"\b(?:alcohol|vodka|drink|booze|wine)\b",
        rf"\b{_PILLS}\b[^.]{{0,30}}\b(?:so i (?:dont|don'?t|wont|won'?t) wake|to not wake|and not wake|"
        rf"to end it|on purpose)",
        rf"\bon purpose\b[^.]{{0,30}}\b{_PILLS}",
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
        # issue 7 (fresh set, dev half)
        r"\b(?:threw|throws|throwing|chucked|chucks|chucking|lobbed|hurled) [\w ]{0,20}\bat (?:me|my "
        r"(?:head|face|body))\b",
        r"\b(?:he|she|they|bf|gf|boyfriend|girlfriend|partner|husband|wife|dad|mum|mom|stepdad|stepmum|"
        r"brother|sister|uncle|ex|carer|parents)\b[^.]{0,20}\b(?:gets?|getting|got|is|was|becomes?) "
        r"(?:really |so |very |super )?violent\b", r"\bviolent (?:to|towards|with) me\b",
        r"\b(?:black eye|bruises?|a split lip|a cut lip|a fat lip)\b[^.]{0,10}\b(?:off|from) (?:my )?"
        r"(?:dad|mum|mom|stepdad|stepmum|step dad|step mum|bf|gf|boyfriend|girlfriend|partner|husband|"
        r"wife|brother|sister|uncle|aunt|cousin|ex|carer|foster \w+|him|her|them|he|she)\b",
        r"\bleaves? (?:marks|bruises) (?:on me|on my)\b",
        r"\br[*@4]p(?:e|ed|ist|ing)\b", r"\bs[*@]xual",
        r"\bmade to do (?:stuff|things|sexual|sex)", r"\bsexual things\b",
        r"\b(?:sex|sexual)\b[^.]{0,30}\bfor (?:money|rent|a place|somewhere to (?:stay|sleep|"
        r"live)|drugs|a bed|a roof)",
        r"\bexpects? (?:me to (?:have|give him|give her) )?sex\b",
        r"\bexpects? (?:sex|favours|stuff) (?:for|in return|back|in exchange)\b",
        r"\b(?:wishes|wished|said|says|tells me|told me) (?:she |he |they )?(?:wishes |wished )?(?:i|id|i'd) "
        r"(?:was|were|had) never (?:been )?born\b",
        r"\b(?:call|calls|called|calling) me (?:a |an )?(?:useless|worthless|waste of (?:space|air)|"
        r"nothing|mistake|disappointment|failure|piece of|freak|slag|slut|whore)",
        r"\b(?:says?|said|tells? me|told me|screams?|screamed|shouts?|shouted|yells?|yelled)(?: at me)?"
        r"(?: that)? (?:i'?m|im|i am|i was) (?:a |an )?(?:useless|worthless|waste of (?:space|air)|"
        r"nothing|mistake|disappointment|piece of)",
        r"\b(?:starves|starving|starved) me\b",
        r"\b(?:won'?t|wont|doesn'?t|doesnt|don'?t|dont|never) (?:let me eat|feed me|give me (?:any )?food)\b",
        r"\bneglect(?:s|ed|ing)? (?:me|us)\b",
        r"\b(?:checks|tracks|monitors|goes through|(?:is|he'?s|she'?s|they'?re|keeps|always) (?:checking|"
        r"tracking|monitoring|going through)) (?:all )?my (?:location|phone|messages|texts|dms|snap|"
        r"socials|emails|bank|whereabouts)",
        r"\b(?:tracker|airtag|spy app|tracking device)\b[^.]{0,20}\b(?:on|in) my (?:phone|car|bag)",
        r"\bturns? up wherever i (?:am|go)\b",
        r"\b(?:he|she|they|ex|bf|gf|boyfriend|girlfriend|partner)\b[^.]{0,10}\bfollows me everywhere\b",
        r"\b(?:won'?t|wont|doesn'?t|doesnt|don'?t|dont|never) (?:let|allow) me (?:see|talk to|speak to|"
        r"text|go out with|have) (?:my |any )?(?:mates|friends|family|own money|phone|"
        r"anyone|people)",
        r"\bnot allowed\b[^.]{0,30}\bwithout (?:him|her)\b", r"\bwithout (?:his|her|their) permission\b",
        r"\bcontrols? (?:everything|every part|all of|my life|what i|who i)",
        r"\b(?:is|so|really|very|super|getting|gets|being) controlling\b",
        r"\b(?:beats|beating|hitting|hits|hurting|hurts|strangling|choking|attacking|kicking|punching|"
        r"battering|slapping) (?:up )?(?:her|him|my (?:mum|mom|dad|sister|brother|little \w+|baby|nan|"
        r"gran))\b(?! (?:at|in|on|up|\d))",
        r"\b(?:he|she|they|he'?ll|she'?ll|they'?ll|gonna|will)\b[^.?!]{0,30}\b(?:kill|hurt|stab|beat|"
        r"batter) me if i (?:come back|go back|come home|go home|leave|tell|speak|talk|call|ring|snitch|"
        r"grass|see|don'?t|dont)\b",
        r"\bhurt me if\b",
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
        # issue 7 (fresh set, dev half)
        r"\bsmash(?:ing|ed|es)? (?:up )?(?:everything|things|the (?:place|house|flat|door)|the house up|"
        r"my (?:room|stuff|door))\b", r"\bsmashing (?:the |my |our )?(?:house|flat|place|room) up\b",
        r"\b(?:got|getting|been|was|just got|just been) (?:stabbed|shot|knifed|shanked|glassed|slashed|"
        r"attacked|mugged|jumped|beaten up)\b(?! down| (?:a|an|the|my|some|this|that|it)\b)",
        r"\b(?:coming|comin) (?:for|after) (?:me|us)\b(?!\s*(?:at|in|after|before|around|about|from|"
        r"later|soon|tomorrow|today|on|next|\d))",
        r"\bknows? where i live\b",
        r"\b(?:threaten\w*|said|say|says|gonna|going to|will|'ll|ll)\b[^.]{0,20}\b(?:burn|torch|petrol bomb)"
        r"\w* (?:down )?(?:the|my|our) (?:house|flat|home|car)\b",
        r"\b(?:throw|chuck|chucking|throwing) acid\b", r"\bacid (?:attack|on me|in my face)\b",
        r"\btry(?:ing|ies|ied)? to (?:get|drag|pull|force|make) me (?:in|into) (?:his|a|the|their) "
        r"(?:car|van)\b", r"\b(?:dragged|dragging|bundled|pulled|forced) me (?:in|into) (?:a|his|the|their) (?:car|van|"
        r"house|flat|room)\b",
        r"\bthreaten\w* (?:to )?(?:kill|stab|shoot|shank|batter|jump|slash|burn|acid|hurt|find|come round)",
        r"\b(?:beating|hitting|hurting|strangling|choking|attacking|kicking|punching|battering) (?:up )?"
        r"(?:her|him|my (?:mum|mom|dad|sister|brother|little \w+|baby|nan|gran))\b[^.]{0,20}"
        r"\b(?:right now|rn|now|again)\b",
        r"\b(?:kill|stab|shoot|hurt) (?:me|us)\b[^.]{0,10}\bif i (?:come back|go back|come home|go home)\b",
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

# Text-speak expanded before matching ("i wnt 2 die", "cuttin agen 2nite").
_TEXTSPEAK = {"wnt": "want", "wna": "wanna", "gna": "gonna", "gunna": "gonna", "2nite": "tonight",
              "2night": "tonight", "tonite": "tonight", "agen": "again", "agn": "again",
              "abt": "about", "dnt": "dont", "cnt": "cant", "tryna": "trying to", "wanan": "wanna",
              "mysef": "myself", "myslf": "myself", "sucide": "suicide", "2day": "today"}
_TEXTSPEAK_RX = re.compile(r"\b(?:" + "|".join(map(re.escape, _TEXTSPEAK)) + r")\b")
_TO_RX = re.compile(r"\b(want|wanna|going|gonna|ready|need|have|trying|tryin|planning|about) 2\b")


def _union(patterns: List[str]) -> Tuple["re.Pattern[str]", ...]:
    """Compile a list as at most two alternations: one for the patterns that start with ``\\b``
    and one for the rest (emoji, anchors). An alternation whose branches all start with ``\\b``
    lets ``re`` skip ahead to likely word starts, about 5x faster than one regex per pattern; a
    single branch without it would switch that off for the whole alternation. Text is
    lower-cased by ``_prepare`` (the patterns are all lower case), so no IGNORECASE is needed."""
    groups = ([p for p in patterns if p.startswith(r"\b")],
              [p for p in patterns if not p.startswith(r"\b")])
    return tuple(re.compile("|".join(f"(?:{p})" for p in g)) for g in groups if g)


_RISK = {cat: _union(pats) for cat, pats in RISK_PATTERNS.items()}
_BENIGN = _union(BENIGN_PATTERNS)
_U18_AGE = re.compile(UNDER_18_AGE)
_U18_CUES = _union(UNDER_18_ABUSE_CUES)
_APOS = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "\ufe0f": None, "\ufe0e": None})


@dataclass(frozen=True)
class Assessment:
    """Result of checking one message."""

    crisis: bool
    categories: Tuple[str, ...] = ()
    benign_only: bool = False  # an exaggeration was found and nothing risky remained


def _prepare(text: str) -> str:
    text = (text or "")[:20000].translate(_APOS)  # the slice bounds the work before the 5,000 cut
    text = re.sub(r"\s+", " ", text).strip()[:5000].lower()
    text = _TEXTSPEAK_RX.sub(lambda m: _TEXTSPEAK[m.group(0)], text)
    return _TO_RX.sub(r"\1 to", text)


def stated_age(text: str) -> int | None:
    """The age under 18 that a message states about its writer ("im 15", "14yo"), else None."""
    m = _U18_AGE.search(_prepare(text))
    return int(m.group(1) or m.group(2)) if m else None


def assess(text: str) -> Assessment:
    """Check a message for risk to life, self-harm, overdose, abuse or immediate danger."""
    cleaned = _prepare(text)
    n_benign = 0
    for rx in _BENIGN:
        cleaned, n = rx.subn(" ", cleaned)
        n_benign += n
    cats = [cat for cat, rxs in _RISK.items() if any(rx.search(cleaned) for rx in rxs)]
    if ("abuse" not in cats and _U18_AGE.search(cleaned)
            and any(rx.search(cleaned) for rx in _U18_CUES)):
        cats.insert(min(3, len(cats)), "abuse")  # keep RISK_PATTERNS' category order
    return Assessment(bool(cats), tuple(cats), benign_only=n_benign > 0 and not cats)


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
