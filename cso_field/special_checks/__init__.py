"""Special checks (K-1 III.F): residents request them, CSOs visit, residents get the log back."""
