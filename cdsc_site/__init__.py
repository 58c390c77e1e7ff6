"""Django project for the CDSC-WG2-03 Power Systems Data API server."""
