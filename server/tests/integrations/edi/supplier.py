"""The supplier's side of the flow tests: Acme reads what we dropped, and drops its answers where we
pick them up (both folders are on this machine: the SFTP server is local)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI
from fllc_server.integrations.edi import x12
from fllc_server.integrations.edi.x12 import sscc
from fllc_server.integrations.inbox.service import HANDLE_JOB
from fllc_server.models import InboxMessage, Job, Location, Product, Supplier
from sqlalchemy import func, select

T = TypeVar("T")
US = ("ZZ", "FLLCWAREHOUSE")
ACME = ("01", "ACMESUPPLY")
CARTON_1 = sscc.make(0, "0614141", 123456789)
CARTON_2 = sscc.make(0, "0614141", 123456790)


def partner_body(supplier_id: int, drop: Path, pickup: Path, **extra: Any) -> dict[str, Any]:
    return {
        "supplier_id": supplier_id,
        "our_qualifier": US[0],
        "our_id": US[1],
        "their_qualifier": ACME[0],
        "their_id": ACME[1],
        "our_gs_id": US[1],
        "their_gs_id": ACME[1],
        "sets": ["850", "855", "856", "810", "997"],
        "drop_path": str(drop),
        "pickup_path": str(pickup),
        **extra,
    }


async def until(check: Callable[[], Awaitable[T | None]], what: str, seconds: float = 30.0) -> T:
    """Wait for `check()` to give something (not None / not False), or fail naming `what`."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        value = await check()
        if value is not None and value is not False:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


class Shop:
    """Our side: rows written straight to the database, jobs and the inbox waited for."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        self.app = app
        self.client = client
        self.state = app.state.fllc

    async def insert(self, row: Any) -> int:
        async with self.state.db.transaction() as session:
            session.add(row)
            await session.flush()
            return int(row.id)

    async def seed(self) -> dict[str, int]:
        return {
            "supplier": await self.insert(Supplier(name="Acme Supply Co")),
            "location": await self.insert(Location(code="DOCK2", name="Dock 2")),
            "tape": await self.insert(Product(sku="SKU-1001", name="Tape", unit_cost=Decimal("3.75"))),
            "box": await self.insert(Product(sku="SKU-2002", name="Box", unit_cost=Decimal("41.20"))),
        }

    async def jobs_done(self, kind: str, count: int) -> list[Job]:
        async def done() -> list[Job] | None:
            async with self.state.db.sessions() as session:
                rows = list(await session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id)))
            finished = [j for j in rows if j.status in ("succeeded", "failed")]
            return rows if len(finished) >= count and len(finished) == len(rows) else None

        rows = await until(done, f"{count} {kind} job(s)")
        assert all(j.status == "succeeded" for j in rows), [(j.status, j.error) for j in rows]
        return rows

    async def inbox(self) -> list[InboxMessage]:
        async with self.state.db.sessions() as session:
            query = select(InboxMessage).where(InboxMessage.source == "edi").order_by(InboxMessage.id)
            return list(await session.scalars(query))

    async def poll(self, partner_id: int, headers: dict[str, str], polls_before: int) -> None:
        """Fetch the partner's files now, and wait until the inbox has handled them."""
        response = await self.client.post(f"/api/v1/edi/partners/{partner_id}/poll", headers=headers)
        assert response.status_code == 202, response.text
        await self.jobs_done("edi.poll", polls_before + 1)
        await until(self._inbox_settled, "the inbox to handle what was fetched")

    async def _inbox_settled(self) -> bool:
        async with self.state.db.sessions() as session:
            received = await session.scalar(
                select(func.count()).select_from(InboxMessage).where(InboxMessage.status == "received")
            )
            jobs = await session.scalar(
                select(func.count())
                .select_from(Job)
                .where(Job.kind == HANDLE_JOB, Job.status.in_(("queued", "running")))
            )
        return not received and not jobs


class Acme:
    """The supplier: its interchanges with its own control numbers."""

    def __init__(self, drop: Path, pickup: Path) -> None:
        self.drop = drop  # where we put files for Acme
        self.pickup = pickup  # where Acme puts files for us
        self.seen: set[str] = set()

    def new_files(self) -> list[x12.Interchange]:
        names = sorted(p.name for p in self.drop.iterdir() if p.is_file() and not p.name.endswith(".part"))
        fresh = [n for n in names if n not in self.seen]
        self.seen.update(fresh)
        return [x12.decode((self.drop / n).read_bytes()) for n in fresh]

    def interchange(self, number: int, *documents: x12.Document, stamp: dt.time = dt.time(9, 30)) -> bytes:
        groups = tuple(
            x12.FunctionalGroup(
                functional_id=doc.functional_id,
                sender_id=ACME[1],
                receiver_id=US[1],
                date=dt.date(2026, 12, 3),
                time=stamp,
                control_number=number * 10 + n,
                version="004010",
                sets=(x12.TransactionSet("0001", doc),),
            )
            for n, doc in enumerate(documents, start=1)
        )
        return x12.encode(
            x12.Interchange(
                sender_qualifier=ACME[0],
                sender_id=ACME[1],
                receiver_qualifier=US[0],
                receiver_id=US[1],
                date=dt.date(2026, 12, 3),
                time=stamp,
                control_number=number,
                groups=groups,
            )
        )

    def send(self, name: str, data: bytes) -> None:
        (self.pickup / name).write_bytes(data)


def accept(order: x12.FunctionalGroup) -> x12.FunctionalAck:
    return x12.FunctionalAck(
        group_functional_id=order.functional_id,
        group_control_number=order.control_number,
        status=x12.AckStatus.ACCEPTED,
        included=1,
        received=1,
        accepted=1,
        sets=(x12.SetAck("850", order.sets[0].control_number, x12.AckStatus.ACCEPTED),),
    )


def acknowledgement(po: x12.PurchaseOrder) -> x12.PurchaseOrderAck:
    """Line 1 accepted; line 2: 6 now at a new price, 4 back-ordered for a later date."""
    one, two = po.lines
    return x12.PurchaseOrderAck(
        po_number=po.number,
        po_date=po.date,
        ack_type=x12.AckType.WITH_DETAIL_AND_CHANGE,
        seller_order_number="SO-88231",
        lines=(
            x12.AckLine(one, (x12.LineAck(x12.LineStatus.ACCEPTED, one.quantity, "EA"),)),
            x12.AckLine(
                x12.Item(two.line_id, two.quantity, "EA", Decimal("42.10"), buyer_part=two.buyer_part),
                (
                    x12.LineAck(x12.LineStatus.PRICE_CHANGED, Decimal(6), "EA", dt.date(2026, 12, 5)),
                    x12.LineAck(x12.LineStatus.BACKORDERED, Decimal(4), "EA", dt.date(2026, 12, 17)),
                ),
            ),
        ),
    )


def ship_notice(po: x12.PurchaseOrder) -> x12.ShipNotice:
    """Two cartons: all of line 1 in the first, 6 of line 2 in the second."""
    one, two = po.lines
    return x12.ShipNotice(
        shipment_id="ASN-55012",
        date=dt.date(2026, 12, 3),
        time=dt.time(14, 5),
        shipped=dt.date(2026, 12, 3),
        estimated_delivery=dt.date(2026, 12, 5),
        orders=(
            x12.ShipmentOrder(
                po.number,
                (
                    x12.Pack(
                        CARTON_1, (x12.PackItem(one.quantity, "EA", one.line_id, buyer_part=one.buyer_part),)
                    ),
                    x12.Pack(
                        CARTON_2, (x12.PackItem(Decimal(6), "EA", two.line_id, buyer_part=two.buyer_part),)
                    ),
                ),
            ),
        ),
    )


def invoice(po: x12.PurchaseOrder, *, box_price: str = "42.10", box_quantity: int = 6) -> x12.Invoice:
    one, two = po.lines
    lines = (
        x12.Item(one.line_id, one.quantity, "EA", Decimal("3.75"), buyer_part=one.buyer_part),
        x12.Item(two.line_id, Decimal(box_quantity), "EA", Decimal(box_price), buyer_part=two.buyer_part),
    )
    total = sum((item.quantity * (item.unit_price or 0) for item in lines), Decimal(0))
    return x12.Invoice(
        number="INV-40017", date=dt.date(2026, 12, 4), lines=lines, total=total, po_number=po.number
    )
