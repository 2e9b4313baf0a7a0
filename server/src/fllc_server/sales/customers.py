"""Customers and reviews: create, edit, address book, merging duplicates; hiding reviews and a
product's average rating (visible reviews only). Every write is audited."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from fllc_server.audit import service as audit
from fllc_server.kit.errors import BadRequest, NotFound
from fllc_server.models import Address, Customer, Review
from fllc_server.sales.repository import SalesRepository
from fllc_server.sales.schemas import (
    AddressIn,
    CustomerCreate,
    CustomerOut,
    CustomerUpdate,
    RatingOut,
    ReviewOut,
)
from fllc_server.sales.service import render_customer


class CustomerService:
    def __init__(self, session: AsyncSession, *, actor_id: int) -> None:
        self.session = session
        self.actor_id = actor_id
        self.repo = SalesRepository(session)

    async def create(self, data: CustomerCreate) -> CustomerOut:
        customer = Customer(name=data.name, email=data.email, phone=data.phone)
        self.session.add(customer)
        await self.session.flush()
        for address in data.addresses:
            self.session.add(Address(customer_id=customer.id, **address.model_dump()))
        await self.session.flush()
        out = await self._out(customer)
        await self._audit("customer.create", customer.id, None, out)
        return out

    async def update(self, customer_id: int, data: CustomerUpdate) -> CustomerOut:
        customer = await self._customer(customer_id)
        before = await self._out(customer)
        for key, value in data.model_dump(exclude_unset=True).items():
            if key == "name" and value is None:
                raise BadRequest("A customer's name cannot be null", code="validation_error")
            setattr(customer, key, value)
        await self.session.flush()
        out = await self._out(customer)
        await self._audit("customer.update", customer.id, before, out)
        return out

    async def add_address(self, customer_id: int, data: AddressIn) -> CustomerOut:
        customer = await self._customer(customer_id)
        self.session.add(Address(customer_id=customer.id, **data.model_dump()))
        await self.session.flush()
        out = await self._out(customer)
        await self._audit("customer.address.add", customer.id, None, data.model_dump())
        return out

    async def remove_address(self, customer_id: int, address_id: int) -> CustomerOut:
        customer = await self._customer(customer_id)
        address = await self.session.get(Address, address_id)
        if address is None or address.customer_id != customer.id:
            raise NotFound(f"Customer {customer_id} has no address {address_id}", code="address_not_found")
        await self.session.delete(address)
        await self.session.flush()
        out = await self._out(customer)
        await self._audit("customer.address.remove", customer.id, {"address_id": address_id}, None)
        return out

    async def merge(self, customer_id: int, duplicate_ids: Sequence[int]) -> CustomerOut:
        """Fold duplicates into this customer: their orders, reviews and addresses move here, the
        missing email or phone is taken from them, and the duplicates are removed."""
        keep = await self._customer(customer_id)
        others = sorted(set(duplicate_ids) - {customer_id})
        if not others:
            raise BadRequest("Name at least one other customer to merge", code="nothing_to_merge")
        duplicates = [await self._customer(other) for other in others]
        before = {"kept": (await self._out(keep)).model_dump(mode="json"), "merged": others}
        for duplicate in duplicates:
            keep.email = keep.email or duplicate.email
            keep.phone = keep.phone or duplicate.phone
        ids = [d.id for d in duplicates]
        await self.session.flush()
        await self.repo.reassign_customer(ids, keep.id)
        self.session.expire(keep)
        out = await self._out(await self._customer(customer_id))
        await self._audit("customer.merge", keep.id, before, out)
        return out

    async def set_review_hidden(self, review_id: int, hidden: bool) -> ReviewOut:
        review = await self.session.get(Review, review_id)
        if review is None:
            raise NotFound(f"No review with id {review_id}", code="review_not_found")
        before = review.hidden
        review.hidden = hidden
        await self.session.flush()
        await audit.record(
            self.session,
            actor_id=self.actor_id,
            action="review.hide" if hidden else "review.show",
            entity_type="review",
            entity_id=review.id,
            before={"hidden": before},
            after={"hidden": hidden},
        )
        return ReviewOut.model_validate(review)

    async def _customer(self, customer_id: int) -> Customer:
        customer = await self.repo.customer(customer_id)
        if customer is None:
            raise NotFound(f"No customer with id {customer_id}", code="customer_not_found")
        return customer

    async def _out(self, customer: Customer) -> CustomerOut:
        return render_customer(customer, await self.repo.addresses([customer.id]))

    async def _audit(self, action: str, customer_id: int, before: object, after: object) -> None:
        def plain(value: object) -> object:
            return value.model_dump(mode="json") if isinstance(value, CustomerOut) else value

        await audit.record(
            self.session,
            actor_id=self.actor_id,
            action=action,
            entity_type="customer",
            entity_id=customer_id,
            before=plain(before),
            after=plain(after),
        )


async def rating(session: AsyncSession, product_id: int) -> RatingOut:
    average, count = await SalesRepository(session).rating(product_id)
    return RatingOut(
        product_id=product_id, average=None if average is None else round(average, 2), count=count
    )
