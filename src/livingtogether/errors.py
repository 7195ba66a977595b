"""The one error base of the library and its few subclasses.

Every error a caller can cause derives from :class:`LivingTogetherError` and
carries a message that says what to fix. The web layer maps each subclass to
one HTTP status (see ``livingtogether.web.errors``); nothing here knows HTTP.
"""

from __future__ import annotations


class LivingTogetherError(Exception):
    """Base of every error a caller of the library can cause.

    ``message`` says what went wrong and what to fix; ``field`` names the
    offending field (dotted path, e.g. ``sessions.2.ends_at``) when there is one;
    ``problems`` lists every ``(field, message)`` when there are several.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        problems: list[tuple[str | None, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.problems: list[tuple[str | None, str]] = problems or [(field, message)]

    def __str__(self) -> str:
        if self.field:
            return f"{self.field}: {self.message}"
        return self.message

    def with_prefix(self, prefix: str) -> LivingTogetherError:
        """The same error with ``prefix`` put before its field path."""
        def join(field: str | None) -> str:
            return f"{prefix}.{field}" if field else prefix

        problems: list[tuple[str | None, str]] = [
            (join(field), message) for field, message in self.problems
        ]
        return type(self)(self.message, field=join(self.field), problems=problems)


class ValidationError(LivingTogetherError):
    """A value is not acceptable: wrong type, out of range, malformed."""


class NotFound(LivingTogetherError):
    """The record named does not exist."""


class Conflict(LivingTogetherError):
    """The record would clash with one already stored (e.g. a taken slug)."""


class EditConflict(Conflict):
    """A save was based on a revision that is no longer the latest: someone else saved the
    record meanwhile. Nothing was written; ``submitted`` keeps what this save carried (the
    record as the converter's data) so that a screen can show it beside the other person's
    ``current`` revision, numbered ``current_number``."""

    def __init__(self, message: str, *, field: str | None = None,
                 problems: list[tuple[str | None, str]] | None = None,
                 submitted: object = None, current_number: int = 0,
                 current_author: str | None = None) -> None:
        super().__init__(message, field=field, problems=problems)
        self.submitted = submitted
        self.current_number = current_number
        self.current_author = current_author


class BadRequest(LivingTogetherError):
    """The request itself is malformed (not JSON, not UTF-8, wrong method)."""


class PayloadTooLarge(LivingTogetherError):
    """The request body exceeds the configured limit."""


class TooManyRequests(LivingTogetherError):
    """A rate limit is reached; ``retry_after`` says in how many seconds to try again."""

    def __init__(self, message: str, *, retry_after: int = 60, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


class Unauthorized(LivingTogetherError):
    """A request needs an API token and has none, or one that is unknown or revoked."""


class Forbidden(LivingTogetherError):
    """The request is understood but refused: an API token that may not do this (another
    city, a missing scope), or a form posted from a site that is not allowed."""


class ConfigurationError(LivingTogetherError):
    """The library was set up wrongly (a bad setting, a database to migrate)."""


class MigrationRequired(ConfigurationError):
    """The database schema is older than this version of the library."""
