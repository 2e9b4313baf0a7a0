"""A schedule as written and as read. Everything is checked here, so a bad cron, address, time zone
or report parameter is a 400 with the uniform body."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from typing import Annotated, Any, Literal, Self

from croniter import croniter
from pydantic import BaseModel, Field, TypeAdapter, ValidationError, field_validator, model_validator
from pydantic.networks import validate_email
from pydantic_core import PydanticCustomError

from fllc_server.kit.schemas import RequestSchema, ResponseSchema
from fllc_server.reports.render import Format
from fllc_server.reports.schemas import AnyReportRequest, ReportKind, ReportRequest

MAX_RECIPIENTS = 50
_requests: TypeAdapter[AnyReportRequest] = TypeAdapter(ReportRequest)


def report_request(kind: str, params: dict[str, Any], fmt: str) -> AnyReportRequest:
    """The report request a schedule makes (validated as POST /reports validates; ValidationError)."""
    return _requests.validate_json(json.dumps({"kind": kind, "params": params, "format": fmt}))


def next_run(cron: str, timezone: str, after: dt.datetime) -> dt.datetime:
    """The first time `cron` fires after `after`, read on the wall clock of `timezone`, in UTC."""
    local = after.astimezone(zoneinfo.ZoneInfo(timezone))
    fire: dt.datetime = croniter(cron, local).get_next(dt.datetime)
    return fire.astimezone(dt.UTC)


class ScheduleIn(RequestSchema):
    """`cron` has five fields (minute hour day-of-month month day-of-week: "0 7 * * 1" is Mondays
    at 07:00), read in `timezone` (an IANA name). `params` are the report's, as POST /api/v1/reports
    takes them; defaults such as "the last 30 days" are worked out anew at each run."""

    name: str = Field(min_length=1, max_length=120)
    kind: ReportKind
    params: dict[str, Any] = Field(default_factory=dict)
    format: Format = Format.XLSX
    cron: str = Field(min_length=9, max_length=120, examples=["0 7 * * 1"])
    timezone: str = Field(default="UTC", max_length=64, examples=["Europe/London"])
    recipients: list[str] = Field(min_length=1, max_length=MAX_RECIPIENTS)
    enabled: bool = True

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        value = " ".join(value.split())
        if len(value.split(" ")) != 5 or not croniter.is_valid(value):
            raise ValueError("cron must have five fields: minute hour day-of-month month day-of-week")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as Europe/London)"
            ) from None
        return value

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, values: list[str]) -> list[str]:
        cleaned: list[str] = []
        for value in values:
            try:
                _, address = validate_email(
                    value.strip()
                )  # a bare address: no display name, no header tricks
            except PydanticCustomError:
                raise ValueError(f"{value!r} is not an e-mail address") from None
            if address != value.strip() and "<" in value:
                raise ValueError(f"{value!r}: give the bare address, without a name")
            if address.lower() not in {seen.lower() for seen in cleaned}:
                cleaned.append(address)
        return cleaned

    @model_validator(mode="after")
    def _report(self) -> Self:
        try:
            report_request(self.kind, self.params, self.format)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"][1:] if part != "params") or "params"
            raise ValueError(f"params.{where}: {first['msg']}") from None
        return self


RunStatus = Literal["queued", "sending", "retrying", "delivered", "failed"]


class RunOut(ResponseSchema):
    id: int
    scheduled_for: dt.datetime
    status: RunStatus
    attempts: int
    error: str | None
    filename: str | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class ScheduleOut(BaseModel):
    id: int
    name: str
    kind: ReportKind
    params: dict[str, Any]
    format: Format
    cron: str
    timezone: str
    recipients: list[str]
    enabled: bool
    next_run_at: dt.datetime | None
    created_by: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    last_run: Annotated[RunOut | None, Field(description="the newest run, if any")] = None
