"""The inventory, shared by both API versions: one store, one lock, one set of rules.

Neither blueprint keeps items of its own. They both call these functions, so an item created
through v2 is at once visible through v1, and the two versions can never disagree.
"""

import threading

CATEGORIES = ("electronics", "food", "medical", "tools", "clothing", "science")

# Flask's development server answers requests on several threads at once. The lock makes
# every read and every read-modify-write of the store and the id counter one at a time.
_lock = threading.Lock()
_items: dict[int, dict] = {}  # id -> item; a dict keeps insertion order, which is id order
_next_id = 1

SEED = {
    "electronics": [
        ("Radio transceiver", 12, 249.00),
        ("Satellite phone", 4, 899.99),
        ("Solar charger", 30, 59.50),
        ("Spare battery pack", 48, 34.90),
        ("Headset with boom mic", 20, 79.00),
        ("Laptop, rugged", 6, 1499.00),
        ("USB-C cable, 2 m", 120, 9.99),
        ("Signal amplifier", 8, 189.00),
        ("LED headlamp", 40, 24.50),
        ("Walkie-talkie pair", 15, 69.90),
        ("GPS receiver", 10, 229.00),
    ],
    "food": [
        ("Freeze-dried pasta", 200, 7.80),
        ("Energy bar, oat", 500, 1.20),
        ("Instant coffee, 200 g", 60, 6.40),
        ("Rice, 5 kg", 40, 11.90),
        ("Dried apricots", 80, 4.30),
        ("Tomato soup, canned", 150, 2.10),
        ("Peanut butter", 70, 3.60),
        ("Hot chocolate mix", 90, 4.99),
        ("Crackers, wholegrain", 110, 2.49),
        ("Honey, 500 g", 35, 6.95),
        ("Green tea, 100 bags", 55, 5.25),
    ],
    "medical": [
        ("First aid kit", 25, 39.00),
        ("Bandage roll", 300, 1.50),
        ("Digital thermometer", 18, 12.90),
        ("Burn gel", 60, 8.75),
        ("Sterile gloves, 100", 40, 14.20),
        ("Emergency blanket", 100, 3.40),
        ("Splint, adjustable", 12, 22.00),
        ("Antiseptic wipes", 250, 0.35),
        ("Blood pressure monitor", 5, 64.00),
        ("Eye wash bottle", 30, 6.80),
        ("Tweezers, steel", 45, 4.10),
    ],
    "tools": [
        ("Multitool", 35, 49.90),
        ("Torque wrench", 9, 119.00),
        ("Duct tape", 140, 5.99),
        ("Cordless drill", 7, 159.00),
        ("Screwdriver set", 22, 27.50),
        ("Cable ties, 500", 60, 8.20),
        ("Socket set", 11, 74.00),
        ("Hacksaw", 16, 18.40),
        ("Measuring tape, 8 m", 28, 11.30),
        ("Soldering iron", 10, 42.00),
        ("Pliers, insulated", 24, 16.90),
    ],
    "clothing": [
        ("Thermal base layer", 40, 44.00),
        ("Wool socks", 120, 12.50),
        ("Insulated gloves", 50, 29.90),
        ("Rain jacket", 25, 89.00),
        ("Fleece hat", 60, 15.00),
        ("Work boots", 18, 129.00),
        ("Cargo trousers", 30, 54.90),
        ("High-visibility vest", 75, 7.50),
        ("Down parka", 12, 249.00),
        ("Sun cap", 45, 9.90),
        ("Neck gaiter", 65, 8.40),
    ],
    "science": [
        ("Microscope slides, 50", 40, 6.90),
        ("Digital scale, 0.01 g", 8, 38.00),
        ("Petri dishes, 20", 60, 11.50),
        ("Pipette set", 14, 27.00),
        ("pH test strips", 90, 4.80),
        ("Sample bags, 100", 70, 5.60),
        ("Magnifying loupe", 32, 13.40),
        ("Field notebook", 100, 3.20),
        ("Spectrometer, handheld", 3, 1299.00),
        ("Safety goggles", 55, 7.95),
        ("Beaker set", 20, 19.90),
    ],
}


def add(name: str, category: str, quantity: int, price: float) -> dict:
    """Store a new item (already validated) under the next id and return a copy."""
    global _next_id
    with _lock:
        item = {
            "id": _next_id,
            "name": name,
            "category": category,
            "quantity": quantity,
            "price": price,
        }
        _items[_next_id] = item
        _next_id += 1
        return dict(item)


def page(offset: int, limit: int, category: str | None = None) -> tuple[list[dict], int]:
    """One page of items in id order, and how many match in all (``total``).

    ``category`` matches whatever its letter case; ``None`` means every item.
    """
    wanted = category.casefold() if category else None
    with _lock:
        matching = [
            item for item in _items.values() if wanted is None or item["category"] == wanted
        ]
        return [dict(item) for item in matching[offset : offset + limit]], len(matching)


def get(item_id: int) -> dict | None:
    """A copy of the item, or ``None`` if there is none with this id."""
    with _lock:
        item = _items.get(item_id)
        return dict(item) if item else None


def update(item_id: int, changes: dict) -> dict | None:
    """Apply already validated ``changes``; the updated copy, or ``None`` for an unknown id."""
    with _lock:
        item = _items.get(item_id)
        if item is None:
            return None
        item.update(changes)
        return dict(item)


for _category, _rows in SEED.items():
    for _name, _quantity, _price in _rows:
        add(_name, _category, _quantity, _price)
