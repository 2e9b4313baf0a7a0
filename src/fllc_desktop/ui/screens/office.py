"""The office screens (dashboard, products, purchasing, users, audit log, settings), each given
the services it uses."""

from __future__ import annotations

from fllc_desktop.domain.permissions import Permission
from fllc_desktop.qt.event_stream import EventStream
from fllc_desktop.qt.services import (
    AuditService,
    CatalogService,
    DashboardService,
    EdiPartnerService,
    IntegrationsService,
    LabelsService,
    PurchasingService,
    ReferenceService,
    ReportsService,
    SettingsService,
    UsersService,
)
from fllc_desktop.ui.screens.audit_log import audit_log_screen_factory
from fllc_desktop.ui.screens.dashboard import dashboard_screen_factory
from fllc_desktop.ui.screens.devices import devices_screen_factory
from fllc_desktop.ui.screens.integrations import integrations_screen_factory
from fllc_desktop.ui.screens.products import products_screen_factory
from fllc_desktop.ui.screens.purchase_orders import purchase_orders_screen_factory
from fllc_desktop.ui.screens.reference import CATEGORIES, LOCATIONS, SUPPLIERS, reference_screen_factory
from fllc_desktop.ui.screens.registry import ScreenSpec
from fllc_desktop.ui.screens.reports import reports_screen_factory
from fllc_desktop.ui.screens.settings import settings_screen_factory
from fllc_desktop.ui.screens.users import users_screen_factory


def office_screens(
    *,
    catalog: CatalogService,
    purchasing: PurchasingService,
    users: UsersService,
    settings: SettingsService,
    dashboard: DashboardService,
    audit: AuditService,
    references: dict[str, ReferenceService],
    events: EventStream | None,
    labels: LabelsService | None = None,
    integrations: IntegrationsService | None = None,
    reports: ReportsService | None = None,
    edi: EdiPartnerService | None = None,
) -> tuple[ScreenSpec, ...]:
    report_screens = (
        (
            ScreenSpec(
                "reports",
                "Reports",
                Permission.REPORTS_GENERATE,
                reports_screen_factory(reports, events),
                icon="reports",
                order=40,
            ),
        )
        if reports is not None
        else ()
    )
    reference_screens = tuple(
        ScreenSpec(
            kind.key,
            kind.key.capitalize(),
            Permission.PRODUCTS_MODIFY,
            reference_screen_factory(kind, references[kind.key], labels, edi),
            icon=kind.key,
            order=order,
        )
        for order, kind in ((22, CATEGORIES), (24, SUPPLIERS), (26, LOCATIONS))
    )
    integration_screens = (
        ()
        if integrations is None
        else (
            ScreenSpec(
                "integrations",
                "Integrations",
                Permission.SYSTEM_CONFIGURE,
                integrations_screen_factory(integrations),
                icon="key",
                order=92,
            ),
        )
    )
    return (
        *reference_screens,
        *integration_screens,
        *report_screens,
        ScreenSpec(
            "dashboard",
            "Dashboard",
            Permission.REPORTS_GENERATE,
            dashboard_screen_factory(dashboard, purchasing, catalog, events),
            icon="dashboard",
            order=5,
        ),
        ScreenSpec(
            "products",
            "Products",
            Permission.PRODUCTS_VIEW,
            products_screen_factory(catalog, events, labels),
            icon="products",
            order=20,
        ),
        ScreenSpec(
            "purchase_orders",
            "Purchase orders",
            Permission.PURCHASE_ORDERS_CREATE,
            purchase_orders_screen_factory(purchasing, catalog),
            icon="orders",
            order=30,
        ),
        ScreenSpec(
            "users", "Users", Permission.USERS_MANAGE, users_screen_factory(users), icon="users", order=80
        ),
        ScreenSpec(
            "audit_log",
            "Audit log",
            Permission.USERS_MANAGE,
            audit_log_screen_factory(audit),
            icon="audit",
            order=85,
        ),
        ScreenSpec(
            "devices",
            "Devices",
            Permission.USERS_MANAGE,
            devices_screen_factory(audit),
            icon="devices",
            order=87,
        ),
        ScreenSpec(
            "settings",
            "Settings",
            Permission.SYSTEM_CONFIGURE,
            settings_screen_factory(settings),
            icon="settings",
            order=90,
        ),
    )
