"""Who may do what in the web app: readers ask, admins also manage documents.

- **Reader login** (``POLICYQA_SERVER__USERNAME`` / ``__PASSWORD``): the whole app (chat,
  commitments, subsidies, the Gradio API) is behind Gradio's login; unset, it is open.
- **Admin** (``POLICYQA_SERVER__ADMIN_PASSWORD``, user ``__ADMIN_USERNAME``, default admin):
  uploading, re-indexing and deleting documents need it: logged in as the admin user (when
  there is a login) or the admin password typed in the 文件 tab. Unset, everyone who can open
  the app may manage documents (a single-user tool on 127.0.0.1, as before).

Every document-changing handler checks the role itself, on the server, so a reader calling the
app's endpoints directly is refused like one clicking the button.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from common.errors import ConfigError
from common.settings import Settings


@dataclass(frozen=True)
class Roles:
    reader: tuple[str, str] | None
    admin: tuple[str, str] | None

    @classmethod
    def from_settings(cls, settings: Settings) -> Roles:
        s = settings.server
        user = s.username or None
        password = s.password.get_secret_value() if s.password else None
        if bool(user) != bool(password):
            raise ConfigError(
                "login needs both a user name and a password",
                hint="set POLICYQA_SERVER__USERNAME and POLICYQA_SERVER__PASSWORD, or neither",
            )
        admin_pw = s.admin_password.get_secret_value() if s.admin_password else None
        admin = (s.admin_username, admin_pw) if admin_pw else None
        if admin and user and admin[0] == user:
            raise ConfigError(
                f"the reader and the admin have the same user name ({user})",
                hint="choose another POLICYQA_SERVER__ADMIN_USERNAME",
            )
        return cls(reader=(user, password) if user and password else None, admin=admin)

    @property
    def admin_required(self) -> bool:
        return self.admin is not None

    def gradio_auth(self) -> list[tuple[str, str]] | None:
        """Gradio's login accounts: the reader and the admin, when there is a reader login
        (with an admin password only, the app stays open and the admin types the password)."""
        if self.reader is None:
            return None
        return [self.reader] + ([self.admin] if self.admin else [])

    def is_admin(self, username: str | None, password: str | None) -> bool:
        """May this request change documents?"""
        if self.admin is None:
            return True
        if username and username == self.admin[0] and self.reader is not None:
            return True  # logged in through Gradio's login as the admin user
        return bool(password) and hmac.compare_digest(str(password).encode(), self.admin[1].encode())
