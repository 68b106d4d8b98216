"""The crisis lexicon's risk patterns (data only; matching lives in ``lexicon.py``).

Written for issues 2 and 7 (method and history: docs/safety.md). Each category is a family of
kinds (``kinds.FAMILIES``). The trained detector (``model.py``) carries recall now; these
patterns name the family of a risk and back the explicit statements in ``lexicon.EXPLICIT``.
Text reaches them normalised (``normalise.py``): lower case, ASCII apostrophes, SMS-speak
expanded.
"""
from __future__ import annotations

from typing import List, Mapping

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

