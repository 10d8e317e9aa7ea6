"""The CSO's Today screen, the Menu and the site root."""
