"""Recording what a sync push says about its device, and listing the devices.

A push records its device after the push itself committed, in a transaction of its own: the
report is a side note that must never make a push fail or run again (two first pushes of one new
device racing: the loser's insert fails on the unique device_id and it updates the winner's row).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from sqlalchemy.exc import IntegrityError

from fllc_server.devices.repository import DeviceRepository, now
from fllc_server.devices.schemas import DeviceOut
from fllc_server.models import SyncDevice

if TYPE_CHECKING:
    from fllc_server.kit.db import Database
    from fllc_server.sync.schemas import PushIn

logger = structlog.get_logger("fllc.devices")


async def record_push(db: Database, batch: PushIn, user_id: int) -> None:
    report = batch.device
    values = {
        "user_id": user_id,
        "last_push_at": now(),
        "pending": report.pending if report else 0,
        "needs_attention": report.needs_attention if report else 0,
    }
    if report is not None and report.app_version is not None:
        values["app_version"] = report.app_version
    for _attempt in range(2):
        try:
            async with db.transaction() as session:
                repo = DeviceRepository(session)
                if not await repo.touch(batch.device_id, values):
                    await repo.add(SyncDevice(device_id=batch.device_id, pushes=1, **values))
            return
        except IntegrityError:  # a first push of the same device won the insert: update its row
            continue
        except Exception:  # the push is done and answered whatever happens here
            logger.warning("device_report_failed", device_id=batch.device_id, exc_info=True)
            return


def device_out(device: SyncDevice, username: str | None) -> DeviceOut:
    out = DeviceOut.model_validate(device)
    return out.model_copy(update={"username": username})
