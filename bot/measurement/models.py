"""The search log (outside HSDS): what was looked for, where (a coarse area) and how many services
were found, with no sender id, for the dashboard's unmet-need figures and the open exports.
"""
from __future__ import annotations

from sqlalchemy import (Column, Date, Index, Integer, String)

from bot.models import Base


class SearchLog(Base):
    """One search, without anyone's identity: for unmet need by need and area."""

    __tablename__ = "search_log"
    id = Column(Integer, primary_key=True, autoincrement=True)
    need = Column(String(32), nullable=False)
    area = Column(String(80), nullable=True)  # town or district name; NULL when not given
    results = Column(Integer, nullable=False)  # eligible services found (0 = unmet need)
    day = Column(Date, nullable=False, index=True)

    __table_args__ = (Index("ix_search_log_need_area", "need", "area"),)
