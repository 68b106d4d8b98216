from datetime import datetime

from bot.directory.hours import open_status, openings, parse_byday, parse_time, weekly_summary

MON_10 = datetime(2026, 11, 30, 10, 0)  # a Monday


def test_parse():
    assert parse_time("09:00:00").hour == 9 and parse_time("9").hour == 9
    assert parse_time("25:00") is None and parse_time("") is None and parse_time("x") is None
    assert parse_byday("MO, tu,1WE,XX") == [0, 1, 2]


def test_open_and_closed():
    ops = openings([("MO,TU,WE,TH,FR", "09:00", "17:00")])
    st = open_status(ops, MON_10)
    assert st.state == "open" and st.describe() == "Open now until 17:00"
    st = open_status(ops, datetime(2026, 12, 5, 12, 0))  # Saturday
    assert st.state == "closed" and st.describe() == "Closed now - opens Mon 09:00"


def test_overnight_shelter_crosses_midnight():
    ops = openings([("MO,TU,WE,TH,FR,SA,SU", "19:00", "08:00")])
    assert open_status(ops, datetime(2026, 12, 1, 2, 0)).state == "open"
    assert open_status(ops, datetime(2026, 11, 30, 7, 59)).state == "open"  # from Sunday night
    assert open_status(ops, datetime(2026, 11, 30, 12, 0)).state == "closed"


def test_always_and_unknown():
    ops = openings([("MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59")])
    assert open_status(ops, MON_10).describe() == "Open 24/7"
    assert open_status([], MON_10).describe() == "Opening hours not listed"
    assert weekly_summary(ops) == ["Open 24 hours, every day"]


def test_weekly_summary_groups_days():
    ops = openings([("MO,TU,WE,TH,FR", "09:00", "17:00"), ("SA", "10:00", "13:00")])
    assert weekly_summary(ops) == ["Mon-Fri 09:00-17:00", "Sat 10:00-13:00"]
