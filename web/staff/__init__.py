"""Staff pages: login, team queues with bulk actions, the initiative detail page and its actions,
and the regie dashboard. Every page and action is checked against participatie.staff.access.

- `common`: the blueprint, the labels every staff template sees, access checks and look-ups;
- `labels`: names of roles, priorities, actions, form fields and events;
- `sessions`: login, logout and the session check before every page (also used by web/admin.py,
  web/audit.py and web/oidc.py);
- `queues`: the home page, team queues and bulk actions;
- `detail`: the initiative page and its actions;
- `regie`: the regie dashboard;
- `capacity`: team capacity and load;
- `pc`: an area's P&C report (page, chart, CSV and XLSX);
- `areas`: area steering (the stacking matrix, an area's agenda, challenges and figures);
- `search`: finding an initiative by tracking code, id or title words (also on the audit pages);
- `moderation`: what residents publish, approved, redacted or hidden by a moderator.
"""

from __future__ import annotations

from web.staff import areas, capacity, detail, moderation, pc, queues, regie, search, sessions
from web.staff.common import bp, require
from web.staff.labels import FIELD_LABELS, ROLES
from web.staff.sessions import COOKIE, _safe_next, _set_cookie, load_account, no_store

__all__ = [
    "COOKIE",
    "FIELD_LABELS",
    "ROLES",
    "_safe_next",
    "_set_cookie",
    "areas",
    "bp",
    "capacity",
    "detail",
    "load_account",
    "moderation",
    "no_store",
    "pc",
    "queues",
    "regie",
    "require",
    "search",
    "sessions",
]
