"""The demo catalog, written down once: categories, products and the stories they tell.

Prices are whole Indonesian rupiah. Storage tiers of a phone climb by 15 to 40 %,
the large moisturizer by about a third, so that they fall inside upcross's
default upgrade band (+5 % to +60 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class CategorySpec:
    slug: str
    name: str
    position: int
    color: str


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    name: str
    category: str
    price: int
    stock: int
    description: str

    @property
    def decimal_price(self) -> Decimal:
        return Decimal(self.price)


CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("smartphones", "Smartphones", 10, "#3d5a80"),
    CategorySpec("phone-accessories", "Phone accessories", 20, "#5b7db1"),
    CategorySpec("audio", "Audio", 30, "#6b4e9b"),
    CategorySpec("running-shoes", "Running shoes", 40, "#c0583b"),
    CategorySpec("running-gear", "Running gear", 50, "#d9822b"),
    CategorySpec("skincare", "Skincare", 60, "#2a9d8f"),
    CategorySpec("home-kitchen", "Home & kitchen", 70, "#7a6a53"),
    CategorySpec("stationery", "Stationery", 80, "#8a8d3f"),
)

_PHONE = ("A 6.5-inch OLED screen, a camera that copes with night markets, and a battery "
          "for a long day.")
_NOVA = "Nova X: " + _PHONE
_LUMO = "Lumo S: a light, honest phone. 6.1-inch screen, dual camera, two-day battery."

PRODUCTS: tuple[ProductSpec, ...] = (
    # Smartphones in storage tiers (the upgrade story).
    ProductSpec("NOVAX-64", "Nova X 64 GB", "smartphones", 3_999_000, 40,
                _NOVA + " 64 GB storage."),
    ProductSpec("NOVAX-128", "Nova X 128 GB", "smartphones", 4_799_000, 35,
                _NOVA + " 128 GB storage: room for twice the photos."),
    ProductSpec("NOVAX-256", "Nova X 256 GB", "smartphones", 5_999_000, 20,
                _NOVA + " 256 GB storage for 4K video."),
    ProductSpec("LUMOS-128", "Lumo S 128 GB", "smartphones", 2_499_000, 50, _LUMO + " 128 GB."),
    ProductSpec("LUMOS-256", "Lumo S 256 GB", "smartphones", 2_999_000, 30, _LUMO + " 256 GB."),
    # What goes with a phone (the complement story).
    ProductSpec("CASE-NOVAX-CLEAR", "Nova X Clear Case", "phone-accessories", 149_000, 120,
                "A slim, clear case with raised edges that protect the camera."),
    ProductSpec("CASE-NOVAX-LEATHER", "Nova X Leather Case", "phone-accessories", 349_000, 45,
                "Vegetable-tanned leather that ages well. Fits Nova X (all storage sizes)."),
    ProductSpec("CASE-LUMOS-SILICONE", "Lumo S Silicone Case", "phone-accessories", 129_000, 90,
                "Soft-touch silicone in sage green. Fits Lumo S."),
    ProductSpec("GLASS-NOVAX", "Nova X Tempered Glass Screen Protector", "phone-accessories",
                99_000, 200, "9H tempered glass with an installation frame. Pack of two."),
    ProductSpec("GLASS-LUMOS", "Lumo S Tempered Glass Screen Protector", "phone-accessories",
                89_000, 160, "9H tempered glass for Lumo S. Pack of two."),
    ProductSpec("CHARGER-25W", "25 W USB-C Fast Charger", "phone-accessories", 249_000, 80,
                "Charges a Nova X to 50 % in 30 minutes. Cable not included."),
    ProductSpec("CABLE-USBC-1M", "USB-C Cable 1 m", "phone-accessories", 79_000, 150,
                "Braided USB-C to USB-C cable, 60 W."),
    ProductSpec("POWERBANK-10K", "Power Bank 10,000 mAh", "phone-accessories", 299_000, 60,
                "Two full charges in a pocket-sized brick."),
    ProductSpec("BUDS", "Pulse Buds Wireless Earbuds", "audio", 899_000, 70,
                "True wireless earbuds with 24 hours of battery in the case."),
    ProductSpec("BUDS-PRO", "Pulse Buds Pro", "audio", 1_199_000, 40,
                "Pulse Buds with active noise cancelling for the commute."),
    ProductSpec("HEADPHONES-STUDIO", "Studio Over-Ear Headphones", "audio", 1_899_000, 25,
                "Closed-back over-ear headphones with a warm, detailed sound."),
    # Running shoes and what runners buy with them.
    ProductSpec("SHOE-STRIDE2", "Stride Runner 2", "running-shoes", 1_299_000, 60,
                "A cushioned daily trainer for road running."),
    ProductSpec("SHOE-STRIDE2-PRO", "Stride Runner 2 Pro", "running-shoes", 1_699_000, 30,
                "Stride Runner 2 with a carbon plate for race day."),
    ProductSpec("SHOE-TRAILHAWK", "Trail Hawk", "running-shoes", 1_499_000, 35,
                "Grippy lugs and a rock plate for the hills."),
    ProductSpec("SOCKS-RUN", "Running Socks (3 pairs)", "running-gear", 129_000, 300,
                "Breathable, blister-free running socks. Three pairs."),
    ProductSpec("SHOE-CLEANER", "Shoe Cleaner Kit", "running-gear", 89_000, 120,
                "Foam cleaner and a soft brush that bring white soles back."),
    ProductSpec("CAP-RUN", "Running Cap", "running-gear", 149_000, 70,
                "Light, quick-drying cap with a reflective logo."),
    # A skincare routine.
    ProductSpec("MOIST-50", "Hydra Moisturizer 50 ml", "skincare", 189_000, 150,
                "A light gel-cream with ceramides for the tropics."),
    ProductSpec("MOIST-100", "Hydra Moisturizer 100 ml", "skincare", 259_000, 80,
                "The same gel-cream in the large jar: better value per ml."),
    ProductSpec("TONER", "Balancing Toner 150 ml", "skincare", 139_000, 110,
                "Alcohol-free toner with niacinamide."),
    ProductSpec("SUNSCREEN-50", "Daily Sunscreen SPF 50", "skincare", 159_000, 140,
                "A weightless SPF 50 PA++++ sunscreen with no white cast."),
    ProductSpec("CLEANSER", "Gentle Cleanser 120 ml", "skincare", 119_000, 90,
                "Low-pH gel cleanser for morning and night."),
    # Unrelated products: the noise every real order history has.
    ProductSpec("MUG-CERAMIC", "Ceramic Mug", "home-kitchen", 69_000, 100,
                "Stoneware mug, 350 ml, glazed in ocean blue."),
    ProductSpec("FRENCH-PRESS", "French Press 600 ml", "home-kitchen", 249_000, 40,
                "Borosilicate glass and a steel filter for Toraja coffee."),
    ProductSpec("BOARD-BAMBOO", "Bamboo Cutting Board", "home-kitchen", 159_000, 55,
                "A sturdy board from sustainably grown bamboo."),
    ProductSpec("BOTTLE-750", "Insulated Water Bottle 750 ml", "home-kitchen", 199_000, 85,
                "Keeps water cold for 24 hours."),
    ProductSpec("LAMP-DESK", "LED Desk Lamp", "home-kitchen", 329_000, 30,
                "Dimmable desk lamp with a warm-to-cool colour slider."),
    ProductSpec("UMBRELLA", "Compact Umbrella", "home-kitchen", 119_000, 65,
                "Fits in a bag, survives the rainy season."),
    ProductSpec("NOTEBOOK-A5", "Dotted Notebook A5", "stationery", 49_000, 200,
                "160 pages of 100 g paper that takes fountain pens."),
    ProductSpec("PEN-GEL", "Gel Pens (set of 5)", "stationery", 39_000, 250,
                "Smooth 0.5 mm gel pens in five colours."),
    ProductSpec("BOOK-COOK", "Nusantara Home Cooking (book)", "home-kitchen", 189_000, 25,
                "120 recipes from Aceh to Papua."),
    ProductSpec("PUZZLE-1000", "Jigsaw Puzzle 1000 Pieces", "stationery", 139_000, 20,
                "Borobudur at sunrise, 1000 pieces."),
)

#: Story pairs the order history is planted with: (story, source SKUs, complement SKUs).
#: Each must show up together in at least 50 paid orders (tests check it).
COMPLEMENT_STORIES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("phone + case", ("NOVAX-64", "NOVAX-128", "NOVAX-256", "LUMOS-128", "LUMOS-256"),
     ("CASE-NOVAX-CLEAR", "CASE-NOVAX-LEATHER", "CASE-LUMOS-SILICONE")),
    ("phone + screen protector", ("NOVAX-64", "NOVAX-128", "NOVAX-256", "LUMOS-128", "LUMOS-256"),
     ("GLASS-NOVAX", "GLASS-LUMOS")),
    ("phone + charger", ("NOVAX-64", "NOVAX-128", "NOVAX-256", "LUMOS-128", "LUMOS-256"),
     ("CHARGER-25W",)),
    ("running shoes + socks", ("SHOE-STRIDE2", "SHOE-STRIDE2-PRO", "SHOE-TRAILHAWK"),
     ("SOCKS-RUN",)),
    ("running shoes + shoe cleaner", ("SHOE-STRIDE2", "SHOE-STRIDE2-PRO", "SHOE-TRAILHAWK"),
     ("SHOE-CLEANER",)),
    ("moisturizer + toner", ("MOIST-50", "MOIST-100"), ("TONER",)),
    ("moisturizer + sunscreen", ("MOIST-50", "MOIST-100"), ("SUNSCREEN-50",)),
)

#: Upgrade paths customers follow over time: bought the first, later buy the second.
UPGRADE_PATHS: dict[str, str] = {
    "NOVAX-64": "NOVAX-128",
    "NOVAX-128": "NOVAX-256",
    "LUMOS-128": "LUMOS-256",
    "SHOE-STRIDE2": "SHOE-STRIDE2-PRO",
    "MOIST-50": "MOIST-100",
    "BUDS": "BUDS-PRO",
}

#: Product lines, entry tier first: the members of a line replace each other (more
#: storage, a bigger jar, a better version of the same model). The labelled truth of
#: ``bench/upgrade_check.py``: a later member is a real upgrade of an earlier one;
#: every other pair of the catalog (socks and a cap, a cleanser and a toner, a screen
#: protector and a case, Trail Hawk and Stride Runner 2) is not an upgrade.
PRODUCT_LINES: dict[str, tuple[str, ...]] = {
    "Nova X": ("NOVAX-64", "NOVAX-128", "NOVAX-256"),
    "Lumo S": ("LUMOS-128", "LUMOS-256"),
    "Stride Runner 2": ("SHOE-STRIDE2", "SHOE-STRIDE2-PRO"),
    "Hydra Moisturizer": ("MOIST-50", "MOIST-100"),
    "Pulse Buds": ("BUDS", "BUDS-PRO"),
}

#: Pairs a shopper must never be offered as an upgrade (wrong upgrades):
#: different kinds of product of one category.
NOT_UPGRADES: tuple[tuple[str, str], ...] = (
    ("SOCKS-RUN", "CAP-RUN"),
    ("CLEANSER", "TONER"),
    ("CLEANSER", "SUNSCREEN-50"),
    ("CHARGER-25W", "POWERBANK-10K"),
    ("CHARGER-25W", "CASE-NOVAX-LEATHER"),
    ("GLASS-NOVAX", "CASE-NOVAX-CLEAR"),
    ("GLASS-NOVAX", "CASE-NOVAX-LEATHER"),
    ("GLASS-NOVAX", "CASE-LUMOS-SILICONE"),
    ("GLASS-LUMOS", "CASE-NOVAX-CLEAR"),
    ("GLASS-LUMOS", "CASE-LUMOS-SILICONE"),
    ("CABLE-USBC-1M", "GLASS-NOVAX"),
    ("CABLE-USBC-1M", "GLASS-LUMOS"),
)


def true_upgrades() -> frozenset[tuple[str, str]]:
    """Every real upgrade ``(from SKU, to SKU)``: a later member of the same product line."""
    return frozenset(
        (lower, higher)
        for line in PRODUCT_LINES.values()
        for position, lower in enumerate(line)
        for higher in line[position + 1:]
    )
