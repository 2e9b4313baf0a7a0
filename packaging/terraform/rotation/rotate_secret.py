"""Secrets Manager rotation for FLLC Warehouse's own secrets (the signing key, the Redis AUTH token).

The four steps Secrets Manager calls: createSecret makes a new random value (AWSPENDING); setSecret
hands a Redis token to ElastiCache with the ROTATE strategy (old and new both accepted meanwhile);
testSecret waits until the replication group is available again; finishSecret makes the new value
AWSCURRENT and starts a rolling redeploy of the ECS services, so every task picks it up.
"""

from __future__ import annotations

import os
import secrets
import time
from typing import Any

import boto3

secretsmanager = boto3.client("secretsmanager")
elasticache = boto3.client("elasticache")
ecs = boto3.client("ecs")


def handler(event: dict[str, Any], _context: object) -> None:
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    metadata = secretsmanager.describe_secret(SecretId=arn)
    if token not in metadata.get("VersionIdsToStages", {}):
        raise ValueError(f"version {token} is not a version of {arn}")
    {"createSecret": _create, "setSecret": _set, "testSecret": _test, "finishSecret": _finish}[step](
        arn, token, metadata
    )


def _create(arn: str, token: str, _metadata: dict[str, Any]) -> None:
    try:
        secretsmanager.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
    except secretsmanager.exceptions.ResourceNotFoundException:
        value = secrets.token_urlsafe(48)  # URL-safe: valid as a Redis AUTH token and a signing key
        secretsmanager.put_secret_value(
            SecretId=arn, ClientRequestToken=token, SecretString=value, VersionStages=["AWSPENDING"]
        )


def _is_redis(metadata: dict[str, Any]) -> bool:
    return any(tag["Key"] == "fllc:kind" and tag["Value"] == "redis-auth" for tag in metadata.get("Tags", []))


def _set(arn: str, token: str, metadata: dict[str, Any]) -> None:
    if not _is_redis(metadata):
        return
    pending = secretsmanager.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
    elasticache.modify_replication_group(
        ReplicationGroupId=os.environ["REPLICATION_GROUP_ID"],
        AuthToken=pending["SecretString"],
        AuthTokenUpdateStrategy="ROTATE",
        ApplyImmediately=True,
    )


def _test(_arn: str, _token: str, metadata: dict[str, Any]) -> None:
    if not _is_redis(metadata):
        return
    group_id = os.environ["REPLICATION_GROUP_ID"]
    for _ in range(60):
        group = elasticache.describe_replication_groups(ReplicationGroupId=group_id)["ReplicationGroups"][0]
        if group["Status"] == "available":
            return
        time.sleep(5)
    raise TimeoutError(f"{group_id} did not become available after the token change")


def _finish(arn: str, token: str, metadata: dict[str, Any]) -> None:
    current = next(
        (version for version, stages in metadata["VersionIdsToStages"].items() if "AWSCURRENT" in stages),
        None,
    )
    if current == token:
        return
    secretsmanager.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current
    )
    for service in os.environ["ECS_SERVICES"].split(","):
        ecs.update_service(cluster=os.environ["ECS_CLUSTER"], service=service, forceNewDeployment=True)
