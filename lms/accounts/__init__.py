"""Users, agencies, roles, sign-in, registration and password reset."""
