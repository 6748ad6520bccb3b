"""upcross for a django-oscar shop, in one import (README, "django-oscar").

``settings.py``::

    from upcross.contrib.oscar.settings import UPCROSS_OSCAR, UPCROSS_OSCAR_APPS

    INSTALLED_APPS += UPCROSS_OSCAR_APPS          # "upcross.contrib.oscar" before "upcross"
    UPCROSS_PRODUCT_MODEL = "catalogue.Product"
    UPCROSS = {**UPCROSS_OSCAR}

``urls.py``: ``path("upcross/", include("upcross.contrib.oscar.urls"))`` (the basket-line
swap and the unsubscribe link). The app connects Oscar's ``basket_addition`` and
``post_checkout`` signals to upcross's analytics and formats prices with Oscar's
``currency`` filter.
"""
