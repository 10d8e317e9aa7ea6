"""Districts (beats): boundaries uploaded as GeoJSON, used to place every record."""
