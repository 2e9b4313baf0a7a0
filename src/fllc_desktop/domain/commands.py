"""The command model shared by online writes and offline ops.

A write is a command ``{op_id, kind, payload, created_at, base_version?}``. The client makes the
``op_id``; the server applies each op_id exactly once, whether it arrives as a REST write with
``Idempotency-Key: <op_id>`` or inside ``POST /api/v1/sync/push``. An op's payload is the body of the
matching REST write.

Payload fields beyond the ones DESIGN.md fixes (stock intake) follow the same words:
``quantity`` is a signed whole number of units for an adjustment, ``from_location_id`` /
``to_location_id`` for a transfer, ``location_id`` + ``lines: [{product_id, counted_quantity}]``
for a count, ``purchase_order_id`` + ``purchase_order_line_id`` + ``quantity`` for a PO receipt.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from fllc_desktop.domain.permissions import Permission

JsonObject = dict[str, Any]


class CommandKind(StrEnum):
    STOCK_INTAKE = "stock.intake"
    STOCK_ADJUST = "stock.adjust"
    STOCK_COUNT = "stock.count"
    STOCK_TRANSFER = "stock.transfer"
    PRODUCT_UPDATE = "product.update"
    PO_RECEIVE = "po.receive"
    ORDER_PICK = "order.pick"
    ORDER_FULFIL = "order.fulfil"


REQUIRED_PERMISSION: dict[CommandKind, Permission] = {
    CommandKind.STOCK_INTAKE: Permission.STOCK_INTAKE,
    CommandKind.STOCK_ADJUST: Permission.PRODUCTS_MODIFY,
    CommandKind.STOCK_COUNT: Permission.STOCK_INTAKE,
    CommandKind.STOCK_TRANSFER: Permission.STOCK_INTAKE,
    CommandKind.PRODUCT_UPDATE: Permission.PRODUCTS_MODIFY,
    CommandKind.PO_RECEIVE: Permission.STOCK_INTAKE,
    CommandKind.ORDER_PICK: Permission.STOCK_INTAKE,
    CommandKind.ORDER_FULFIL: Permission.STOCK_INTAKE,
}

_PRODUCT_KEYS = ("product_id", "sku", "barcode")


class InvalidCommandError(ValueError):
    """A command the client itself built wrong: a bug in the caller, not a server answer."""


@dataclass(frozen=True, slots=True)
class Command:
    op_id: uuid.UUID
    kind: CommandKind
    payload: JsonObject = field(hash=False)
    created_at: datetime
    base_version: int | None = None

    @classmethod
    def new(
        cls,
        kind: CommandKind,
        payload: Mapping[str, Any],
        *,
        base_version: int | None = None,
        now: datetime | None = None,
    ) -> Command:
        """A fresh command with a new op_id; the payload is checked and copied."""
        body = dict(payload)
        check_payload(kind, body, base_version)
        created = now if now is not None else datetime.now(UTC)
        return cls(uuid.uuid4(), kind, body, created, base_version)

    def to_wire(self) -> JsonObject:
        wire: JsonObject = {
            "op_id": str(self.op_id),
            "kind": self.kind.value,
            "payload": self.payload,
            "created_at": self.created_at.isoformat(),
        }
        if self.base_version is not None:
            wire["base_version"] = self.base_version
        return wire

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> Command:
        try:
            return cls(
                op_id=uuid.UUID(str(wire["op_id"])),
                kind=CommandKind(wire["kind"]),
                payload=dict(wire["payload"]),
                created_at=datetime.fromisoformat(str(wire["created_at"])),
                base_version=_optional_int(wire.get("base_version")),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidCommandError(f"not a command: {exc}") from exc


@dataclass(frozen=True, slots=True)
class StockDelta:
    """The change a pending command will make to a product's quantity on hand."""

    product_id: int
    quantity: int


def stock_delta(kind: CommandKind, payload: Mapping[str, Any]) -> StockDelta | None:
    """Intake adds, an adjustment adds its signed delta; a transfer nets to zero; a count's
    difference is only known to the server. Ops that name their product only by sku or barcode
    contribute nothing (the scan screens resolve the product before enqueueing)."""
    if kind not in (CommandKind.STOCK_INTAKE, CommandKind.STOCK_ADJUST, CommandKind.PO_RECEIVE):
        return None
    product_id = payload.get("product_id")
    quantity = payload.get("delta" if kind is CommandKind.STOCK_ADJUST else "quantity")
    if not isinstance(product_id, int) or not isinstance(quantity, int) or isinstance(quantity, bool):
        return None
    return StockDelta(product_id, quantity)


def check_payload(kind: CommandKind, payload: Mapping[str, Any], base_version: int | None) -> None:
    _check_json(payload)
    if kind is CommandKind.STOCK_INTAKE:
        _check_intake(payload)
    elif kind is CommandKind.STOCK_ADJUST:  # the server's StockAdjustmentIn: a signed delta
        _check_whole_number(payload, "delta", allow_negative=True)
    elif kind is CommandKind.STOCK_TRANSFER:
        _check_whole_number(payload, "quantity", allow_negative=False)
        if payload.get("from_location_id") == payload.get("to_location_id"):
            raise InvalidCommandError("a transfer moves stock between two different locations")
    elif kind is CommandKind.PRODUCT_UPDATE:
        _check_product_update(payload, base_version)
    elif kind is CommandKind.ORDER_PICK:
        _check_whole_number(payload, "quantity", allow_negative=False)
        if not isinstance(payload.get("order_id"), int) or not isinstance(payload.get("item_id"), int):
            raise InvalidCommandError("a pick names its order_id and item_id")
    elif kind is CommandKind.ORDER_FULFIL and payload.get("status") not in ("picking", "packed", "shipped"):
        raise InvalidCommandError("an order's fulfilment step is picking, packed or shipped")


def _check_product_update(payload: Mapping[str, Any], base_version: int | None) -> None:
    if base_version is None or "product_id" not in payload:
        raise InvalidCommandError("a product update needs product_id and base_version")


def _check_intake(payload: Mapping[str, Any]) -> None:
    if not any(payload.get(key) not in (None, "") for key in _PRODUCT_KEYS):
        raise InvalidCommandError("a stock intake names its product by product_id, sku or barcode")
    _check_whole_number(payload, "quantity", allow_negative=False)


def _check_whole_number(payload: Mapping[str, Any], key: str, *, allow_negative: bool) -> None:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidCommandError(f"{key} must be a whole number, got {value!r}")
    if value == 0 or (value < 0 and not allow_negative):
        raise InvalidCommandError(f"{key} must be {'non-zero' if allow_negative else 'positive'}")


def _check_json(payload: Mapping[str, Any]) -> None:
    try:
        json.dumps(payload, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidCommandError(f"payload is not JSON: {exc}") from exc


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)
