"""The cross-cutting security tests (demo logins, the dump scan, key rotation, personal data in logs and
messages) sign in like the sign-in tests: the same fixtures, each test at its own client address with
clean rate-limit counters."""

from tests.signin.conftest import _clean_counters, address, browser, officer  # noqa: F401 - fixtures
