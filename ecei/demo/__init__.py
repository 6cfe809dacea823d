"""The bundled demo: the mirror of the site, served on loopback, its warehouse and a web archive stand-in."""
