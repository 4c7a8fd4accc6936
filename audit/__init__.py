"""What the audit trail is read through, and whose address a record names.

``events``: the audit trail's (pghistory's) events query, windowed so that a page of the latest events
costs the same at any size of history. ``client_address``: the client's address as the service trusts it
behind reverse proxies, the one rule that lockouts, rate limits, the access log and the record of
partner-token calls key on.

The access-log rows themselves (``cases.models.access.AccessLog``, written by ``cases.access.record_access``)
and the audit-trail pages (``cases.admin.audit_trail``) are the cases app's: they name cases and persons.
Nothing here imports ``cases`` or ``consulates``.
"""
