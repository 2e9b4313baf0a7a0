"""The Devices view's data: what each sync push says about its device, listed for admins."""

from __future__ import annotations

import httpx

PUSH = "/api/v1/sync/push"
DEVICES = "/api/v1/devices"


async def _push(client: httpx.AsyncClient, headers, device_id: str, report: dict | None) -> None:
    body: dict = {"device_id": device_id, "ops": []}
    if report is not None:
        body["device"] = report
    response = await client.post(PUSH, json=body, headers=headers)
    assert response.status_code == 200, response.text


async def test_a_push_reports_its_device_and_the_next_one_updates_it(
    client, auth_headers, make_user, login
) -> None:
    staff = await auth_headers("staff")
    admin = await auth_headers("admin")
    await _push(client, staff, "tablet-1", {"app_version": "1.4.0", "pending": 7, "needs_attention": 2})
    await _push(client, staff, "tablet-2", None)  # an older app: no report, the push still counts
    listed = await client.get(DEVICES, headers=admin)
    assert listed.status_code == 200, listed.text
    rows = {d["device_id"]: d for d in listed.json()["data"]}
    assert listed.json()["meta"]["total"] == 2
    one = rows["tablet-1"]
    assert (one["app_version"], one["pending"], one["needs_attention"], one["pushes"]) == ("1.4.0", 7, 2, 1)
    assert one["username"].startswith("staff")
    assert (rows["tablet-2"]["app_version"], rows["tablet-2"]["pending"]) == (None, 0)

    other = await make_user("staff")
    tokens = await login(str(other["username"]))
    await _push(
        client,
        {"Authorization": f"Bearer {tokens['access_token']}"},
        "tablet-1",
        {"pending": 0, "needs_attention": 1},
    )
    listed = (await client.get(DEVICES, headers=admin)).json()["data"]
    assert listed[0]["device_id"] == "tablet-1"  # the most recent push first
    one = listed[0]
    assert (one["username"], one["pending"], one["needs_attention"], one["pushes"]) == (
        other["username"],
        0,
        1,
        2,
    )
    assert one["app_version"] == "1.4.0"  # not said this time: kept
    assert one["last_push_at"] >= one["first_seen_at"]


async def test_a_bad_report_is_a_400_and_only_admins_list(client, auth_headers) -> None:
    staff = await auth_headers("staff")
    response = await client.post(
        PUSH, json={"device_id": "t", "ops": [], "device": {"pending": -1}}, headers=staff
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"]
    for role in ("manager", "staff", "viewer"):
        assert (await client.get(DEVICES, headers=await auth_headers(role))).status_code == 403
