"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for mail tests.

server = SMTPServer(); server.start()
app.config.update(server.mail_config)      # or make_app(**server.mail_config)
server.refuse_recipients("550 5.1.1 No such user")   # or fail_data("451 4.3.0 Try later")
server.stop()                                        # the port then refuses connections
"""

import threading
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller

from tests.ports import reserve_port

HOST = "127.0.0.1"


class RecordingHandler:
    """Accepts mail into `messages`, or answers RCPT or DATA with a set failure reply."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.rcpt_reply: str | None = None
        self.data_reply: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        with self.lock:
            self.messages.append(message)
            self.raw.append(envelope.original_content)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self) -> None:
        self.host = HOST
        self.port = reserve_port(HOST)  # see tests/ports.py: safe under pytest-xdist
        self.handler = RecordingHandler()
        self.controller: Controller | None = None

    @property
    def mail_config(self) -> dict:
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_TIMEOUT_SECONDS": 5}

    def configure(self, app) -> None:
        app.config.update(self.mail_config)

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.messages)

    def start(self) -> None:
        # A stopped Controller closes its event loop, so each start needs a new one.
        self.controller = Controller(self.handler, hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def refuse_recipients(self, reply: str = "550 5.1.1 No such user") -> None:
        self.handler.rcpt_reply = reply

    def fail_data(self, reply: str = "451 4.3.0 Try again later") -> None:
        self.handler.data_reply = reply

    def accept(self) -> None:
        self.handler.rcpt_reply = self.handler.data_reply = None
