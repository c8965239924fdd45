"""The site's Pelican plugins, loaded by their dotted names (pelicanconf.PLUGINS)."""
