"""The benchmark's accounts sign in with their second factor, as officers do: bench/generate.py
enrols every account with BENCH_TOTP_SECRET, and each script's sign-in answers the second step
with the code of the moment (so every measured page is behind the second factor).

A code is accepted once per account and 30-second step; `code_for` never hands out a step
already used for an account, in this process or another (a note per account in the temp
folder), and waits for the next step when it must.
"""

import fcntl
import os
import tempfile
import time
from pathlib import Path

import pyotp

# Base32, as authenticator apps take it; the same for every benchmark account.
BENCH_TOTP_SECRET = os.environ.get("BENCH_TOTP_SECRET", "BENCHBENCHBENCHBENCHBENCHBENCH23")
VERIFY_PATH = "/login/verify"
STEP_SECONDS = 30


def needs_code(location: str | None) -> bool:
    """Whether a sign-in's redirect asks for the second step."""
    return (location or "").split("?")[0].endswith(VERIFY_PATH)


def code_for(username: str, secret: str = BENCH_TOTP_SECRET) -> str:
    """A code for `username` from a step no earlier sign-in used."""
    note = Path(tempfile.gettempdir()) / f"cso-bench-totp-{username}"
    with note.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        used = int(handle.read().strip() or 0)
        step = int(time.time()) // STEP_SECONDS
        if step <= used:
            time.sleep((used + 1) * STEP_SECONDS - time.time() + 0.05)
            step = used + 1
        handle.seek(0)
        handle.truncate()
        handle.write(str(step))
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(step)


def enrol(user) -> None:
    """Enrol an account a script made itself (a fresh database) like generate.py's."""
    from cso_field.auth.mfa.services import set_totp_secret

    set_totp_secret(user, BENCH_TOTP_SECRET)
