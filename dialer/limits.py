"""How much a request may send: a limit per kind of route, enforced before the body is read.

Every declared route has a body class (`BodyClass`): sign-in and console forms a few KB,
the carrier's webhooks 64 KB, the JSON API 1 MB, list uploads streamed to disk up to
`DIALER_UPLOAD_MAX_BYTES`. A request whose `Content-Length` says more is answered 413
(problem+json) at once and its connection closed, so none of the body is kept; a chunked
body is cut off at the limit by aiohttp's own reader (`client_max_size`), which the
middleware sets per request.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Middleware

from dialer.http import BodyClass, Handler, Problem, bad_text, problem_response, spec_for
from dialer.keys import REQUEST_ID, SETTINGS

FORM_MAX_BYTES = 16 * 1024
WEBHOOK_MAX_BYTES = 64 * 1024
JSON_MAX_BYTES = 1024 * 1024
#: what a multipart upload may carry besides its file: the other fields and the envelope
UPLOAD_ENVELOPE_BYTES = 64 * 1024
#: one non-file field of a multipart upload
UPLOAD_FIELD_MAX_BYTES = 16 * 1024


def body_limit(body_class: BodyClass, upload_max_bytes: int) -> int:
    if body_class is BodyClass.FORM:
        return FORM_MAX_BYTES
    if body_class is BodyClass.WEBHOOK:
        return WEBHOOK_MAX_BYTES
    if body_class is BodyClass.UPLOAD:
        return upload_max_bytes + UPLOAD_ENVELOPE_BYTES
    return JSON_MAX_BYTES


def too_large(request: web.Request, limit: int) -> web.Response:
    """413 as problem+json, on a connection that closes after it: the rest of the body is
    never buffered (aiohttp discards what still arrives for its lingering time, so the
    client reads the answer rather than a reset)."""
    response = problem_response(
        413,
        "Request body too large",
        f"This route takes at most {limit} bytes.",
        request_id=request.get(REQUEST_ID),
    )
    response.force_close()
    return response


def make_body_limit_middleware() -> Middleware:
    """The request's size and its URL, checked before anything reads it."""

    @web.middleware
    async def body_limits(request: web.Request, handler: Handler) -> web.StreamResponse:
        if bad_text(request.path) or any(
            bad_text(key) or bad_text(value) for key, value in request.query.items()
        ):
            raise Problem(400, "Bad request", "NUL or a control character in the URL.")
        spec = spec_for(request)
        body_class = spec.body_class if spec is not None else BodyClass.JSON
        limit = body_limit(body_class, request.app[SETTINGS].upload_max_bytes)
        declared = request.content_length
        if declared is not None and declared > limit:
            return too_large(request, limit)
        limited = request.clone(client_max_size=limit)
        try:
            return await handler(limited)
        except web.HTTPRequestEntityTooLarge:
            return too_large(request, limit)

    return body_limits
