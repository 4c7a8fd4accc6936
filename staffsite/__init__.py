"""The staff site's shell and the helpers every app's staff pages share; no models, no domain rules.

The shell: the admin's frame (``templates/admin/base_site.html``: branding, language switch, the link to
the reports) and its assets (``static/css/staff.css``, ``static/js/staff.js``). The helpers: lists that
filter only by what they declare (``admin_lookups``), searches posted and kept out of addresses
(``admin_search``), a change log that names no one (``admin_records``), a credential shown once
(``admin_shown_once``). And the request handling of both doors (``middleware``): the staff UI's language,
no caching of anything with personal data, the body size limit.

Installed before ``django.contrib.admin``: its ``admin/`` templates override the admin's own. What a role
may see or do is not decided here (``consulates.access``; the admin's role mixins are
``consulates.admin_mixins``).
"""
