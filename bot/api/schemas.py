"""Response models: they document the API's real bodies in its OpenAPI document.

They mirror the subset of HSDS 3.0 the navigator stores (see ``bot.directory.export``, which
builds the bodies). Fields that are absent are omitted from responses, never ``null``.
Handlers return the export's dicts directly; the test suite and schemathesis check that the
bodies conform to these models and to the HSDS 3.0 schemas.
"""
from __future__ import annotations

from typing import List, Optional, Union

from pydantic import BaseModel, Field

UUID_FIELD = {"format": "uuid"}


def _id(description: str = "Identifier (UUID).") -> Field:
    return Field(..., description=description, **UUID_FIELD)


def _fk(description: str) -> Field:
    return Field(None, description=description, **UUID_FIELD)


class ApiInfo(BaseModel):
    """``GET /``: this API and its relationship with HSDS."""

    version: str = Field(..., description="HSDS version of this API.")
    profile: str = Field(..., description="URL of the HSDS profile of this API.", format="uri")
    openapi_url: str = Field(..., description="URL of this API's OpenAPI document.",
                             format="uri")


class ErrorItem(BaseModel):
    """One invalid request parameter."""

    parameter: str
    location: str = Field(..., description="query, path, header or cookie")
    problem: str


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer: a human-readable message (and the invalid parameters)."""

    message: str
    errors: Optional[List[ErrorItem]] = None


class Taxonomy(BaseModel):
    id: str = _id()
    name: str
    description: str
    uri: Optional[str] = Field(None, format="uri")
    version: Optional[str] = None


class TaxonomyTerm(BaseModel):
    id: str = _id()
    code: Optional[str] = None
    name: str
    description: str
    parent_id: Optional[str] = _fk("Parent term.")
    taxonomy: Optional[str] = None
    taxonomy_detail: Optional[Taxonomy] = None
    taxonomy_id: Optional[str] = _fk("Taxonomy of this term.")
    term_uri: Optional[str] = Field(None, format="uri")


class Attribute(BaseModel):
    id: str = _id()
    link_id: Optional[str] = _fk("The linked record (here: the service).")
    taxonomy_term_id: Optional[str] = _fk("The taxonomy term.")
    link_type: Optional[str] = None
    link_entity: Optional[str] = None
    value: Optional[str] = None
    taxonomy_term: Optional[TaxonomyTerm] = None


class OrganizationBrief(BaseModel):
    id: str = _id()
    name: str
    alternate_name: Optional[str] = None
    description: str
    email: Optional[str] = Field(None, format="email")
    website: Optional[str] = Field(None, format="uri")
    uri: Optional[str] = Field(None, format="uri")


class Address(BaseModel):
    id: str = _id()
    location_id: Optional[str] = _fk("The location.")
    attention: Optional[str] = None
    address_1: str
    address_2: Optional[str] = None
    city: str
    region: Optional[str] = None
    state_province: str
    postal_code: str
    country: str
    address_type: str = Field(..., regex="^(physical|postal|virtual)$")


class LocationBrief(BaseModel):
    id: str = _id()
    location_type: str = Field(..., regex="^(physical|postal|virtual)$")
    organization_id: Optional[str] = _fk("The organization.")
    name: Optional[str] = None
    description: Optional[str] = None
    latitude: Optional[float] = Field(None, ge=-90, le=90)
    longitude: Optional[float] = Field(None, ge=-180, le=180)


class Location(LocationBrief):
    addresses: List[Address] = []


class Phone(BaseModel):
    id: str = _id()
    service_id: Optional[str] = _fk("The service.")
    organization_id: Optional[str] = _fk("The organization.")
    location_id: Optional[str] = _fk("The location.")
    number: str
    extension: Optional[float] = None
    type: Optional[str] = None
    description: Optional[str] = None


class Schedule(BaseModel):
    id: str = _id()
    service_id: Optional[str] = _fk("The service.")
    location_id: Optional[str] = _fk("The location.")
    service_at_location_id: Optional[str] = _fk("The service at location.")
    valid_from: Optional[str] = Field(None, format="date")
    valid_to: Optional[str] = Field(None, format="date")
    freq: Optional[str] = Field(None, regex="^(WEEKLY|MONTHLY)$")
    byday: Optional[str] = None
    opens_at: Optional[str] = Field(None, regex=r"^\d{2}:\d{2}$", description="HH:MM")
    closes_at: Optional[str] = Field(None, regex=r"^\d{2}:\d{2}$", description="HH:MM")
    description: Optional[str] = None
    notes: Optional[str] = None


class ServiceMinimal(BaseModel):
    """``minimal=true``: just the id and when the service last changed."""

    id: str = _id()
    last_modified: Optional[str] = Field(None, format="date-time")


class ServiceBrief(ServiceMinimal):
    """A service's one-to-one fields and its organization (HSDS ``service_list``)."""

    organization_id: Optional[str] = _fk("The organization.")
    name: str
    alternate_name: Optional[str] = None
    description: Optional[str] = None
    url: Optional[str] = Field(None, format="uri")
    email: Optional[str] = Field(None, format="email")
    status: str = Field(..., regex="^(active|inactive|defunct|temporarily closed)$")
    application_process: Optional[str] = None
    fees_description: Optional[str] = None
    eligibility_description: Optional[str] = None
    minimum_age: Optional[float] = None
    maximum_age: Optional[float] = None
    alert: Optional[str] = None
    organization: Optional[OrganizationBrief] = None


class ServiceAtLocationBrief(BaseModel):
    id: str = _id()
    service_id: Optional[str] = _fk("The service.")
    location_id: Optional[str] = _fk("The location.")
    description: Optional[str] = None
    location: Optional[LocationBrief] = None


class ServiceNested(ServiceBrief):
    """A service with its phones, schedules and attributes."""

    phones: List[Phone] = []
    schedules: List[Schedule] = []
    attributes: List[Attribute] = []


class ServiceAtLocationNested(ServiceAtLocationBrief):
    location: Optional[Location] = None


class Service(ServiceNested):
    """A fully nested service (HSDS ``compiled/service.json``)."""

    service_at_locations: List[ServiceAtLocationNested] = []


class ServiceAtLocationItem(ServiceAtLocationBrief):
    """A list item (HSDS ``service_at_location_list``): with its location and service."""

    service: Optional[ServiceBrief] = None


class ServiceAtLocation(ServiceAtLocationNested):
    """A fully nested service at location: location with addresses, the nested service."""

    service: Optional[ServiceNested] = None


class Organization(OrganizationBrief):
    """A nested organization: phones, locations and its services."""

    phones: List[Phone] = []
    locations: List[Location] = []
    services: List[Union[Service, ServiceBrief]] = []


class Page(BaseModel):
    """The HSDS paging envelope (``components/schemas/Page`` of the HSDS OpenAPI)."""

    total_items: int = Field(..., ge=0, description="Entities matching the request in all.")
    total_pages: int = Field(..., ge=0, description="ceil(total_items / per_page).")
    page_number: int = Field(..., ge=1, description="The page returned (from 1).")
    size: int = Field(..., ge=0, description="Entities on this page.")
    first_page: bool = Field(..., description="page_number == 1")
    last_page: bool = Field(..., description="page_number >= total_pages")
    empty: bool = Field(..., description="This page has no entities.")


class ServicePage(Page):
    contents: List[Union[Service, ServiceBrief, ServiceMinimal]]


class OrganizationPage(Page):
    contents: List[Union[Organization, OrganizationBrief]]


class TaxonomyPage(Page):
    contents: List[Taxonomy]


class TaxonomyTermPage(Page):
    contents: List[TaxonomyTerm]


class ServiceAtLocationPage(Page):
    contents: List[Union[ServiceAtLocation, ServiceAtLocationItem]]
