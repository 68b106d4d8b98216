"""Channel state in the database: dedupe, contacts, button tokens, menus, forgetting."""
from datetime import timedelta
import threading

from bot.channels import contacts
from bot.keys import Keys

KEYS = Keys("k" * 40)


def test_claim_delivery_once_and_after_expiry(sessions):
    assert contacts.claim_delivery(sessions, "telegram", "42")
    assert not contacts.claim_delivery(sessions, "telegram", "42")
    assert contacts.claim_delivery(sessions, "sms", "42")  # channels are separate
    assert contacts.claim_delivery(sessions, "telegram", "43", ttl=timedelta(seconds=-1))
    assert contacts.claim_delivery(sessions, "telegram", "43")  # the old claim had expired
    assert not contacts.claim_delivery(sessions, "telegram", "43")  # the new one has not
    assert contacts.purge_expired(sessions) == 0


def test_claim_is_atomic_across_threads(sessions):
    wins = []

    def claim():
        wins.append(contacts.claim_delivery(sessions, "telegram", "race"))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1


def test_contact_address_sealed_and_referral_kept(sessions):
    contacts.remember_contact(sessions, KEYS, "tg-1", "telegram", "987654", referral="youthhub")
    contacts.remember_contact(sessions, KEYS, "tg-1", "telegram", "987654", referral="other")
    row = contacts.get_contact(sessions, "tg-1")
    assert row.referral == "youthhub" and "987654" not in row.address_sealed
    assert contacts.contact_address(sessions, KEYS, "tg-1") == "987654"
    assert contacts.can_send(sessions, "tg-1")
    contacts.mark_unreachable(sessions, "tg-1", "telegram", "blocked")
    assert not contacts.can_send(sessions, "tg-1")
    contacts.remember_contact(sessions, KEYS, "tg-1", "telegram", "987654")  # wrote again
    assert contacts.can_send(sessions, "tg-1")


def test_opt_out_round_trip(sessions):
    assert not contacts.is_opted_out(sessions, "sms-1")
    contacts.set_opted_out(sessions, "sms-1", "sms", True)
    assert contacts.is_opted_out(sessions, "sms-1") and not contacts.can_send(sessions, "sms-1")
    contacts.set_opted_out(sessions, "sms-1", "sms", False)
    assert not contacts.is_opted_out(sessions, "sms-1")


def test_tokens_belong_to_their_sender(sessions):
    long = '/ask_detail{"result_number":"1","service_id":"' + "x" * 80 + '"}'
    token = contacts.token_for(sessions, "tg-1", long)
    assert len(token) <= 24 and contacts.token_for(sessions, "tg-1", long) == token
    assert contacts.payload_for(sessions, "tg-1", token) == long
    assert contacts.payload_for(sessions, "tg-2", token) is None


def test_menu_and_forget(sessions):
    contacts.save_menu(sessions, "sms-1", [("Housing", "/need_housing"), ("Food", "/need_food")])
    assert contacts.load_menu(sessions, "sms-1")[1] == ("Food", "/need_food")
    contacts.remember_contact(sessions, KEYS, "sms-1", "sms", "+447700900123")
    contacts.token_for(sessions, "sms-1", "/x")
    assert contacts.forget(sessions, "sms-1") == 3
    assert contacts.load_menu(sessions, "sms-1") == [] and contacts.get_contact(sessions, "sms-1") is None
    contacts.save_menu(sessions, "sms-2", [("A", "/a")])
    contacts.save_menu(sessions, "sms-2", [])
    assert contacts.load_menu(sessions, "sms-2") == []


def test_concurrent_first_messages_from_one_person(sessions):
    """Turns run in parallel threads: the first messages of one person must not race on
    creating their contact, nor hit "database is locked"."""
    from bot.handoff import handoff

    errors = []

    def turn(i):
        try:
            for j in range(15):
                contacts.remember_contact(sessions, KEYS, "tg-race", "telegram", "123")
                contacts.is_opted_out(sessions, "tg-race")
                handoff.record_user_message(sessions, "tg-race", "hi")
                contacts.claim_delivery(sessions, "telegram", f"{i}-{j}")
        except Exception as exc:  # noqa: BLE001 - collected: the assertion shows them all
            errors.append(repr(exc))

    threads = [threading.Thread(target=turn, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert contacts.contact_address(sessions, KEYS, "tg-race") == "123"


def test_writing_again_after_an_opt_out_opts_back_in(sessions):
    contacts.remember_contact(sessions, KEYS, "s-opt", "telegram", "123")
    contacts.set_opted_out(sessions, "s-opt", "telegram", True)
    contacts.remember_contact(sessions, KEYS, "s-opt", "telegram", "123")
    assert contacts.is_opted_out(sessions, "s-opt")  # only remembering: still opted out
    contacts.remember_contact(sessions, KEYS, "s-opt", "telegram", "123", opt_in=True)
    assert not contacts.is_opted_out(sessions, "s-opt")
