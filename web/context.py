"""The container for the request being answered: how every blueprint reaches the platform.

`create_app` puts the container `bootstrap.build` made into the Flask app; views ask for the
part they need here instead of passing the container around or reaching into each other.
"""

from __future__ import annotations

from flask import current_app, g

from participatie.application.app import ParticipatieApp
from participatie.bootstrap import Container
from participatie.domain.staff import StaffAccount
from participatie.staff.accounts import Staff
from participatie.views.store import ViewTables


def container() -> Container:
    found: Container = current_app.extensions["participatie"]
    return found


def platform() -> ParticipatieApp:
    """The application: commands, and reads of aggregates the views cannot answer."""
    return container().app


def views() -> ViewTables:
    """The projected views: queues, overviews, public pages."""
    return container().views


def staff_accounts() -> Staff:
    return container().staff


def account() -> StaffAccount:
    """The staff account of this request (set by the staff blueprints' login check)."""
    found: StaffAccount = g.account
    return found
