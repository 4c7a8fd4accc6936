"""The REST API's shared machinery, with no domain logic: partner tokens and their use (models, auth,
usage), idempotent POSTs, the error shape, conditional requests (ETags), parsers, fields, filters, paging,
throttles, the OpenAPI schema hooks and the documentation pages. The endpoints themselves are the apps'
(``cases.api``, ``consulates.api``); ``config/api_urls.py`` routes them under ``/api/v1/``."""
