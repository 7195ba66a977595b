"""The one multilingual text type, used wherever a person reads content."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from ..errors import ValidationError
from .fields import LONG, check_language, check_text

DEFAULT_FALLBACKS: tuple[str, ...] = ("en", "fr")


@attrs.frozen
class Localized:
    """One text in the language it is actually written in."""

    language: str
    text: str

    def __str__(self) -> str:
        return self.text


def _freeze(value: Any) -> dict[str, str]:
    if isinstance(value, Text):
        return dict(value.values)
    if isinstance(value, str):
        raise ValidationError(
            'must be a mapping of language code to text, e.g. {"en": "...", "fr": "..."}'
        )
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"must be a mapping of language code to text, not {type(value).__name__}"
        )
    return {
        (key.strip().lower() if isinstance(key, str) else key): val for key, val in value.items()
    }


def _validate(instance: Text, attribute: Any, value: dict[str, str]) -> None:
    if len(value) > 60:
        raise ValidationError(f"has {len(value)} languages; the limit is 60")
    for language, body in value.items():
        check_language(language, field=None)
        check_text(body, field=language, max_length=instance.max_length, multiline=True)


@attrs.frozen(eq=True, repr=False)
class Text:
    """Text in several languages: a mapping of language code to text.

    ``Text({"en": "Welcome", "fr": "Bienvenue"})``; ``Text.of("Merhaba", "tr")``
    for one language. :meth:`resolve` picks the best language for a reader
    along a fallback chain and says which language it returned, so that
    templates can mark it with ``lang``.
    """

    values: Mapping[str, str] = attrs.field(converter=_freeze, validator=_validate)
    max_length: int = attrs.field(default=LONG, kw_only=True, eq=False, repr=False)

    @classmethod
    def of(cls, text: str, language: str = "en") -> Text:
        """Text in one language."""
        return cls({language: text})

    def resolve(self, language: str | None = None, fallbacks: Iterable[str] = DEFAULT_FALLBACKS,
                ) -> Localized | None:
        """The text in ``language`` or the first of its fallbacks that exists.

        ``fr-ca`` falls back to ``fr`` before the chain; when nothing in the
        chain exists the first language given wins. ``None`` for empty text.
        """
        if not self.values:
            return None
        for candidate in self._chain(language, fallbacks):
            found = self.values.get(candidate)
            if found:
                return Localized(candidate, found)
        first = next(iter(self.values))
        return Localized(first, self.values[first])

    @staticmethod
    def _chain(language: str | None, fallbacks: Iterable[str]) -> Iterator[str]:
        if language:
            language = language.lower()
            yield language
            if "-" in language:
                yield language.split("-", 1)[0]
        yield from fallbacks

    def get(self, language: str | None = None, fallbacks: Iterable[str] = DEFAULT_FALLBACKS,
            ) -> str:
        """The resolved text alone, ``""`` for empty text."""
        found = self.resolve(language, fallbacks)
        return found.text if found else ""

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages this text is written in, in the order given."""
        return tuple(self.values)

    def __bool__(self) -> bool:
        return any(value.strip() for value in self.values.values())

    def __str__(self) -> str:
        return self.get()

    def __repr__(self) -> str:
        return f"Text({dict(self.values)!r})"

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.values.items())))


EMPTY = Text({})


def text_field(max_length: int = LONG, *, required: bool = False) -> Any:
    """An attrs field holding :class:`Text` of at most ``max_length`` per language."""

    def convert(value: Any, field: attrs.Attribute[Any]) -> Text:
        if isinstance(value, Text) and all(len(text) <= max_length
                                           for text in value.values.values()):
            return value  # checked when it was made; only this field's limit may be lower
        try:
            return Text({} if value is None else value, max_length=max_length)
        except ValidationError as error:
            raise error.with_prefix(field.name) from None

    def validate(_: Any, attribute: Any, value: Any) -> None:
        if required and not value:
            raise ValidationError(
                'is required in at least one language, e.g. {"en": "..."}', field=attribute.name
            )

    default = attrs.NOTHING if required else EMPTY
    return attrs.field(
        default=default,
        converter=attrs.Converter(convert, takes_field=True),
        validator=validate,
        kw_only=True,
    )
