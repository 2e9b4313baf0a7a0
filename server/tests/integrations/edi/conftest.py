"""Sample interchanges of every set, the models the golden files in data/ are written from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fllc_server.config import Settings
from fllc_server.integrations.edi import x12

from .sshd import SshServer, run_sshd
from .supplier import Shop

DATA = Path(__file__).parent / "data"

BUYER = x12.Party("BY", "FLLC Warehouse", "92", "FLLC01")
SHIP_TO = x12.Party(
    "ST",
    "FLLC Warehouse Dock 2",
    "92",
    "DOCK2",
    ("1200 Harbor Way", "Building C"),
    "Oakland",
    "CA",
    "94607",
    "US",
)
SELLER = x12.Party("SE", "Acme Supply Co", "1", "123456789")


def interchange(
    set_doc: x12.Document, *, version: x12.Version = x12.Version.V4010, number: int = 905
) -> x12.Interchange:
    """A production interchange FLLC (ZZ FLLCWAREHOUSE) <-> Acme (01 ACMESUPPLY) holding one set."""
    outbound = set_doc.set_id == "850"
    us, them = ("ZZ", "FLLCWAREHOUSE"), ("01", "ACMESUPPLY")
    sender, receiver = (us, them) if outbound else (them, us)
    group = x12.FunctionalGroup(
        functional_id=set_doc.functional_id,
        sender_id=sender[1],
        receiver_id=receiver[1],
        date=dt.date(2026, 11, 30),
        time=dt.time(9, 30),
        control_number=number,
        version=version.group_version,
        sets=(x12.TransactionSet("0001", set_doc),),
    )
    return x12.Interchange(
        sender_qualifier=sender[0],
        sender_id=sender[1],
        receiver_qualifier=receiver[0],
        receiver_id=receiver[1],
        date=dt.date(2026, 11, 30),
        time=dt.time(9, 30),
        control_number=number,
        version=version,
        ack_requested=outbound,
        groups=(group,),
    )


PO_LINES = (
    x12.Item(
        "1",
        Decimal(24),
        "EA",
        Decimal("3.75"),
        buyer_part="SKU-1001",
        vendor_part="AC-778",
        upc="012345678905",
    ),
    x12.Item(
        "2",
        Decimal(10),
        "CA",
        Decimal("41.20"),
        buyer_part="SKU-2002",
        vendor_part="AC-901",
        description="Packing tape, 48 mm, case of 36",
    ),
)

PURCHASE_ORDER = x12.PurchaseOrder(
    number="PO-000123",
    date=dt.date(2026, 11, 30),
    lines=PO_LINES,
    currency="USD",
    requested_delivery=dt.date(2026, 12, 8),
    parties=(BUYER, SHIP_TO),
)

PO_ACK = x12.PurchaseOrderAck(
    po_number="PO-000123",
    po_date=dt.date(2026, 11, 30),
    ack_type=x12.AckType.WITH_DETAIL_AND_CHANGE,
    seller_order_number="SO-88231",
    lines=(
        x12.AckLine(
            PO_LINES[0], (x12.LineAck(x12.LineStatus.ACCEPTED, Decimal(24), "EA", dt.date(2026, 12, 3)),)
        ),
        x12.AckLine(
            x12.Item("2", Decimal(10), "CA", Decimal("42.10"), buyer_part="SKU-2002", vendor_part="AC-901"),
            (
                x12.LineAck(x12.LineStatus.PRICE_CHANGED, Decimal(6), "CA", dt.date(2026, 12, 3)),
                x12.LineAck(x12.LineStatus.BACKORDERED, Decimal(4), "CA", dt.date(2026, 12, 17)),
            ),
        ),
    ),
)

SSCC_1, SSCC_2 = "006141411234567890", "006141411234567906"

SHIP_NOTICE = x12.ShipNotice(
    shipment_id="ASN-55012",
    date=dt.date(2026, 12, 3),
    time=dt.time(14, 5),
    shipped=dt.date(2026, 12, 3),
    estimated_delivery=dt.date(2026, 12, 5),
    carrier="UPSN",
    bill_of_lading="BOL-7781",
    parties=(x12.Party("SF", "Acme Supply Co", "1", "123456789"), SHIP_TO),
    orders=(
        x12.ShipmentOrder(
            "PO-000123",
            (
                x12.Pack(
                    SSCC_1, (x12.PackItem(Decimal(24), "EA", "1", "AC-778", "SKU-1001", "012345678905"),)
                ),
                x12.Pack(SSCC_2, (x12.PackItem(Decimal(6), "CA", "2", "AC-901", "SKU-2002"),)),
            ),
        ),
    ),
)

INVOICE = x12.Invoice(
    number="INV-40017",
    date=dt.date(2026, 12, 4),
    po_number="PO-000123",
    po_date=dt.date(2026, 11, 30),
    currency="USD",
    parties=(
        x12.Party("RE", "Acme Supply Co", "1", "123456789", ("PO Box 4410",), "Fresno", "CA", "93744", "US"),
    ),
    lines=(
        x12.Item("1", Decimal(24), "EA", Decimal("3.75"), buyer_part="SKU-1001", vendor_part="AC-778"),
        x12.Item("2", Decimal(6), "CA", Decimal("42.10"), buyer_part="SKU-2002", vendor_part="AC-901"),
    ),
    total=Decimal("342.60"),
)

FUNCTIONAL_ACK = x12.FunctionalAck(
    group_functional_id="PO",
    group_control_number=905,
    status=x12.AckStatus.ACCEPTED,
    included=1,
    received=1,
    accepted=1,
    sets=(x12.SetAck("850", "0001", x12.AckStatus.ACCEPTED),),
)

SAMPLES: dict[str, x12.Document] = {
    "850": PURCHASE_ORDER,
    "855": PO_ACK,
    "856": SHIP_NOTICE,
    "810": INVOICE,
    "997": FUNCTIONAL_ACK,
}


@pytest.fixture(params=sorted(SAMPLES))
def set_id(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def samples() -> dict[str, x12.Document]:
    return SAMPLES


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def make_interchange() -> Callable[..., x12.Interchange]:
    return interchange


# -- the flows: an app that runs its jobs in-process, a real SSH server ----------------------------


@pytest.fixture
async def settings(settings: Settings) -> Settings:
    """The EDI jobs (send, poll) run in this process on both backends; no periodic poll (the
    tests poll when they mean to)."""
    return settings.model_copy(
        update={"jobs_in_process": True, "jobs_scheduler": True, "jobs_tick_seconds": 0.2}
    )


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    app.state.fllc.job_kinds.periodic[:] = [
        p for p in app.state.fllc.job_kinds.periodic if p.kind != "edi.poll"
    ]
    return app


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    yield from run_sshd(tmp_path_factory.mktemp("sshd"))


@pytest.fixture
def shop(app: FastAPI, client: httpx.AsyncClient) -> Shop:
    return Shop(app, client)
