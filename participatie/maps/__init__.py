"""Area maps: reading CBS/PDOK GeoJSON, point-to-buurt lookup and drawing the SVG map."""
