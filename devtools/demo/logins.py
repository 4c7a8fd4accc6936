"""The demo accounts (no Django imports: ``make run`` prints these before Django is loaded)."""

DEMO_PASSWORD = "demo-Proteccion-2026"  # noqa: S105 - fictional demo accounts, refused outside DEBUG

DEMO_LOGINS = [
    ("admin", "administrator (whole network, configuration)"),
    ("gerente", "regional manager (whole network, read-mostly)"),
    ("auditora", "auditor (audit trail and access log only, no case data)"),
    ("supervisora.dallas", "supervisor, Dallas (approves closures)"),
    ("supervisora.el_paso", "supervisor, El Paso (incoming transfers to decide)"),
    ("oficial.dallas", "consular officer, Dallas"),
    ("oficial.el_paso", "consular officer, El Paso (Mountain time)"),
    ("ong.demo", "partner NGO user (API only, from the REST API issue on)"),
]

# Written by `demo_logins --save` before `make run` starts its servers, printed by devtools/devserver.py.
DEMO_LOGINS_FILE = "demo-logins.txt"
