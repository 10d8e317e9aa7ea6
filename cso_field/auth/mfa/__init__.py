"""Staff second factor (issue 19): passkeys first, authenticator codes as the fallback,
recovery codes, supervisor resets, the department's policy, step-up and trusted phones.

Screens (routes.py, blueprint "mfa"):
- /login/verify: the sign-in's second step (passkey button, or the `code` field, which
  also takes a recovery code; "Trust this phone for my shift").
- /login/enrol: enrolment right after the password when the policy requires a factor the
  user does not have; nothing else is reachable until it is done.
- /account/second-factor: the officer's passkeys, authenticator app and recovery codes.
- /account/confirm: step-up before sensitive actions (step_up.py has the guard).
- /accounts/second-factor-policy: the admin's policy; resets are on Accounts
  (accounts/routes.py) and on the command line (`flask users reset-second-factor`).

Files: models.py (Passkey, RecoveryCode, TrustedDevice), services.py (policy, TOTP, codes,
trust, resets, the half-done sign-in), passkeys.py (WebAuthn with py_webauthn), signin.py
(finishing a sign-in), step_up.py (the reusable guard), forms.py; templates/mfa/,
static/js/passkey.js. Lockout and throttling: ../services.py, check_second_step().
"""
