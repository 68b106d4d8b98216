"""The service directory's tables, aligned with Open Referral HSDS 3.0.

Table and column names follow the HSDS 3.0 schema (`service`, `location`, `service_at_location`,
`schedule`, `taxonomy_term`, `attribute`, ...) so that import and export map field for field.
``search_index`` (one row per service and point, for fast search) is the navigator's own.
"""
from __future__ import annotations


from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import relationship
from bot.models import ID, Base, utcnow


class Taxonomy(Base):
    __tablename__ = "taxonomy"
    id = Column(ID, primary_key=True)
    name = Column(String(255), nullable=False)
    description = Column(Text, nullable=False, default="")
    uri = Column(String(512))
    version = Column(String(64))


class TaxonomyTerm(Base):
    __tablename__ = "taxonomy_term"
    id = Column(ID, primary_key=True)
    code = Column(String(128), index=True)
    name = Column(String(255), nullable=False)
    description = Column(Text, nullable=False, default="")
    parent_id = Column(ID, ForeignKey("taxonomy_term.id", ondelete="SET NULL"))
    taxonomy = Column(String(255))
    taxonomy_id = Column(ID, ForeignKey("taxonomy.id", ondelete="CASCADE"), index=True)
    term_uri = Column(String(512))


class Organization(Base):
    __tablename__ = "organization"
    id = Column(ID, primary_key=True)
    name = Column(String(512), nullable=False)
    alternate_name = Column(String(512))
    description = Column(Text, nullable=False, default="")
    email = Column(String(255))
    website = Column(String(1024))
    uri = Column(String(1024))
    services = relationship("Service", back_populates="organization")


class Service(Base):
    __tablename__ = "service"
    id = Column(ID, primary_key=True)
    organization_id = Column(ID, ForeignKey("organization.id", ondelete="SET NULL"), index=True)
    name = Column(String(512), nullable=False)
    alternate_name = Column(String(512))
    description = Column(Text)
    url = Column(String(1024))
    email = Column(String(255))
    status = Column(String(32), nullable=False, default="active")
    application_process = Column(Text)
    fees_description = Column(Text)
    eligibility_description = Column(Text)
    minimum_age = Column(Float)
    maximum_age = Column(Float)
    alert = Column(Text)
    last_modified = Column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    organization = relationship("Organization", back_populates="services")
    phones = relationship("Phone", back_populates="service", cascade="all, delete-orphan")
    schedules = relationship("Schedule", back_populates="service", cascade="all, delete-orphan")
    service_at_locations = relationship(
        "ServiceAtLocation", back_populates="service", cascade="all, delete-orphan"
    )
    attributes = relationship(
        "Attribute",
        primaryjoin="and_(Service.id == foreign(Attribute.link_id), Attribute.link_type == 'service')",
        cascade="all, delete-orphan",
        viewonly=False,
    )


class Location(Base):
    __tablename__ = "location"
    id = Column(ID, primary_key=True)
    location_type = Column(String(32), nullable=False, default="physical")
    organization_id = Column(ID, ForeignKey("organization.id", ondelete="SET NULL"), index=True)
    name = Column(String(512))
    description = Column(Text)
    latitude = Column(Float)
    longitude = Column(Float)
    addresses = relationship("Address", back_populates="location", cascade="all, delete-orphan")

    __table_args__ = (Index("ix_location_lat_lon", "latitude", "longitude"),)


class ServiceAtLocation(Base):
    __tablename__ = "service_at_location"
    id = Column(ID, primary_key=True)
    service_id = Column(ID, ForeignKey("service.id", ondelete="CASCADE"), nullable=False, index=True)
    location_id = Column(ID, ForeignKey("location.id", ondelete="CASCADE"), nullable=False, index=True)
    description = Column(Text)
    service = relationship("Service", back_populates="service_at_locations")
    location = relationship("Location")


class Address(Base):
    __tablename__ = "address"
    id = Column(ID, primary_key=True)
    location_id = Column(ID, ForeignKey("location.id", ondelete="CASCADE"), index=True)
    attention = Column(String(255))
    address_1 = Column(String(512), nullable=False, default="")
    address_2 = Column(String(512))
    city = Column(String(255), nullable=False, default="", index=True)
    region = Column(String(255))
    state_province = Column(String(255), nullable=False, default="")
    postal_code = Column(String(32), nullable=False, default="", index=True)
    country = Column(String(2), nullable=False, default="")
    address_type = Column(String(32), nullable=False, default="physical")
    location = relationship("Location", back_populates="addresses")


class Phone(Base):
    __tablename__ = "phone"
    id = Column(ID, primary_key=True)
    service_id = Column(ID, ForeignKey("service.id", ondelete="CASCADE"), index=True)
    organization_id = Column(ID, ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    location_id = Column(ID, ForeignKey("location.id", ondelete="CASCADE"), index=True)
    number = Column(String(64), nullable=False)
    extension = Column(Float)
    type = Column(String(32))
    description = Column(Text)
    service = relationship("Service", back_populates="phones")


class Schedule(Base):
    """Weekly opening hours (RFC 5545 style: freq=WEEKLY, byday=MO,TU, opens_at/closes_at)."""

    __tablename__ = "schedule"
    id = Column(ID, primary_key=True)
    service_id = Column(ID, ForeignKey("service.id", ondelete="CASCADE"), index=True)
    location_id = Column(ID, ForeignKey("location.id", ondelete="CASCADE"), index=True)
    service_at_location_id = Column(ID, ForeignKey("service_at_location.id", ondelete="CASCADE"))
    freq = Column(String(16))
    byday = Column(String(64))
    opens_at = Column(String(8))
    closes_at = Column(String(8))
    valid_from = Column(String(10))
    valid_to = Column(String(10))
    description = Column(Text)
    notes = Column(Text)
    service = relationship("Service", back_populates="schedules")


class Attribute(Base):
    """Links an entity (here: a service) to a taxonomy term, as HSDS 3.0 ``attribute``."""

    __tablename__ = "attribute"
    id = Column(ID, primary_key=True)
    link_id = Column(ID, nullable=False)
    link_type = Column(String(64), nullable=False, default="service")
    link_entity = Column(String(64), nullable=False, default="service")
    taxonomy_term_id = Column(
        ID, ForeignKey("taxonomy_term.id", ondelete="CASCADE"), nullable=False, index=True
    )
    value = Column(String(255))
    taxonomy_term = relationship("TaxonomyTerm")

    __table_args__ = (Index("ix_attribute_link", "link_id", "link_type"),)


class SearchIndexRow(Base):
    """Navigator-own search index: one row per (service, need, location). See directory/index.py."""

    __tablename__ = "search_index"
    id = Column(Integer, primary_key=True, autoincrement=True)
    service_id = Column(ID, ForeignKey("service.id", ondelete="CASCADE"), nullable=False,
                        index=True)
    need_code = Column(String(64), nullable=False)
    location_id = Column(ID)
    latitude = Column(Float)
    longitude = Column(Float)
    remote = Column(Boolean, nullable=False, default=False)
    minimum_age = Column(Float)
    maximum_age = Column(Float)
    youth = Column(Boolean, nullable=False, default=False)
    active = Column(Boolean, nullable=False, default=True)
    hours = Column(Text, nullable=False, default="")
    # local (coordinates), area (no location: the directory's area), remote (phone/online),
    # national (the whole country): bot/directory/reach.py
    reach = Column(String(8), nullable=False, default="local", server_default="local")
    audience = Column(String(64), nullable=False, default="", server_default="")  # only for...

    __table_args__ = (
        # PostgreSQL: an index-only scan (migration 0013)
        Index("ix_search_need_lat_lon", "need_code", "latitude", "longitude",
              postgresql_include=["active", "minimum_age", "maximum_age", "service_id", "youth",
                                  "hours", "reach", "audience"]),
        Index("ix_search_need_remote_youth", "need_code", "remote", "youth"),
    )
