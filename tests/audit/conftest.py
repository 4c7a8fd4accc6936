"""The client-address tests sign in through the real middleware: the sign-in tests' fixtures, each test at
its own client address with clean rate-limit counters."""

from tests.signin.conftest import _clean_counters, address, browser, officer  # noqa: F401 - fixtures
