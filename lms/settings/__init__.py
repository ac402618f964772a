"""The partnership's own policy values, edited by administrators in the product."""
