"""Login and logout (``/login``, ``/logout``)."""
from __future__ import annotations

import logging
import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from bot.accounts import accounts
from bot.handoff.casework import audit
from bot.console.web import (LOGIN_CSRF_COOKIE, SESSION_COOKIE, FormPost, client_address, form_post,
                             render, same_origin, see_other, state)

logger = logging.getLogger(__name__)
router = APIRouter()


def _login_page(request: Request, error: str = "", status_code: int = 200,
                retry: int = 0) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", {"error": error, "login_csrf": token,
                                              "retry": retry}, status_code)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=state(request).settings.console_secure_cookies, path="/login")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    """The login page (with a fresh double-submit CSRF token)."""
    return _login_page(request)


@router.post("/login")
def login(request: Request, email: str = Form(""), password: str = Form(""),
          csrf_token: str = Form("")) -> Response:
    """Check the password with back-off; on success start a session and go to the queue."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not same_origin(request) or not cookie or not accounts.csrf_ok(cookie, csrf_token):
        return _login_page(request, "The form expired. Please try again.", 403)
    st = state(request)
    result = accounts.authenticate(st.sessions, email, password, client_address(request))
    if result.worker is None:
        if result.retry_after:
            msg = (f"Too many failed attempts. Try again in {result.retry_after} seconds.")
            return _login_page(request, msg, 429, result.retry_after)
        return _login_page(request, "Wrong e-mail address or password.", 401)
    token = accounts.start_session(st.sessions, result.worker.id)
    audit(st.sessions, result.worker, "login")
    response = see_other("/")
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                        secure=st.settings.console_secure_cookies, path="/",
                        max_age=int(accounts.SESSION_TTL.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(post: FormPost = Depends(form_post)) -> Response:
    """End the session on the server and clear the cookie."""
    accounts.end_session(post.st.sessions, post.request.cookies.get(SESSION_COOKIE))
    post.audit("logout")
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
