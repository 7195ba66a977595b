"""Reading signatures (``obs.signatures``): one by id and the list of a declaration,
which hold personal data (the staff console's ``signatures.view``), and the
public signatories, names without addresses."""

from __future__ import annotations

from ..models import Pledge, PledgeStatus, SignerKind
from ..store import Store, schema
from .base import Page, read_page
from .pledges import PublicSignatory, get_in, load, select


class SignatureService:
    """The signatures of the declarations, as organisers and as the public see them."""

    def __init__(self, store: Store, *, max_page_size: int = 200) -> None:
        self.store = store
        self.max_page_size = max_page_size

    def get(self, pledge_id: int) -> Pledge:
        """The signature ``pledge_id``; ``NotFound`` if there is none."""
        with self.store.read() as connection:
            return get_in(connection, pledge_id)

    def list(self, declaration: str, *, status: PledgeStatus | None = None, limit: int = 50,
             offset: int = 0) -> Page[Pledge]:
        """Signatures of ``declaration``, oldest first (personal data: for organisers only)."""
        table = schema.pledges
        where = [table.c.declaration_slug == declaration]
        if status is not None:
            where.append(table.c.status == PledgeStatus(status).value)
        return read_page(self.store, select().where(*where).order_by(table.c.id),
                         limit=limit, offset=offset, maximum=self.max_page_size,
                         load=lambda _, rows: map(load, rows))

    def signatories(self, declaration: str, *, kind: SignerKind | None = SignerKind.INSTITUTION,
                    limit: int = 50, offset: int = 0) -> Page[PublicSignatory]:
        """Confirmed signatories who chose to appear publicly: names, never addresses."""
        table = schema.pledges
        where = [table.c.declaration_slug == declaration, table.c.public.is_(True),
                 table.c.status == PledgeStatus.CONFIRMED.value,
                 table.c.anonymised_at.is_(None)]
        if kind is not None:
            where.append(table.c.kind == SignerKind(kind).value)
        return read_page(self.store, select().where(*where).order_by(table.c.id),
                         limit=limit, offset=offset, maximum=self.max_page_size,
                         load=lambda _, rows: [PublicSignatory.of(load(r)) for r in rows])
