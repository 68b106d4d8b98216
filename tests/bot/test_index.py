"""The search index stays in step with the directory and agrees with the schedules."""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot import hours
from bot.directory.index import is_open_packed, pack_hours, refresh
from bot.directory.loader import load_file, sample_directory_path
from bot.models import Schedule, SearchIndexRow, Service


def index_rows(sessions):
    with sessions() as s:
        return s.execute(select(func.count()).select_from(SearchIndexRow)).scalar_one()


def test_index_rebuilt_on_reload_without_duplicates(sample_sessions):
    before = index_rows(sample_sessions)
    assert before >= 70
    load_file(sample_sessions, sample_directory_path())
    assert index_rows(sample_sessions) == before
    with sample_sessions() as s, s.begin():
        assert refresh(s) == before  # full rebuild gives the same rows


def test_packed_hours_agree_with_open_status(sample_sessions):
    with sample_sessions() as s:
        services = s.execute(select(Service)).scalars().all()
        start = datetime(2026, 11, 30, 0, 0)  # Monday
        for svc in services:
            ops = hours.openings((x.byday, x.opens_at, x.closes_at) for x in svc.schedules)
            packed = pack_hours(ops)
            for step in range(0, 7 * 24 * 60, 97):
                now = start + timedelta(minutes=step)
                status = hours.open_status(ops, now).state
                fast = is_open_packed(packed, now.weekday() * 1440 + now.hour * 60 + now.minute)
                expected = None if status == "unknown" else status in ("open", "always")
                assert fast == expected, (svc.name, now, packed)


def test_deleting_a_service_removes_its_index_rows(sample_sessions):
    with sample_sessions() as s, s.begin():
        sid = s.execute(select(Service.id)).scalars().first()
        s.execute(Schedule.__table__.delete().where(Schedule.service_id == sid))
        s.delete(s.get(Service, sid))
    with sample_sessions() as s:
        assert not s.execute(select(SearchIndexRow).where(
            SearchIndexRow.service_id == sid)).first()
