"""GET /api/v1/devices: every device that pushed, with what it last reported (admins)."""

from __future__ import annotations

from fastapi import APIRouter

from fllc_server.auth.dependencies import UsersManage
from fllc_server.devices.repository import DeviceRepository
from fllc_server.devices.schemas import DeviceOut
from fllc_server.devices.service import device_out
from fllc_server.kit.deps import ReadSessionDep
from fllc_server.kit.pagination import Page, PageDep

router = APIRouter(prefix="/api/v1/devices", tags=["devices"])


@router.get("", response_model=Page[DeviceOut])
async def list_devices(*, _user: UsersManage, session: ReadSessionDep, page: PageDep) -> Page[DeviceOut]:
    """The devices, the most recent push first: user, last push, app version, pending and
    needs-attention counts as the device reported them."""
    rows, total = await DeviceRepository(session).page(offset=page.offset, limit=page.per_page)
    return Page(data=[device_out(device, username) for device, username in rows], meta=page.meta(total))
