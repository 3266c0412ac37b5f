"""Small helpers shared by every app (no models, not a Django app)."""
