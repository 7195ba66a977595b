"""What changed in a programme between two published versions.

:func:`diff` compares two versions of an event session by session (matched by
key) and lists each change once: a session added, removed, cancelled or
restored, moved to another time, a person confirmed, added or removed, or other
fields updated (named in ``fields``).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..models import Change, ChangeKind, Event, Person, Session

#: Session fields whose change is reported as an update (times and people have their own kinds).
_COMPARED = ("title", "description", "kind", "mode", "part", "venue", "join_url", "questions",
             "zone")


def person_key(person: Person) -> tuple[str, str]:
    """Who a person is across versions: their role and name (else affiliation, else city)."""
    return person.role.value, (person.name or person.affiliation or person.city or "").casefold()


def person_label(person: Person) -> str:
    """The person as a change names them."""
    return person.name or person.affiliation or person.city or person.role.value


def _people(version: int, old: Session, new: Session) -> Iterable[Change]:
    before = {person_key(p): p for p in old.people}
    after = {person_key(p): p for p in new.people}

    def change(kind: ChangeKind, person: Person) -> Change:
        return Change(version=version, kind=kind, session=new.key, title=new.title,
                      person=person_label(person))

    for key, person in after.items():
        earlier = before.get(key)
        if earlier is None:
            yield change(ChangeKind.PERSON_ADDED, person)
        elif earlier.to_be_confirmed and not person.to_be_confirmed:
            yield change(ChangeKind.PERSON_CONFIRMED, person)
    for key, person in before.items():
        if key not in after:
            yield change(ChangeKind.PERSON_REMOVED, person)


def _session(version: int, old: Session, new: Session) -> Iterable[Change]:
    def change(kind: ChangeKind, **fields: object) -> Change:
        return Change(version=version, kind=kind, session=new.key, title=new.title,
                      **fields)  # type: ignore[arg-type]

    if old.cancelled != new.cancelled:
        yield change(ChangeKind.CANCELLED if new.cancelled else ChangeKind.RESTORED)
    if (old.day, old.starts_at, old.ends_at) != (new.day, new.starts_at, new.ends_at):
        yield change(ChangeKind.MOVED, before=old.starts_at, after=new.starts_at)
    yield from _people(version, old, new)
    updated = tuple(name for name in _COMPARED if getattr(old, name) != getattr(new, name))
    if updated:
        yield change(ChangeKind.UPDATED, fields=updated)


def diff(old: Event, new: Event, version: int) -> list[Change]:
    """The changes from ``old`` to ``new``, published as ``version``, in programme order."""
    before = {s.key: s for s in old.sessions}
    after = {s.key: s for s in new.sessions}
    changes: list[Change] = []
    for session in new.sessions:
        earlier = before.get(session.key)
        if earlier is None:
            changes.append(Change(version=version, kind=ChangeKind.ADDED, session=session.key,
                                  title=session.title, after=session.starts_at))
        elif earlier != session:
            changes.extend(_session(version, earlier, session))
    for session in old.sessions:
        if session.key not in after:
            changes.append(Change(version=version, kind=ChangeKind.REMOVED, session=session.key,
                                  title=session.title, before=session.starts_at))
    return changes

