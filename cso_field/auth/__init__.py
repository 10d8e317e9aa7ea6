"""Login, logout, password change and the interface language setting."""
