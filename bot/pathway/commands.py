"""Short commands a young person types about their plan, the services they chose and feedback:
"my plan", "done 2", "drop 3", "change 1 to call them Tuesday", "add step go to the jobcentre",
"I'll try this one", "I'll try 2", "I want to review where I went", "leave a tip",
"talk to a peer mentor".

They are recognised by pattern (``command``), not guessed by the intent model: they are
formulaic, and a pattern never mistakes "done 2" for a place. The NLU component
``nlu_components.command_classifier`` uses :func:`command` to set the intent; the actions use
:func:`plan_edit` to read what to change. Pure; the text can be personal and is never logged.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from bot.directory.needs import keyword_needs

MY_PLAN, PLAN_EDIT, CHOOSE, RATE, TIP, PEER = ("my_plan", "plan_edit", "choose_service",
                                              "rate_service", "peer_tip", "request_peer")
INTENTS = (MY_PLAN, PLAN_EDIT, CHOOSE, RATE, TIP, PEER)

_NUM = r"(?:#|no\.?\s*|number\s+|step\s+)?(\d{1,2})"
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "first": 1,
          "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}


def _full(pattern: str) -> re.Pattern:
    return re.compile(r"^\s*(?:please\s+|pls\s+|can you\s+|can i\s+|could you\s+)?(?:"
                      + pattern + r")\s*(?:please|pls|thanks|thank you)?\s*[.!?]*\s*$", re.I)


_MY_PLAN = _full(r"(?:show\s+(?:me\s+)?|see\s+|view\s+|open\s+|what'?s\s+(?:in\s+|on\s+)?|"
                 r"whats\s+(?:in\s+|on\s+)?|check\s+)?(?:my\s+|the\s+)?(?:plan|steps|pathway|"
                 r"to ?do list)")
_DONE = (_full(r"(?:mark\s+|tick(?:\s+off)?\s+)?" + _NUM + r"\s+(?:as\s+)?(?:done|finished|"
                                                            r"complete[d]?|ticked)"),
         _full(r"(?:done|did|finished|completed|tick(?:\s+off)?|ticked)\s+" + _NUM),
         _full(r"(?:i'?ve\s+|i\s+have\s+)?(?:done|did|finished)\s+(?:step\s+)" + r"(\d{1,2})"))
_DROP = (_full(r"(?:drop|remove|delete|cancel|skip|forget)\s+(?:step\s+)?" + _NUM),
         _full(_NUM + r"\s+(?:drop|remove|delete|cancel)"))
_UNDO = (_full(r"(?:undo|not done|untick|reopen)\s+(?:step\s+)?" + _NUM),)
_CHANGE = re.compile(r"^\s*(?:change|edit|rename|update)\s+(?:step\s+)?(\d{1,2})\s*(?:to|:|-|=)?"
                     r"\s+(.+?)\s*$", re.I | re.S)
_ADD = re.compile(r"^\s*(?:add\s+(?:a\s+)?(?:new\s+)?step|new\s+step|add\s+to\s+(?:my\s+)?plan)"
                  r"\s*(?::|-|=)?\s*(.+?)\s*$", re.I | re.S)
_CHOOSE = _full(r"(?:i'?ll|i\s+will|i'?m\s+going\s+to|i\s+want\s+to|gonna|let\s+me|i'?d\s+like"
                r"\s+to)\s+(?:try|go\s+(?:to|with)|pick|choose|contact|use)\s+(?:this|that|"
                r"it|the\s+(?:first|second|third|last)(?:\s+one)?|number\s+\d{1,2}|no\.?\s*\d"
                r"{1,2}|\d{1,2}|one|this\s+one|that\s+one|them)(?:\s+one)?|(?:choose|pick|"
                r"select)\s+(?:number\s+)?(?:\d{1,2}|this(?:\s+one)?|that(?:\s+one)?)|"
                r"(?:add|save|put)\s+(?:this|that|it|\d{1,2})(?:\s+one)?\s+(?:to|in|on)\s+"
                r"(?:my\s+)?plan|try\s+(?:number\s+)?\d{1,2}|i'?ll\s+try\s+(?:this|that|it)")
_RATE = _full(r"(?:i\s+(?:want|wanna|would\s+like|'?d\s+like)\s+to\s+)?(?:give|leave|write)\s+"
              r"(?:(?:the|that|this)\s+)?(?:[a-z']+\s+){0,3}(?:a\s+)?(?:review|rating|stars)|"
              r"(?:i\s+(?:want|wanna|would\s+like|'?d\s+like)\s+to\s+)?(?:review|rate|give\s+"
              r"(?:a\s+)?(?:rating|review|stars)\s+(?:to|for)?|leave\s+a\s+(?:review|rating))"
              r"(?:\s+(?:where\s+i\s+went|a\s+service|the\s+service|a\s+place|the\s+place|"
              r"it|them|this(?:\s+one)?|that(?:\s+one)?))?|(?:leave|write|give)\s+a\s+"
              r"(?:review|rating)")
_TIP = _full(r"(?:i\s+(?:want\s+to|wanna|'?d\s+like\s+to)\s+)?(?:leave|add|give|share|write)"
             r"\s+a\s+tip(?:\s+(?:for\s+others|for\s+other\s+people|about\s+(?:it|this|"
             r"that|them|the\s+service)))?|i\s+(?:have|'?ve\s+got)\s+a\s+tip|tip\s+for\s+"
             r"others")
_PEER = re.compile(r"\bpeer\s*(?:mentor|support|supporter)s?\b|\b(?:talk|speak|chat)\s+(?:to|"
                   r"with)\s+(?:someone|somebody|a\s+person|another\s+young\s+person|people)\s+"
                   r"(?:my\s+age|who'?s\s+been\s+through|who\s+has\s+been\s+through|"
                   r"who'?s\s+been\s+there|who\s+gets\s+it|like\s+me)", re.I)


@dataclass(frozen=True)
class PlanEdit:
    """A change to the plan: ``action`` done, drop, undo, change or add."""

    action: str
    number: Optional[int] = None  # the step as numbered in "my plan"
    text: str = ""


def _number(raw: str) -> int:
    raw = raw.strip().lower()
    return _WORDS[raw] if raw in _WORDS else int(raw)


def plan_edit(text: str) -> Optional[PlanEdit]:
    """What a plan command asks for, or None if ``text`` is not one."""
    text = text or ""
    for action, patterns in (("done", _DONE), ("drop", _DROP), ("undo", _UNDO)):
        for pattern in patterns:
            m = pattern.match(text)
            if m:
                return PlanEdit(action, _number(m.group(1)))
    m = _CHANGE.match(text)
    if m:
        return PlanEdit("change", int(m.group(1)), m.group(2).strip())
    m = _ADD.match(text)
    if m and m.group(1).strip():
        return PlanEdit("add", None, m.group(1).strip())
    return None


def chosen_number(text: str) -> Optional[int]:
    """The result number in "I'll try 2" / "choose number 3" (None: "this one")."""
    m = re.search(r"(?<![\w£$])(\d{1,2})(?![\w:])", text or "")
    if m:
        return int(m.group(1))
    for word, n in _WORDS.items():
        if re.search(rf"\bthe\s+{word}\b", text or "", re.I):
            return n
    return None


def command(text: str) -> Optional[str]:
    """The intent a command means (see :data:`INTENTS`), or None for anything else."""
    text = (text or "").strip()
    if not text or text.startswith("/") or len(text) > 300:
        return None
    if _MY_PLAN.match(text):
        return MY_PLAN
    if plan_edit(text):
        return PLAN_EDIT
    if _CHOOSE.match(text):
        return CHOOSE
    if _RATE.match(text):
        return RATE
    if _TIP.match(text):
        return TIP
    if _PEER.search(text) and not keyword_needs(text):
        # "left an abusive relationship, want to talk to someone who gets it": a need is
        # stated, so its services come first (the model still reads the message).
        return PEER
    return None
