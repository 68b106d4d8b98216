"""The navigator's read-only public API: the directory as Open Referral HSDS 3.0.

Follows the HSDS 3.0 API (``schema/openapi.json`` of the specification): ``GET /``,
``/services``, ``/organizations``, ``/taxonomies``, ``/taxonomy_terms``,
``/service_at_locations`` and their ``/{id}`` forms, the paging envelope (``total_items``,
``total_pages``, ``page_number``, ``size``, ``first_page``, ``last_page``, ``empty``,
``contents``) and the spec's query parameters. Ids are those of the open data export
(:func:`bot.directory.export.hsds_id`). The API's own OpenAPI document is ``/openapi.json``.

Bad parameters answer 422 (an invalid value) or 400 (values that do not fit together), unknown
ids 404, always with a JSON ``{"message": ...}`` body.
"""
from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING, Any, Optional

from bot import __version__

if TYPE_CHECKING:  # importing this package stays cheap: FastAPI loads in create_app()
    from fastapi import FastAPI
    from sqlalchemy.orm import sessionmaker

    from bot.settings import Settings

logger = logging.getLogger(__name__)

DESCRIPTION = """\
The youth pathway navigator's service directory as open data, following the
[Open Referral HSDS 3.0](https://openreferral.org/) API. Read-only; no authentication.

* Lists are paged: `page` (from 1) and `per_page` (1-100, default 50); `format=ndjson`
  streams every match instead, one JSON object per line.
* Ids are UUIDs; records imported with other ids are published under a stable uuid5.
* Fields without a value are omitted (never `null`). Times are `HH:MM`.
* `GET /service_at_locations?postcode=LS1 4AP&proximity=5000` finds services delivered
  within 5 km of a postcode, nearest first (`latitude`/`longitude` work too).

Errors: 422 for an invalid parameter, 400 for parameters that do not fit together,
404 for an unknown id; each with a JSON body `{"message": ...}`.
"""


def create_app(session_factory: Optional[sessionmaker] = None,
               settings: Optional[Settings] = None) -> FastAPI:
    """Build the API app. No database is opened until the first request; without
    ``session_factory`` it uses ``settings.database_url`` (default: the configured settings)."""
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    from bot.api import locations, meta, open_data, organizations, services, taxonomy
    from bot.api.common import ApiState, install_error_handlers

    app = FastAPI(title="Youth Pathway Navigator directory (HSDS 3.0)", version=__version__,
                  description=DESCRIPTION,
                  license_info={"name": "AGPL-3.0-or-later (software)",
                                "url": "https://www.gnu.org/licenses/agpl-3.0.html"})
    app.state.api = ApiState(settings, session_factory)
    # Open data: any web page may read it (no cookies, no credentials, GET only).
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"],
                       allow_credentials=False)
    install_error_handlers(app)

    for module in (meta, services, organizations, taxonomy, locations, open_data):
        app.include_router(module.router)
    return app


def serve_api(host: str, port: int) -> None:
    """Serve the API with uvicorn until interrupted (``navigator api``)."""
    import uvicorn

    from bot.settings import get_settings

    settings = get_settings()
    logger.info("serving the HSDS API on http://%s:%d", host, port)
    # No websockets (Rasa pins an old ``websockets`` that uvicorn's auto-detection cannot
    # import); no access log (query strings can hold a young person's postcode).
    uvicorn.run(create_app(settings=settings), host=host, port=port, ws="none",
                log_level=settings.log_level.lower(), access_log=False)


def _cmd_api(args: argparse.Namespace) -> int:
    serve_api(args.host, args.port)
    return 0


def _cmd_export(args: argparse.Namespace, factory: Any = None) -> int:
    from bot.directory.export import write_export

    if factory is None:
        from bot.db import session_factory

        factory = session_factory()
    with factory() as session:
        count = write_export(session, args.file, bare=args.bare, indent=args.indent)
    print(f"{count} services exported to {args.file}")
    return 0


def register_cli(subparsers: Any) -> None:
    """Add ``navigator api`` and ``navigator export FILE`` to the CLI's subparsers."""
    api = subparsers.add_parser("api", help="serve the read-only HSDS 3.0 open data API")
    api.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    api.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    api.set_defaults(func=_cmd_api)
    exp = subparsers.add_parser("export", help="write every service as HSDS 3.0 JSON")
    exp.add_argument("file")
    exp.add_argument("--bare", action="store_true",
                     help="a plain JSON array instead of an HSDS paged list")
    exp.add_argument("--indent", type=int, default=None, help="pretty-print with this indent")
    exp.set_defaults(func=_cmd_export)
