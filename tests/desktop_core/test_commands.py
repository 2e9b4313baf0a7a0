"""The command model and the permission mirror."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fllc_desktop.domain.commands import (
    REQUIRED_PERMISSION,
    Command,
    CommandKind,
    InvalidCommandError,
    StockDelta,
    stock_delta,
)
from fllc_desktop.domain.permissions import ROLE_PERMISSIONS, Grants, Permission, Role


def test_a_command_round_trips_its_wire_form() -> None:
    when = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    command = Command.new(
        CommandKind.PRODUCT_UPDATE, {"product_id": 3, "name": "X"}, base_version=4, now=when
    )
    wire = command.to_wire()
    assert wire["kind"] == "product.update"
    assert wire["base_version"] == 4
    assert wire["created_at"] == "2024-05-01T12:00:00+00:00"
    assert Command.from_wire(wire) == command


def test_each_command_gets_its_own_op_id() -> None:
    first = Command.new(CommandKind.STOCK_INTAKE, {"sku": "A", "quantity": 1})
    second = Command.new(CommandKind.STOCK_INTAKE, {"sku": "A", "quantity": 1})
    assert first.op_id != second.op_id
    assert "base_version" not in first.to_wire()


@pytest.mark.parametrize(
    ("kind", "payload", "base_version"),
    [
        (CommandKind.STOCK_INTAKE, {"quantity": 1}, None),
        (CommandKind.STOCK_INTAKE, {"sku": "A", "quantity": 0}, None),
        (CommandKind.STOCK_INTAKE, {"sku": "A", "quantity": 1.5}, None),
        (CommandKind.STOCK_INTAKE, {"sku": "A", "quantity": True}, None),
        (CommandKind.STOCK_ADJUST, {"product_id": 1, "delta": 0}, None),
        (CommandKind.PRODUCT_UPDATE, {"product_id": 1}, None),
        (CommandKind.STOCK_INTAKE, {"sku": "A", "quantity": 1, "when": datetime.now(UTC)}, None),
    ],
)
def test_badly_built_commands_are_refused_before_they_reach_the_outbox(
    kind: CommandKind, payload: dict[str, object], base_version: int | None
) -> None:
    with pytest.raises(InvalidCommandError):
        Command.new(kind, payload, base_version=base_version)


def test_stock_deltas_of_pending_commands() -> None:
    assert stock_delta(CommandKind.STOCK_INTAKE, {"product_id": 1, "quantity": 5}) == StockDelta(1, 5)
    assert stock_delta(CommandKind.STOCK_ADJUST, {"product_id": 1, "delta": -2}) == StockDelta(1, -2)
    assert stock_delta(CommandKind.STOCK_INTAKE, {"barcode": "123", "quantity": 5}) is None
    assert stock_delta(CommandKind.STOCK_TRANSFER, {"product_id": 1, "quantity": 5}) is None


def test_every_kind_names_the_permission_it_needs() -> None:
    assert set(REQUIRED_PERMISSION) == set(CommandKind)


def test_the_role_matrix_mirrors_the_design() -> None:
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Permission)
    assert Grants.for_role(Role.MANAGER).allows(Permission.PURCHASE_ORDERS_CREATE)
    assert not Grants.for_role(Role.MANAGER).allows(Permission.PRODUCTS_DELETE)
    assert Grants.for_role(Role.STAFF).allows_all(Permission.PRODUCTS_VIEW, Permission.STOCK_INTAKE)
    assert ROLE_PERMISSIONS[Role.VIEWER] == {Permission.PRODUCTS_VIEW}


def test_grants_come_from_the_servers_codes_and_ignore_unknown_ones() -> None:
    grants = Grants.from_codes(["products.view", "teleport.stock"])
    assert grants.permissions == {Permission.PRODUCTS_VIEW}
    assert not Grants.none().allows(Permission.PRODUCTS_VIEW)
