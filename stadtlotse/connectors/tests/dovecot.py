"""A real IMAP server for the tests: Debian's dovecot, unprivileged, configured in a temporary directory.

`with Dovecot() as imap:` starts it on a free port of 127.0.0.1 with one user (imap.user,
imap.password) and a Maildir inbox; it is stopped and removed when the block ends. When the tests
run as root, dovecot runs as `nobody`, since it refuses to serve mail as root.
"""

import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from stadtlotse.testing.smtp import free_port

DOVECOT = os.environ.get("STADTLOTSE_DOVECOT", "/usr/sbin/dovecot")

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = stadtlotse-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
"""


def available():
    return Path(DOVECOT).exists()


def require():
    if not available():
        raise unittest.SkipTest(f"{DOVECOT} missing: `make test` installs dovecot-imapd")


class Dovecot:
    user = "antwort"
    password = "imap-test-password"

    def __init__(self):
        self.port = free_port()
        self.root = None
        self.process = None

    def __enter__(self):
        self.root = Path(tempfile.mkdtemp(prefix="stadtlotse-dovecot-"))
        account = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        for sub in ("run", "state", "mail", "home"):
            (self.root / sub).mkdir()
        (self.root / "users").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        group = next((g.gr_name for g in __import__("grp").getgrall() if g.gr_gid == account.pw_gid), str(account.pw_gid))
        (self.root / "dovecot.conf").write_text(CONFIG.format(
            root=self.root, port=self.port, user=account.pw_name, group=group,
            uid=account.pw_uid, gid=account.pw_gid))
        if os.geteuid() == 0:
            for path in [self.root, *self.root.rglob("*")]:
                os.chown(path, account.pw_uid, account.pw_gid)
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            user=account.pw_uid if os.geteuid() == 0 else None,
            group=account.pw_gid if os.geteuid() == 0 else None,
        )
        self._wait_until_listening()
        return self

    def _wait_until_listening(self):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.process.stdout.read().decode()} {self.log()}")
            try:
                imaplib.IMAP4("127.0.0.1", self.port, timeout=1).logout()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def log(self):
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else ""

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def url(self):
        return f"imap://{self.user}:{self.password}@127.0.0.1:{self.port}/INBOX"

    def deliver(self, *messages):
        """Put messages into the inbox, as the city's mail server would."""
        client = imaplib.IMAP4("127.0.0.1", self.port)
        client.login(self.user, self.password)
        for raw in messages:
            client.append("INBOX", None, None, raw)
        client.logout()

    def count(self):
        client = imaplib.IMAP4("127.0.0.1", self.port)
        client.login(self.user, self.password)
        _status, data = client.select("INBOX")
        client.logout()
        return int(data[0])
