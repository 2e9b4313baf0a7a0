"""The command kinds: what a REST write or a synced offline op may do, and the one code path
both take.

A kind is (name, required permission, payload schema, handler). `execute_command` runs one
command exactly once per op_id (`kit.commands.run_command`): the REST route passes its
`Idempotency-Key` header as op_id, `POST /api/v1/sync/push` passes each op's op_id. The
permission is checked inside the command, against the author's *current* role.

Each domain declares its kinds in its own package (stock/kinds.py, catalog/kinds.py,
purchasing/receiving.py) as plain `CommandKind` values, and `app.py` puts them into the app's
`CommandKinds` registry (`AppState.command_kinds`); importing a module registers nothing, so two
apps in one process can run with different kinds::

    PO_RECEIVE = CommandKind("po.receive", Permission.STOCK_INTAKE, ReceiveRequest, receive_op)
    kinds = CommandKinds([*STOCK_KINDS, PO_RECEIVE])

The handler gets the validated payload (an instance of `schema`), the op's `base_version` (None
for kinds that do not edit a versioned entity) and the op_id (None for a REST call without
Idempotency-Key); it returns the JSON-able result (a pydantic model is fine) and raises
`AppError`s for refusals. It must not commit. Raising `catalog.writes.VersionConflict` (or any
AppError with a `current` attribute) makes a synced op come back as `conflict` with `current`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.auth.dependencies import CurrentUser
from fllc_server.auth.permissions import Permission
from fllc_server.kit.commands import CommandOutcome, run_command
from fllc_server.kit.errors import Forbidden

if TYPE_CHECKING:
    from fllc_server.state import AppState

P = TypeVar("P", bound=BaseModel)
P_contra = TypeVar("P_contra", bound=BaseModel, contravariant=True)


class KindHandler(Protocol[P_contra]):
    async def __call__(
        self,
        session: AsyncSession,
        state: AppState,
        actor: CurrentUser,
        payload: P_contra,
        base_version: int | None,
        *,
        op_id: str | None,
    ) -> Any: ...


@dataclass(frozen=True, slots=True)
class CommandKind(Generic[P]):
    name: str
    permission: Permission
    schema: type[P]
    handler: KindHandler[P]
    status_code: int = 200


class CommandKinds:
    """The command kinds one app runs, by name: built by app construction, never at import."""

    def __init__(self, kinds: Iterable[CommandKind[Any]] = ()) -> None:
        self._kinds: dict[str, CommandKind[Any]] = {}
        for kind in kinds:
            self.register(kind)

    def register(self, kind: CommandKind[P]) -> CommandKind[P]:
        """Add (or replace, e.g. in tests) the kind of `kind.name`."""
        self._kinds[kind.name] = kind
        return kind

    def get(self, name: str) -> CommandKind[Any] | None:
        return self._kinds.get(name)

    def names(self) -> list[str]:
        return sorted(self._kinds)


def require_permission(actor: CurrentUser, permission: Permission) -> None:
    if not actor.can(permission):
        raise Forbidden(
            f"Your role ({actor.role}) does not allow this: it needs '{permission}'",
            code="permission_denied",
            details=[{"permission": permission.value}],
        )


def fingerprint(payload: BaseModel, base_version: int | None) -> dict[str, Any]:
    """What an op_id stands for: a repeat with a different fingerprint is a different request."""
    return {
        "payload": payload.model_dump(mode="json", exclude_unset=True),
        "base_version": base_version,
    }


async def execute_command(
    session: AsyncSession,
    state: AppState,
    actor: CurrentUser,
    kind: CommandKind[P],
    payload: P,
    *,
    op_id: str | None,
    base_version: int | None = None,
) -> CommandOutcome:
    """Run one command once per op_id: a repeat returns the first result (`replayed`)."""

    async def effect() -> Any:
        require_permission(actor, kind.permission)
        return await kind.handler(session, state, actor, payload, base_version, op_id=op_id)

    return await run_command(
        session,
        op_id=op_id,
        user_id=actor.id,
        kind=kind.name,
        payload=fingerprint(payload, base_version),
        effect=effect,
        status_code=kind.status_code,
    )
