"""The fault tests share the integration set-up: a loaded database, a mailer, a fixed clock."""

from tests.integration.conftest import world as world

__all__ = ["world"]
