"""Local ports for the test servers that cannot bind port 0 themselves, safe under
pytest-xdist: several worker processes pick ports at the same time.

A port found free by binding port 0 and closing is free only for a moment: another worker
(or any outgoing connection) may take it before the server binds it. `reserve_port()` leaves
the port in TIME_WAIT instead, so for about a minute the kernel hands it to no other bind(0)
nor connect(), while a server that sets SO_REUSEADDR (gunicorn, asyncio's servers such as
aiosmtpd's) can still bind it. Until one does, connections to it are refused.
"""

import socket

HOST = "127.0.0.1"


def reserve_port(host: str = HOST) -> int:
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with socket.create_connection((host, port), timeout=5):
            accepted, _ = listener.accept()
            accepted.close()  # the side that closes first keeps the port in TIME_WAIT
    return port
