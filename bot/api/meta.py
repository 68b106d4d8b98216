"""``GET /``: what this API is and how it relates to HSDS."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from bot.api import schemas

router = APIRouter(tags=["meta"])

HSDS_VERSION = "3.0"
#: No HSDS profile is applied: the base specification describes this API.
HSDS_PROFILE_URL = "https://github.com/openreferral/specification/tree/3.0"


@router.get("/", response_model=schemas.ApiInfo, operation_id="getAPIMetaInformation",
            summary="This API and its relationship with HSDS.")
def api_info(request: Request):
    """The HSDS version, profile and where this API's OpenAPI document is."""
    return JSONResponse({"version": HSDS_VERSION, "profile": HSDS_PROFILE_URL,
                         "openapi_url": str(request.url_for("openapi"))})
