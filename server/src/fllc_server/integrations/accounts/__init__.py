"""Service accounts of integrations and their scoped API keys: created and revoked by admins."""
