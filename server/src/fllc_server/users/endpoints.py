"""/api/v1/users — account administration (users.manage)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from fllc_server.auth.dependencies import UsersManage
from fllc_server.auth.permissions import Role
from fllc_server.kit.deps import SessionDep, get_state
from fllc_server.kit.pagination import Page, PageDep
from fllc_server.kit.strict import PathId, QueryBool
from fllc_server.users.schemas import PasswordReset, RoleChange, UserCreate, UserOut, UserUpdate
from fllc_server.users.service import UserService

router = APIRouter(prefix="/api/v1/users", tags=["users"])


def _service(request: Request, session: SessionDep) -> UserService:
    state = get_state(request)
    return UserService(session, state.passwords, state.auth, state.revocations)


@router.get("", response_model=Page[UserOut])
async def list_users(
    *,
    _user: UsersManage,
    request: Request,
    session: SessionDep,
    page: PageDep,
    role: Role | None = None,
    active: QueryBool | None = None,
    q: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[UserOut]:
    rows, total = await _service(request, session).list(
        offset=page.offset, limit=page.per_page, role=role, active=active, q=q
    )
    return Page(data=[UserOut.model_validate(r) for r in rows], meta=page.meta(total))


@router.post("", response_model=UserOut, status_code=status.HTTP_201_CREATED)
async def create_user(body: UserCreate, actor: UsersManage, request: Request, session: SessionDep) -> UserOut:
    return UserOut.model_validate(await _service(request, session).create(body, actor))


@router.get("/{user_id}", response_model=UserOut)
async def get_user(user_id: PathId, _user: UsersManage, request: Request, session: SessionDep) -> UserOut:
    return UserOut.model_validate(await _service(request, session).get(user_id))


@router.patch("/{user_id}", response_model=UserOut)
async def update_user(
    user_id: PathId, body: UserUpdate, actor: UsersManage, request: Request, session: SessionDep
) -> UserOut:
    return UserOut.model_validate(await _service(request, session).update(user_id, body, actor))


@router.put("/{user_id}/role", response_model=UserOut)
async def change_role(
    user_id: PathId, body: RoleChange, actor: UsersManage, request: Request, session: SessionDep
) -> UserOut:
    return UserOut.model_validate(await _service(request, session).change_role(user_id, body.role, actor))


@router.post("/{user_id}/deactivate", response_model=UserOut)
async def deactivate_user(
    user_id: PathId, actor: UsersManage, request: Request, session: SessionDep
) -> UserOut:
    return UserOut.model_validate(await _service(request, session).deactivate(user_id, actor))


@router.post("/{user_id}/password", response_model=UserOut)
async def reset_password(
    user_id: PathId, body: PasswordReset, actor: UsersManage, request: Request, session: SessionDep
) -> UserOut:
    """Set a new password; the user's sessions end."""
    service = _service(request, session)
    return UserOut.model_validate(await service.reset_password(user_id, body.password, actor))


@router.post("/{user_id}/mfa/reset", response_model=UserOut)
async def reset_mfa(user_id: PathId, actor: UsersManage, request: Request, session: SessionDep) -> UserOut:
    """Turn off the user's two-step sign-in (a lost phone): audited; their sessions end and none
    of their devices stays trusted. With MFA required for their role, they set it up again at
    their next sign-in."""
    return UserOut.model_validate(await _service(request, session).reset_mfa(user_id, actor))
