"""Staff accounts: admins create and change them; Senior CSOs and admins unlock them."""
