"""Field notes: a CSO's free-text observation with location and photos."""
