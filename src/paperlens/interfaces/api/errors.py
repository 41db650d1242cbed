"""Every error the API returns, in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`,
with the status an OpenAI client expects. Paperlens errors keep their one-line message;
anything unexpected is logged with its traceback and answered with a short 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from paperlens.errors import (
    IndexMismatchError,
    IndexMissingError,
    LLMError,
    PaperlensError,
    PaperNotFoundError,
    QuestionError,
    StoreError,
)
from paperlens.interfaces.api.security import error_payload

log = logging.getLogger("paperlens.interfaces.api")

# status, OpenAI error type, code; the first match wins, so subclasses come first.
PAPERLENS_STATUSES: list[tuple[type[PaperlensError], int, str, str]] = [
    (QuestionError, 422, "invalid_request_error", "invalid_question"),
    (PaperNotFoundError, 404, "invalid_request_error", "paper_not_found"),
    (IndexMissingError, 503, "server_error", "index_missing"),
    (IndexMismatchError, 503, "server_error", "index_mismatch"),
    (StoreError, 503, "server_error", "store_unavailable"),
    (LLMError, 502, "server_error", "llm_failed"),
]


class ApiError(Exception):
    """An error with its HTTP status and OpenAI type and code."""

    def __init__(
        self, status: int, message: str, code: str, kind: str = "invalid_request_error", **headers: str
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.kind = status, message, code, kind
        self.headers = {name.replace("_", "-"): value for name, value in headers.items()}

    def response(self) -> JSONResponse:
        payload = error_payload(self.message, self.kind, self.code)
        return JSONResponse(payload, status_code=self.status, headers=self.headers)


def from_paperlens(error: PaperlensError) -> ApiError:
    for kind, status, error_type, code in PAPERLENS_STATUSES:
        if isinstance(error, kind):
            return ApiError(status, str(error), code, error_type)
    return ApiError(500, str(error), "paperlens_error", "server_error")


def unexpected(error: BaseException) -> ApiError:
    log.error("Unexpected error in the API", exc_info=error)
    message = f"Something went wrong on our side ({type(error).__name__}). The details are in the server log."
    return ApiError(500, message, "internal_error", "server_error")


def validation_message(error: RequestValidationError) -> tuple[str, str | None]:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"] if part != "body")
        problems.append(f"{where}: {item['msg']}" if where else str(item["msg"]))
    first = error.errors()[0]["loc"] if error.errors() else ()
    param = ".".join(str(part) for part in first if part != "body") or None
    return "Invalid request: " + "; ".join(problems), param


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, error: ApiError) -> JSONResponse:
        return error.response()

    @app.exception_handler(PaperlensError)
    async def paperlens_error(_: Request, error: PaperlensError) -> JSONResponse:
        return from_paperlens(error).response()

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        message, param = validation_message(error)
        payload = error_payload(message, "invalid_request_error", "invalid_request")
        payload["error"]["param"] = param
        return JSONResponse(payload, status_code=400)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        payload = error_payload(str(error.detail), "invalid_request_error", f"http_{error.status_code}")
        return JSONResponse(payload, status_code=error.status_code, headers=error.headers)

    @app.exception_handler(Exception)
    async def server_error(_: Request, error: Exception) -> JSONResponse:
        return unexpected(error).response()
