"""Picking by scan: the orders to pick, what a scan on an order means, and the ops a picker's work
becomes. No Qt in here.

The pick list is the server's (``GET /api/v1/picking``), kept on this tablet (``pick_list.json`` in
its data folder) so that picking goes on without a connection. Every pick, short pick, pack and ship
is a command committed to the outbox (``order.pick`` / ``order.fulfil``) before the screen says so,
and synced exactly once like every scan.

What is shown is the list as the server last sent it plus this user's ops it did not include yet: the
ops waiting in the outbox when the list arrived and every op made since (``unseen``); an op the
server refused (needs attention) or a person discarded stops counting.

A scan on an order picks one unit of the first line of that product with units left. A product that
is not on the order, or whose lines are all picked, is a refusal that books nothing (the screen
flashes and sounds an error): never a silent pick.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from fllc_desktop.domain.commands import Command, CommandKind
from fllc_desktop.floor.desk import ScanDesk
from fllc_desktop.floor.views import Meaning, PendingOp, Resolved
from fllc_desktop.store.outbox import OpState

PICK_LIST_FILE = "pick_list.json"
JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class PickLine:
    id: int
    order_id: int
    product_id: int
    sku: str
    barcode: str | None
    name: str
    quantity: int
    picked: int = 0
    short: int = 0
    short_reason: str = ""

    @property
    def left(self) -> int:
        return max(0, self.quantity - self.picked - self.short)

    @property
    def done(self) -> bool:
        return self.left == 0


@dataclass(frozen=True, slots=True)
class PickOrder:
    id: int
    number: str
    status: str  # paid | picking | packed | shipped (shipped: by an op of this tablet not synced yet)
    created_at: str
    lines: tuple[PickLine, ...]

    @property
    def picked_units(self) -> int:
        return sum(line.picked for line in self.lines)

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def all_done(self) -> bool:
        return all(line.done for line in self.lines)

    @property
    def can_pack(self) -> bool:
        return self.status in ("paid", "picking") and self.all_done

    @property
    def can_ship(self) -> bool:
        return self.status == "packed"

    @property
    def progress_short(self) -> str:
        """``3/4`` or ``3/4 · 1 short``, for a narrow column."""
        shorts = sum(line.short for line in self.lines)
        return f"{self.picked_units}/{self.units}" + (f" · {shorts} short" if shorts else "")

    @property
    def progress_text(self) -> str:
        shorts = sum(line.short for line in self.lines)
        text = f"{self.picked_units} of {self.units} picked"
        return f"{text}, {shorts} short" if shorts else text


class PickOutcome(StrEnum):
    PICKED = "picked"
    WRONG_ITEM = "wrong_item"  # a product that is not on the order
    LINE_DONE = "line_done"  # on the order, but every line of it is picked already
    NOT_OPEN = "not_open"  # the order is packed or shipped: nothing more to pick
    UNREADABLE = "unreadable"  # not a product of the catalog (unknown or invalid code)


@dataclass(frozen=True, slots=True)
class PickAnswer:
    outcome: PickOutcome
    title: str
    detail: str = ""
    line: PickLine | None = None
    op: PendingOp | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is PickOutcome.PICKED


class PickRefusedError(ValueError):
    """A pack, ship or short pick the order does not allow (yet); nothing was booked."""


class PickDesk:
    """The Pick screen's service: made per signed-in user around their :class:`ScanDesk`."""

    def __init__(self, desk: ScanDesk, data_dir: Path) -> None:
        self.desk = desk
        self._path = data_dir / PICK_LIST_FILE
        self._server: list[JsonObject] = []
        self._unseen: list[str] = []
        self._load()

    # ------------------------------------------------------------------ the list

    def remember(self, orders: Iterable[Mapping[str, Any]]) -> None:
        """The server's pick list just arrived: keep it; the ops it cannot include yet stay counted."""
        self._server = [dict(order) for order in orders]
        kinds = (CommandKind.ORDER_PICK, CommandKind.ORDER_FULFIL)
        waiting = [
            e for e in self.desk.store.outbox.pending(self.desk.owner, limit=-1) if e.command.kind in kinds
        ]
        self._unseen = [str(e.command.op_id) for e in waiting]
        self._save()

    def orders(self) -> list[PickOrder]:
        """The orders to pick and ship, oldest first, with this user's unsynced ops applied."""
        orders = {int(o["id"]): _order(o) for o in self._server}
        for command in self._counted_ops():
            order = orders.get(int(command.payload.get("order_id", 0)))
            if order is not None:
                orders[order.id] = _apply(order, command)
        return [order for order in orders.values() if order.status != "shipped"]

    def order(self, order_id: int) -> PickOrder | None:
        return next((order for order in self.orders() if order.id == order_id), None)

    def order_by_number(self, number: str) -> PickOrder | None:
        wanted = number.strip().casefold()
        return next((o for o in self.orders() if o.number.casefold() == wanted), None)

    # ------------------------------------------------------------------ scans and decisions

    def resolve(self, raw: str) -> Resolved:
        return self.desk.resolve(raw)

    def scan(self, order_id: int, resolved: Resolved) -> PickAnswer:
        """A scan while ``order_id`` is open: one unit picked, or a refusal that books nothing."""
        order = self.order(order_id)
        if order is None or order.status in ("packed", "shipped"):
            number = order.number if order else str(order_id)
            return PickAnswer(PickOutcome.NOT_OPEN, f"{number} is not being picked", "Nothing was booked.")
        product = resolved.product
        if resolved.meaning is not Meaning.PRODUCT or product is None:
            return PickAnswer(
                PickOutcome.UNREADABLE,
                f"Not an item of the catalog: {resolved.shown_code}",
                f"{resolved.problem} Nothing was picked.",
            )
        lines = [line for line in order.lines if line.product_id == product.id]
        if not lines:
            return PickAnswer(
                PickOutcome.WRONG_ITEM,
                "WRONG ITEM — not on this order",
                f"{product.name} is not on {order.number}. Put it back. Nothing was picked.",
            )
        line = next((line for line in lines if not line.done), None)
        if line is None:
            done = lines[0]
            return PickAnswer(
                PickOutcome.LINE_DONE,
                f"Already picked — {product.name}",
                f"{done.picked} of {done.quantity} picked on {order.number}. "
                "Put it back. Nothing was picked.",
                line=done,
            )
        op = self._enqueue(CommandKind.ORDER_PICK, {"order_id": order.id, "item_id": line.id, "quantity": 1})
        picked = replace(line, picked=line.picked + 1)
        return PickAnswer(
            PickOutcome.PICKED, f"Picked {product.name}", f"{picked.picked} of {picked.quantity}", picked, op
        )

    def short(self, order_id: int, line_id: int, quantity: int, reason: str) -> PendingOp:
        """``quantity`` units of a line not found, with the picker's reason."""
        order = self._open_order(order_id)
        line = next((line for line in order.lines if line.id == line_id), None)
        reason = reason.strip()
        if line is None or not reason or not 0 < quantity <= line.left:
            raise PickRefusedError("Say why, and at most the units left on the line.")
        payload = {"order_id": order.id, "item_id": line.id, "quantity": quantity, "short_reason": reason}
        return self._enqueue(CommandKind.ORDER_PICK, payload)

    def pack(self, order_id: int) -> PendingOp:
        order = self._open_order(order_id)
        if not order.can_pack:
            raise PickRefusedError(f"{order.number}: pick every line, or mark it short, before packing.")
        return self._enqueue(CommandKind.ORDER_FULFIL, {"order_id": order.id, "status": "packed"})

    def ship(self, order_id: int) -> PendingOp:
        order = self._open_order(order_id)
        if not order.can_ship:
            raise PickRefusedError(f"{order.number}: pack it before shipping.")
        return self._enqueue(CommandKind.ORDER_FULFIL, {"order_id": order.id, "status": "shipped"})

    def _open_order(self, order_id: int) -> PickOrder:
        order = self.order(order_id)
        if order is None:
            raise PickRefusedError(f"Order {order_id} is not on the pick list.")
        return order

    # ------------------------------------------------------------------ ops and the file

    def _enqueue(self, kind: CommandKind, payload: JsonObject) -> PendingOp:
        command = Command.new(kind, payload)
        op = self.desk.enqueue(command)  # committed: only now may the screen say so
        self._unseen.append(str(command.op_id))
        self._save()
        return op

    def _counted_ops(self) -> list[Command]:
        counted: list[Command] = []
        for op_id in self._unseen:
            entry = self.desk.store.outbox.entry(uuid.UUID(op_id))
            if (
                entry is not None
                and entry.owner == self.desk.owner
                and entry.state in (OpState.PENDING, OpState.DONE)
            ):
                counted.append(entry.command)
        return sorted(counted, key=lambda c: c.created_at)

    def _load(self) -> None:
        try:
            saved = json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(saved, dict):
            self._server = [o for o in saved.get("orders", []) if isinstance(o, dict)]
            self._unseen = [str(i) for i in saved.get("unseen", [])]

    def _save(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"orders": self._server, "unseen": self._unseen}, default=str)
        temporary = self._path.with_suffix(".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(self._path)


def _order(wire: Mapping[str, Any]) -> PickOrder:
    order_id = int(wire["id"])
    lines = tuple(
        PickLine(
            id=int(line["id"]),
            order_id=order_id,
            product_id=int(line["product_id"]),
            sku=str(line.get("sku") or ""),
            barcode=line.get("barcode"),
            name=str(line.get("name") or f"Product {line['product_id']}"),
            quantity=int(line["quantity"]),
            picked=int(line.get("picked_quantity") or 0),
            short=int(line.get("short_quantity") or 0),
            short_reason=str(line.get("short_reason") or ""),
        )
        for line in wire.get("lines") or []
    )
    return PickOrder(
        order_id, str(wire["number"]), str(wire["status"]), str(wire.get("created_at") or ""), lines
    )


def _apply(order: PickOrder, command: Command) -> PickOrder:
    payload = command.payload
    if command.kind is CommandKind.ORDER_FULFIL:
        return replace(order, status=str(payload["status"]))
    quantity = int(payload.get("quantity", 1))
    reason = payload.get("short_reason")
    lines = tuple(
        (
            replace(line, short=line.short + quantity, short_reason=str(reason))
            if reason
            else replace(line, picked=line.picked + quantity)
        )
        if line.id == payload.get("item_id")
        else line
        for line in order.lines
    )
    status = "picking" if order.status in ("placed", "paid") else order.status
    return replace(order, lines=lines, status=status)
