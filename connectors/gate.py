"""What happens to every user message before the dialogue model, on every channel.

``deliver`` is the one entry point our channels (REST, Telegram, SMS) give a ``UserMessage`` to:

0. more than ``NAVIGATOR_SENDER_MESSAGES_PER_MINUTE`` messages from one person in a minute: the
   rest of that minute's messages are not answered (the person is told once to wait and send
   again), except a message that signals risk, which always goes on;
1. a message that signals risk (urgent or concern: ``bot.safeguarding``) always goes on (to the
   bot, or crisis support during a handoff), and so does the answer to a pending "are you safe
   right now?", whatever the state;
2. under 13: a stated age under 13 is first checked ("are you 12?"); once confirmed, a
   children's helpline and nothing stored (``bot.privacy.consent``), except what a youth worker must
   still act on (an open handoff or alert: kept, flagged "under 13", and the person's messages
   still reach the worker);
3. a pending "delete my data": "yes" (or the request again) deletes everything; anything else
   cancels it and carries on;
4. privacy requests ("what do you keep about me", "delete my data", "send me my data", and
   ``/privacy``, ``/forget``, ``/mydata``) are answered here, never guessed by the NLU model;
5. first contact: the privacy notice goes out (once), then the message goes to the bot or to
   the youth worker who has the conversation (``bot_or_worker``).
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from sqlalchemy.orm import sessionmaker

from bot.privacy import consent, forget
from bot.handoff import handoff
from bot.privacy import mydata
from bot.channels import ratelimit
from bot.safeguarding import assess, check
from bot.settings import get_settings
from connectors import reminders
from connectors.common import bot_or_worker, forget_tracker, in_thread, tracker_events

logger = logging.getLogger(__name__)


def _channel(message: Any) -> str:
    name = message.input_channel or ""
    if not name and message.output_channel is not None:
        name = message.output_channel.name()
    return name or "rest"


async def deliver(message: Any, on_new_message: Callable[[Any], Awaitable[Any]],
                  sessions: sessionmaker, app: Any = None, pause_for_worker: bool = True) -> bool:
    """Handle ``message`` (a Rasa ``UserMessage``); True if the bot got it as a turn.

    ``pause_for_worker=False`` (REST): the bot keeps answering while a youth worker has the
    conversation; REST clients have no way to be sent the worker's replies, so they poll
    for them (``app/chat.py``) beside the bot's answers."""
    text = (message.text or "").strip()
    sender, out, channel = message.sender_id, message.output_channel, _channel(message)
    settings = get_settings()
    signal = assess(text).signal
    counted, st = await _arrive(sessions, sender)
    if not await _within_limit(message, counted, signal, settings.sender_messages_per_minute,
                               settings.region):
        return False
    if signal:
        # A "yes" after crisis support answers the worker or the bot, never a deletion.
        pending = st.safety_check if st is not None else None
        if st is None or st.forget_pending:
            try:
                await in_thread(consent.cancel_forget, sessions, sender)
                if st is None:
                    pending = (await in_thread(consent.state, sessions, sender)).safety_check
            except Exception as exc:  # noqa: BLE001 - the database must never hold back crisis support
                logger.error("could not cancel a pending forget: %s", type(exc).__name__)
        return await _onward(message, on_new_message, sessions, pause_for_worker, app, pending)
    if st is None:  # the database did not answer: this raises, and the turn fails closed
        st = await in_thread(consent.state, sessions, sender)
    if st.safety_check is not None and not st.forget_pending and check.answer(text):
        # The answer to "are you safe right now?" reaches the check in every state.
        return await _onward(message, on_new_message, sessions, pause_for_worker, app,
                             st.safety_check)
    age = consent.stated_age(text) if not text.startswith("/") else None
    if st.child and (age is None or age < consent.CHILD_AGE):
        if await in_thread(handoff.active_handoff, sessions, sender) is not None:
            # Kept for a youth worker (bot.privacy.forget.forget_child): they still reach the worker.
            return await _onward(message, on_new_message, sessions, pause_for_worker, app,
                                 st.safety_check)
        await out.send_text_message(sender, consent.child_text(settings.region))
        return False
    if st.child:  # said an older age: their own correction
        await in_thread(consent.set_child, sessions, sender, channel, False)
    elif st.child_check and (consent.confirms_child(text)
                             or (age is not None and age < consent.CHILD_AGE)):
        await child(sessions, app, sender, channel)
        await out.send_text_message(sender, consent.child_text(settings.region))
        return False
    elif st.child_check:  # an older age, or something else: not confirmed, nothing deleted
        await in_thread(consent.ask_child_check, sessions, sender, channel, False)
    elif age is not None and age < consent.CHILD_AGE:
        # "im 12": asked first; nothing is deleted on one reading of one message
        await in_thread(consent.ask_child_check, sessions, sender, channel)
        await out.send_text_message(sender, consent.child_check_text(age, settings.region))
        return False
    asked = consent.request(text)
    if st.forget_pending:
        if asked == consent.FORGET or consent.is_yes(text):
            await forget_now(sessions, app, message, channel)
            return False
        await in_thread(consent.cancel_forget, sessions, sender)
    if asked == consent.FORGET:
        await in_thread(forget.confirm_or_ask, sessions, sender, channel)
        await out.send_text_with_buttons(sender, consent.forget_ask(channel), [
            {"title": "Yes, delete it all", "payload": "/forget"}])
        return False
    if asked == consent.PRIVACY:
        await out.send_text_message(sender, consent.privacy_text(channel, settings.retention_days))
        return False
    if asked == consent.EXPORT:
        await export(sessions, app, message, channel)
        return False
    if not st.noticed and await in_thread(consent.record_notice, sessions, sender, channel):
        await out.send_text_message(sender, consent.notice(channel, settings.retention_days))
    return await _onward(message, on_new_message, sessions, pause_for_worker, app,
                         st.safety_check)


def _arrival(sessions: sessionmaker, sender: str) -> Tuple[int, consent.ContactState]:
    """One transaction for what every message needs first: count it against its sender's
    per-minute limit, and read the sender's state (notice, under 13, a pending forget or
    safety check)."""
    with sessions() as s, s.begin():
        return ratelimit.count(s, "sender", sender), consent.state_in(s, sender)


async def _arrive(sessions: sessionmaker,
                  sender: str) -> Tuple[Optional[int], Optional[consent.ContactState]]:
    """:func:`_arrival`, or (None, None) when the database fails: the message is let on
    (uncounted) and its state read again where it is needed."""
    try:
        return await in_thread(_arrival, sessions, sender)
    except Exception as exc:  # noqa: BLE001 - never hold back a message on the counter
        logger.error("message rate not counted: %s", type(exc).__name__)
        return None, None


async def _within_limit(message: Any, count: Optional[int], signal: bool, limit: int,
                        region: str) -> bool:
    """Whether the message (the sender's ``count``-th this minute) is answered; False: not
    answered. A message that signals risk always goes on, and so does an uncounted one (None:
    a database outage, after which its turn fails closed with a safe reply)."""
    if count is None or count <= limit or signal:
        return True
    if count == limit + 1:  # told once a minute, so a flood gets no flood of replies
        await message.output_channel.send_text_message(message.sender_id,
                                                       consent.slow_down_text(region))
        logger.warning("a sender went over %d messages a minute on %s: not answered", limit,
                       _channel(message))
    return False


async def _onward(message: Any, on_new_message: Callable[[Any], Awaitable[Any]],
                  sessions: sessionmaker, pause_for_worker: bool, app: Any = None,
                  pending: Any = None) -> bool:
    if pause_for_worker:
        turned = await bot_or_worker(message, on_new_message, sessions, pending)
    else:
        await on_new_message(message)
        turned = True
    if turned:  # a check-in this turn scheduled must later reach the channel on its own
        try:
            agent = getattr(getattr(app, "ctx", None), "agent", None)
            await reminders.rebind(message.sender_id, _channel(message),
                                   getattr(agent, "processor", None), sessions)
        except Exception as exc:  # noqa: BLE001 - logged; the caller carries on
            logger.error("check-in reminders not rebound: %s", type(exc).__name__)
    return turned


async def child(sessions: sessionmaker, app: Any, sender: str, channel: str) -> None:
    """Under 13, confirmed: forget what was stored so far and keep only the flag; what a
    youth worker must still act on (an open handoff or alert) is kept and flagged instead
    (:func:`bot.privacy.forget.forget_child`)."""
    if await in_thread(forget.forget_child, sessions, sender):
        await forget_tracker(app, sender)
        await reminders.cancel(sender)
    await in_thread(consent.set_child, sessions, sender, channel, True)
    logger.info("a conversation moved to under-13 minimal mode")


async def forget_now(sessions: sessionmaker, app: Any, message: Any, channel: str) -> None:
    """Delete everything about the sender, then say so (the goodbye is not stored)."""
    sender, out = message.sender_id, message.output_channel
    await in_thread(forget.forget_app_data, sessions, sender)
    await forget_tracker(app, sender)
    await reminders.cancel(sender)
    redact = getattr(out, "redact_history", None)
    if redact is not None:  # SMS: the words of the texts in the provider's logs too
        await redact(sender)
    goodbye = getattr(out, "send_goodbye", None)
    if goodbye is not None:  # SMS: untracked, so no delivery report brings the id back
        await goodbye(sender, consent.forgotten(channel))
    else:
        await out.send_text_message(sender, consent.forgotten(channel))


async def export(sessions: sessionmaker, app: Any, message: Any, channel: str) -> None:
    """Send what is held about the sender: a short summary, and the file where possible."""
    sender, out = message.sender_id, message.output_channel
    events: List[Dict[str, Any]] = await tracker_events(app, sender)
    data = await in_thread(mydata.collect, sessions, sender, events)
    await out.send_text_message(sender, mydata.summary(data, channel))
    if channel != "sms":
        await out.send_custom_json(sender, {"navigator_export": data,
                                            "filename": mydata.FILENAME})

