"""A second shop shape, deliberately unlike the demo shop, for the test suite.

- ``altcatalog.Item``: UUID primary key, ``title``/``slug``/``is_public``, many-to-many
  ``sections``, prices on ``StockRecord`` rows (several, lowest wins, or none), and
  variants through a nullable ``parent``.
- ``altorders.Order``/``Line``: guest orders (no customer), ``placed_on``, no status;
  lines point at the variant bought and count ``qty``.
- The basket's add view takes the item pk in its path and a ``quantity`` POST field.

upcross is configured for it by ``tests/settings_altshop.py`` alone.
"""
