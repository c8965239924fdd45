"""API errors with messages a member can read.

`ApiError` derives from Chalice's `ChaliceUnhandledError` so it reaches our middleware
(`web.error_middleware`), which turns it into Chalice's usual `{"Code", "Message"}` body with the
right status and headers (e.g. `Retry-After`).
"""

from __future__ import annotations

from chalice import ChaliceUnhandledError, Response


class ApiError(ChaliceUnhandledError):
    status = 400
    code = "BadRequestError"

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}

    def to_response(self) -> Response:
        return Response(
            body={"Code": self.code, "Message": self.message},
            status_code=self.status,
            # An error is about this request only: no cache (CloudFront, WeChat) may keep it.
            headers={"Cache-Control": "no-store", **self.headers},
        )


class BadRequestError(ApiError):
    status, code = 400, "BadRequestError"


class UnauthorizedError(ApiError):
    status, code = 401, "UnauthorizedError"


class ForbiddenError(ApiError):
    status, code = 403, "ForbiddenError"


class NotFoundError(ApiError):
    status, code = 404, "NotFoundError"


class ConflictError(ApiError):
    status, code = 409, "ConflictError"


class PayloadTooLargeError(ApiError):
    status, code = 413, "PayloadTooLargeError"


class UnsupportedMediaTypeError(ApiError):
    status, code = 415, "UnsupportedMediaType"


class UnprocessableError(ApiError):
    status, code = 422, "UnprocessableEntityError"


class TooManyRequestsError(ApiError):
    status, code = 429, "TooManyRequestsError"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, {"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class ServiceUnavailableError(ApiError):
    """The database is unreachable, slow or throttling: try again after `retry_after` seconds."""

    status, code = 503, "ServiceUnavailableError"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, {"Retry-After": str(retry_after)})
        self.retry_after = retry_after


def busy(retry_after: int = 2) -> ServiceUnavailableError:
    """The one answer for "the database is busy or away": the client sends the same request
    again after `retry_after` seconds (every write it makes carries its idempotency key)."""
    return ServiceUnavailableError(
        "服务繁忙，请稍后重试，您的操作不会丢失", retry_after=retry_after
    )
