"""The AWS design in packaging/terraform, read from its HCL (python-hcl2): the seed's subnets over three
AZs, the routes of each tier, the security-group rules and the safety settings the issue lists.

`terraform validate`/`plan` need the AWS provider, which cannot be downloaded here, so these tests and
checkov (run by `python3 dev.py infra`) are what checks the files."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import hcl2
import pytest

TERRAFORM = Path(__file__).resolve().parents[2] / "packaging" / "terraform"


def _clean(value: Any) -> Any:
    """python-hcl2 keeps HCL's quotes on strings and keys and adds __comments__; drop both."""
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items() if not str(k).startswith("__")}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


@cache
def _blocks() -> dict[str, list[dict[str, Any]]]:
    merged: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(TERRAFORM.glob("*.tf")):
        with path.open() as handle:
            for kind, items in _clean(hcl2.load(handle)).items():
                merged.setdefault(kind, []).extend(items)
    return merged


def resources(kind: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for item in _blocks()["resource"]:
        found.update(item.get(kind, {}))
    return found


def resource(kind: str, name: str) -> dict[str, Any]:
    return resources(kind)[name]


def default(variable: str) -> Any:
    for item in _blocks()["variable"]:
        if variable in item:
            return item[variable]["default"]
    raise KeyError(variable)


def test_vpc_in_us_west_2_over_three_zones() -> None:
    assert default("region") == "us-west-2"
    assert default("vpc_cidr") == "10.0.0.0/16"
    assert resource("aws_vpc", "main")["cidr_block"] == "${var.vpc_cidr}"
    zones = default("availability_zones")
    assert len(set(zones)) == 3
    assert all(zone.startswith("us-west-2") for zone in zones)


@pytest.mark.parametrize(
    ("tier", "cidrs"),
    [
        ("public", ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]),
        ("app", ["10.0.10.0/24", "10.0.11.0/24", "10.0.12.0/24"]),
        ("data", ["10.0.20.0/24", "10.0.21.0/24", "10.0.22.0/24"]),
    ],
)
def test_each_tier_has_the_seeds_subnets_one_per_zone(tier: str, cidrs: list[str]) -> None:
    assert default(f"{tier}_subnets") == cidrs
    subnet = resource("aws_subnet", tier)
    assert subnet["count"] == 3
    assert subnet["cidr_block"] == f"${{var.{tier}_subnets[count.index]}}"
    assert subnet["availability_zone"] == "${var.availability_zones[count.index]}"
    assert subnet["vpc_id"] == "${aws_vpc.main.id}"
    assert subnet.get("map_public_ip_on_launch", False) is False


def _routes(table: dict[str, Any]) -> list[dict[str, Any]]:
    return list(table.get("route", []))


def test_public_tier_routes_out_through_the_internet_gateway() -> None:
    (route,) = _routes(resource("aws_route_table", "public"))
    assert route["cidr_block"] == "0.0.0.0/0"
    assert route["gateway_id"] == "${aws_internet_gateway.main.id}"
    association = resource("aws_route_table_association", "public")
    assert association["subnet_id"] == "${aws_subnet.public[count.index].id}"
    assert association["route_table_id"] == "${aws_route_table.public.id}"


def test_app_tier_routes_out_through_the_nat_gateway_of_its_own_zone() -> None:
    table = resource("aws_route_table", "app")
    assert table["count"] == 3
    (route,) = _routes(table)
    assert route["cidr_block"] == "0.0.0.0/0"
    assert route["nat_gateway_id"] == "${aws_nat_gateway.main[count.index].id}"
    assert "gateway_id" not in route
    nat = resource("aws_nat_gateway", "main")
    assert nat["count"] == 3
    assert nat["subnet_id"] == "${aws_subnet.public[count.index].id}"
    association = resource("aws_route_table_association", "app")
    assert association["subnet_id"] == "${aws_subnet.app[count.index].id}"
    assert association["route_table_id"] == "${aws_route_table.app[count.index].id}"


def test_data_tier_has_no_route_out() -> None:
    assert _routes(resource("aws_route_table", "data")) == []
    association = resource("aws_route_table_association", "data")
    assert association["subnet_id"] == "${aws_subnet.data[count.index].id}"
    assert association["route_table_id"] == "${aws_route_table.data.id}"
    assert set(resources("aws_route")) == set()  # no route added beside the tables
    assert resource("aws_db_subnet_group", "main")["subnet_ids"] == "${aws_subnet.data[*].id}"
    assert resource("aws_elasticache_subnet_group", "main")["subnet_ids"] == "${aws_subnet.data[*].id}"


def _source(rule: dict[str, Any]) -> str:
    return rule.get("cidr_ipv4") or rule["referenced_security_group_id"]


def test_ingress_is_exactly_the_seeds_rules() -> None:
    ingress = {
        (rule["security_group_id"], rule["from_port"], rule["to_port"], _source(rule))
        for rule in resources("aws_vpc_security_group_ingress_rule").values()
    }
    assert ingress == {
        ("${aws_security_group.alb.id}", 80, 80, "0.0.0.0/0"),
        ("${aws_security_group.alb.id}", 443, 443, "0.0.0.0/0"),
        (
            "${aws_security_group.app.id}",
            "${var.app_port}",
            "${var.app_port}",
            "${aws_security_group.alb.id}",
        ),
        ("${aws_security_group.db.id}", 3306, 3306, "${aws_security_group.app.id}"),
        ("${aws_security_group.cache.id}", 6379, 6379, "${aws_security_group.app.id}"),
    }
    assert all(r["ip_protocol"] == "tcp" for r in resources("aws_vpc_security_group_ingress_rule").values())
    # no inline rules, no legacy aws_security_group_rule, and the default group allows nothing
    assert all("ingress" not in group for group in resources("aws_security_group").values())
    assert resources("aws_security_group_rule") == {}
    assert set(resource("aws_default_security_group", "default")) == {"vpc_id"}


def test_egress_is_narrow() -> None:
    egress = {
        (rule["security_group_id"], rule["from_port"], _source(rule))
        for rule in resources("aws_vpc_security_group_egress_rule").values()
    }
    assert egress == {
        ("${aws_security_group.alb.id}", "${var.app_port}", "${aws_security_group.app.id}"),
        ("${aws_security_group.app.id}", 3306, "${aws_security_group.db.id}"),
        ("${aws_security_group.app.id}", 6379, "${aws_security_group.cache.id}"),
        ("${aws_security_group.app.id}", 443, "0.0.0.0/0"),
        ("${aws_security_group.rotation.id}", 443, "0.0.0.0/0"),
    }
    assert resource("aws_db_instance", "primary")["vpc_security_group_ids"] == ["${aws_security_group.db.id}"]
    cache_group = resource("aws_elasticache_replication_group", "main")
    assert cache_group["security_group_ids"] == ["${aws_security_group.cache.id}"]


def test_load_balancer_redirects_http_and_speaks_tls_1_3() -> None:
    alb = resource("aws_lb", "api")
    assert alb["drop_invalid_header_fields"] is True
    assert alb["enable_deletion_protection"] is True
    assert alb["access_logs"][0]["enabled"] is True
    assert alb["subnets"] == "${aws_subnet.public[*].id}"
    http = resource("aws_lb_listener", "http")
    assert http["port"] == 80
    (action,) = http["default_action"]
    assert action["type"] == "redirect"
    assert action["redirect"][0]["protocol"] == "HTTPS"
    assert action["redirect"][0]["port"] == "443"
    https = resource("aws_lb_listener", "https")
    assert https["port"] == 443
    assert https["ssl_policy"].startswith("ELBSecurityPolicy-TLS13-")
    assert resource("aws_lb_target_group", "api")["health_check"][0]["path"] == "/readyz"


def test_ecs_deploys_roll_with_circuit_breaker_and_rollback() -> None:
    for name in ("api", "worker", "scheduler"):
        service = resource("aws_ecs_service", name)
        (breaker,) = service["deployment_circuit_breaker"]
        assert breaker == {"enable": True, "rollback": True}
        assert service["network_configuration"][0]["assign_public_ip"] is False
        assert service["network_configuration"][0]["subnets"] == "${aws_subnet.app[*].id}"
    api = resource("aws_ecs_service", "api")
    assert api["deployment_minimum_healthy_percent"] == 100
    assert api["deployment_maximum_percent"] == 200
    assert resource("aws_ecs_service", "scheduler")["deployment_maximum_percent"] == 100  # never two


def test_database_is_multi_az_private_encrypted_with_a_replica_and_a_dr_copy() -> None:
    primary = resource("aws_db_instance", "primary")
    assert primary["engine"] == "mysql"
    assert str(primary["engine_version"]).startswith("8.")
    for key in ("multi_az", "storage_encrypted", "deletion_protection", "manage_master_user_password"):
        assert primary[key] is True, key
    assert primary["publicly_accessible"] is False
    assert primary["backup_retention_period"] == 30
    replica = resource("aws_db_instance", "replica")
    assert replica["replicate_source_db"] == "${aws_db_instance.primary.identifier}"
    assert replica["publicly_accessible"] is False
    (rule,) = resource("aws_backup_plan", "weekly")["rule"]
    assert rule["schedule"].endswith("SUN *)")
    assert rule["copy_action"][0]["destination_vault_arn"] == "${aws_backup_vault.dr.arn}"
    assert resource("aws_backup_vault", "dr")["provider"] == "${aws.dr}"
    assert default("dr_region") == "us-east-1"


def test_redis_7_encrypted_with_auth() -> None:
    group = resource("aws_elasticache_replication_group", "main")
    assert str(group["engine_version"]).startswith("7")
    assert group["at_rest_encryption_enabled"] is True
    assert group["transit_encryption_enabled"] is True
    assert group["auth_token"] == "${random_password.redis_auth.result}"


def test_files_bucket_is_versioned_encrypted_and_private() -> None:
    assert resource("aws_s3_bucket_versioning", "files")["versioning_configuration"][0]["status"] == "Enabled"
    sse = resource("aws_s3_bucket_server_side_encryption_configuration", "files")
    assert sse["rule"][0]["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "aws:kms"
    block = resource("aws_s3_bucket_public_access_block", "files")
    assert all(
        block[key] is True
        for key in (
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        )
    )


def test_every_secret_rotates() -> None:
    rotated = {rotation["secret_id"] for rotation in resources("aws_secretsmanager_secret_rotation").values()}
    for name in resources("aws_secretsmanager_secret"):
        assert f"${{aws_secretsmanager_secret.{name}.id}}" in rotated


def test_waf_has_managed_sqli_and_xss_rules_and_a_rate_rule() -> None:
    rules = resource("aws_wafv2_web_acl", "api")["rule"]
    managed = {
        r["statement"][0]["managed_rule_group_statement"][0]["name"]
        for r in rules
        if "managed_rule_group_statement" in r["statement"][0]
    }
    assert {"AWSManagedRulesSQLiRuleSet", "AWSManagedRulesCommonRuleSet"} <= managed
    rate = [r for r in rules if "rate_based_statement" in r["statement"][0]]
    assert len(rate) == 1
    assert "block" in rate[0]["action"][0]


def test_alarms_at_the_seeds_thresholds() -> None:
    alarms = resources("aws_cloudwatch_metric_alarm")
    assert alarms["ecs_cpu"]["threshold"] == 80
    assert alarms["ecs_memory"]["threshold"] == 85
    assert alarms["error_rate"]["threshold"] == 1
    assert all(q["metric"][0]["period"] == 300 for q in alarms["error_rate"]["metric_query"] if "metric" in q)
    assert alarms["latency_p99"]["extended_statistic"] == "p99"
    assert alarms["latency_p99"]["threshold"] == 2
    assert alarms["latency_p99"]["period"] == 300


def test_every_log_group_keeps_its_logs_and_is_encrypted() -> None:
    for name, group in resources("aws_cloudwatch_log_group").items():
        assert group["retention_in_days"] == "${var.log_retention_days}", name
        assert group["kms_key_id"] == "${aws_kms_key.main.arn}", name
    assert resource("aws_flow_log", "vpc")["traffic_type"] == "ALL"
