"""/api/v1/reports end to end, on both backends (on MariaDB + Redis the app consumes the Redis queue
in-process): 202 with the job, the job runs, the file downloads from object storage; bad input is a
400 with the uniform body; who may see which report; a file past its retention is gone (410)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
from typing import Any

import httpx
import openpyxl
import pypdf
import pytest
from fastapi import FastAPI
from fllc_server.config import Settings
from fllc_server.reports.schemas import ReportKind
from fllc_server.reports.tasks import prune_reports

from ..conftest import AuthHeaders, Login, MakeUser
from .conftest import Golden


@pytest.fixture
async def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"jobs_in_process": True, "jobs_scheduler": True, "jobs_tick_seconds": 0.2}
    )


async def _until_done(client: httpx.AsyncClient, report_id: int, headers: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for _ in range(600):
        response = await client.get(f"/api/v1/reports/{report_id}", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        if body["status"] in ("succeeded", "failed"):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"report {report_id} did not finish: {body}")


async def _ask(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/api/v1/reports", json=body, headers=headers)
    assert response.status_code == 202, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_ask_follow_and_download_a_report(
    golden: Golden, client: httpx.AsyncClient, auth_headers: AuthHeaders
) -> None:
    headers = await auth_headers("manager")
    asked = await _ask(
        client, headers, {"kind": "stock_valuation", "format": "xlsx", "params": {"group_by": "location"}}
    )
    assert asked["kind"] == "stock_valuation"
    assert asked["format"] == "xlsx"
    assert asked["params"]["group_by"] == "location"
    assert asked["status"] in ("queued", "running", "succeeded")
    assert asked["download_url"] is None or asked["status"] == "succeeded"
    done = await _until_done(client, asked["id"], headers)
    assert done["status"] == "succeeded", done
    assert done["progress"] == 100
    assert done["file"]["rows"] == 2
    assert done["file"]["filename"].startswith("stock_valuation-")
    assert done["download_url"] == f"/api/v1/reports/{asked['id']}/download"
    response = await client.get(done["download_url"], headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert response.headers["content-disposition"] == f'attachment; filename="{done["file"]["filename"]}"'
    assert int(response.headers["content-length"]) == done["file"]["size"] == len(response.content)
    rows = list(
        openpyxl.load_workbook(io.BytesIO(response.content))["stock_valuation"].iter_rows(values_only=True)
    )
    assert [row[0] for row in rows] == ["Location", "BACK", "MAIN", "Total"]


@pytest.mark.parametrize("kind", list(ReportKind))
async def test_every_kind_makes_a_pdf(
    golden: Golden, client: httpx.AsyncClient, auth_headers: AuthHeaders, kind: ReportKind
) -> None:
    headers = await auth_headers("admin")
    asked = await _ask(client, headers, {"kind": kind.value, "format": "pdf"})
    done = await _until_done(client, asked["id"], headers)
    assert done["status"] == "succeeded", done
    pdf = (await client.get(done["download_url"], headers=headers)).content
    assert pdf.startswith(b"%PDF")
    assert "Page 1 of" in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "nonsense"}, "kind"),
        ({"kind": "stock_valuation", "format": "docx"}, "format"),
        ({"kind": "stock_valuation", "params": {"group_by": "colour"}}, "group_by"),
        ({"kind": "stock_valuation", "params": {"as_of": "2999-01-01"}}, "params"),
        (
            {"kind": "stock_movements", "params": {"date_from": "2026-05-02", "date_to": "2026-05-01"}},
            "params",
        ),
        (
            {"kind": "stock_movements", "params": {"date_from": "1990-01-01", "date_to": "2026-05-01"}},
            "params",
        ),
        ({"kind": "abc_analysis", "params": {"a_percent": 96, "b_percent": 95}}, "params"),
        ({"kind": "sales", "params": {"surprise": 1}}, "surprise"),
        ({"kind": "low_stock", "params": {"supplier_id": 0}}, "supplier_id"),
        ({"format": "pdf"}, ""),
    ],
)
async def test_bad_requests_are_400_with_the_uniform_body(
    client: httpx.AsyncClient, auth_headers: AuthHeaders, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/reports", json=body, headers=await auth_headers("manager"))
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"]
    assert any(field in f"{detail.get('field')} {detail['message']}" for detail in error["details"]), error


async def test_only_report_makers_may_ask_and_each_sees_their_own(
    golden: Golden, client: httpx.AsyncClient, make_user: MakeUser, login: Login, auth_headers: AuthHeaders
) -> None:
    for role in ("staff", "viewer"):
        denied = await client.post(
            "/api/v1/reports", json={"kind": "low_stock"}, headers=await auth_headers(role)
        )
        assert denied.status_code == 403
        assert (await client.get("/api/v1/reports", headers=await auth_headers(role))).status_code == 403

    async def headers_of(role: str) -> dict[str, str]:
        user = await make_user(role)
        return {"Authorization": f"Bearer {(await login(str(user['username'])))['access_token']}"}

    first, second, admin = await headers_of("manager"), await headers_of("manager"), await headers_of("admin")
    mine = await _ask(client, first, {"kind": "low_stock", "format": "csv"})
    theirs = await _ask(client, second, {"kind": "sales", "format": "csv"})
    await _until_done(client, mine["id"], first)
    listed = (await client.get("/api/v1/reports", headers=first)).json()
    assert [item["id"] for item in listed["data"]] == [mine["id"]]
    assert listed["meta"]["total"] == 1
    assert (await client.get(f"/api/v1/reports/{theirs['id']}", headers=first)).status_code == 404
    assert (await client.get(f"/api/v1/reports/{theirs['id']}/download", headers=first)).status_code == 404
    everyone = (await client.get("/api/v1/reports", headers=admin)).json()
    assert {item["id"] for item in everyone["data"]} == {mine["id"], theirs["id"]}
    assert (await client.get("/api/v1/reports/999999", headers=first)).status_code == 404


async def test_a_report_not_made_yet_cannot_be_downloaded(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: AuthHeaders
) -> None:
    headers = await auth_headers("manager")
    await app.state.fllc.job_queue.stop()  # nobody takes jobs now: it stays queued
    asked = await _ask(client, headers, {"kind": "low_stock"})
    response = await client.get(f"/api/v1/reports/{asked['id']}/download", headers=headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "report_not_ready"


async def test_files_past_their_retention_are_deleted_and_then_gone(
    golden: Golden, app: FastAPI, client: httpx.AsyncClient, auth_headers: AuthHeaders
) -> None:
    state = app.state.fllc
    headers = await auth_headers("manager")
    old = await _until_done(
        client, (await _ask(client, headers, {"kind": "low_stock", "format": "csv"}))["id"], headers
    )
    new = await _until_done(
        client, (await _ask(client, headers, {"kind": "sales", "format": "csv"}))["id"], headers
    )
    days = state.settings.report_retention_days
    stale = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days, hours=1)).timestamp()
    path = state.storage.root / "reports" / f"{old['id']}.csv"
    os.utime(path, (stale, stale))

    class Context:  # what a handler reads of its JobContext
        def __init__(self) -> None:
            self.state = state

    assert await prune_reports(Context(), {}) == {"deleted": 1}  # type: ignore[arg-type]
    gone = await client.get(old["download_url"], headers=headers)
    assert gone.status_code == 410
    assert gone.json()["error"]["code"] == "report_expired"
    assert (await client.get(new["download_url"], headers=headers)).status_code == 200


async def test_the_openapi_schema_documents_each_kinds_parameters(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/v1/openapi.json")).json()
    body = schema["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    mapping = body["discriminator"]["mapping"]
    assert set(mapping) == {kind.value for kind in ReportKind}
    components = schema["components"]["schemas"]
    assert set(components["StockValuationParams"]["properties"]) == {
        "as_of",
        "group_by",
        "category_id",
        "location_id",
        "supplier_id",
    }
    assert "date_from" in components["StockMovementsParams"]["properties"]
    assert "202" in schema["paths"]["/api/v1/reports"]["post"]["responses"]
    assert "410" in schema["paths"]["/api/v1/reports/{report_id}/download"]["get"]["responses"]
