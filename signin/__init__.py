"""Identity and sessions: password lockout (django-axes), the mandatory TOTP second factor (django-otp),
session idle timeout and absolute cap, and rate limits on sign-in."""
