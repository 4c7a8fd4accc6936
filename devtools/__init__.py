"""Development tools: demo data, benchmarks, the `make run` launcher, the embedded PostgreSQL and the fake
SMS/webhook provider.

Present in the checkout, never in the production image or the wheel (docker/Dockerfile copies only the
service's packages: config, api, signin, encryption, audit, staffsite, consulates and cases; pyproject.toml
packages only those). The settings add this app to INSTALLED_APPS only when it is importable, and start the
embedded PostgreSQL from it only when DATABASE_URL is unset and DEBUG is on. Nothing else in the service
imports it.
"""
