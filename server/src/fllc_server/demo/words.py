"""Word lists the demo catalog is built from: a hardware and home-improvement store's range."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Department:
    """A category: its SKU prefix, the product types it sells with their sizes, finishes and a
    cost range."""

    name: str
    code: str
    types: tuple[tuple[str, tuple[str, ...]], ...]  # (product type, the sizes it comes in)
    finishes: tuple[str, ...]
    cost_range: tuple[float, float]


DEPARTMENTS = (
    Department(
        "Fasteners", "FAS",
        (
            ("Wood Screws", ('#8 x 1-1/4", Box of 100', '#10 x 2-1/2", Box of 50', '#6 x 5/8", Box of 200')),
            ("Deck Screws", ('#10 x 3", 5 lb Bucket', '#8 x 2-1/2", 1 lb Box')),
            ("Hex Bolts", ('1/4"-20 x 2", Pack of 25', '3/8"-16 x 3", Pack of 10', "M8 x 50 mm, Pack of 20")),
            ("Hex Nuts", ('1/4"-20, Pack of 100', '3/8"-16, Pack of 50', "M10, Pack of 50")),
            ("Flat Washers", ('1/4", Pack of 100', '3/8", Pack of 50', "M8, Pack of 100")),
            ("Lag Screws", ('5/16" x 3", Pack of 25', '3/8" x 4", Pack of 10')),
            ("Drywall Anchors", ("#8, Pack of 50", "50 lb, Pack of 20")),
            ("Threaded Rod", ('1/4"-20 x 3 ft', '3/8"-16 x 6 ft', "M10 x 1 m")),
        ),
        ("Zinc-Plated", "Stainless Steel", "Black Oxide", "Hot-Dip Galvanized"),
        (1.2, 24.0),
    ),
    Department(
        "Hand Tools", "HTL",
        (
            ("Claw Hammer", ("16 oz", "20 oz")),
            ("Adjustable Wrench", ('8"', '10"', '12"')),
            ("Screwdriver Set", ("6-Piece", "10-Piece")),
            ("Tape Measure", ("16 ft", "25 ft", "35 ft")),
            ("Utility Knife", ("Retractable", "Folding")),
            ("Locking Pliers", ('7"', '10"')),
            ("Hex Key Set", ("SAE/Metric, 26-Piece", "Metric, 9-Piece")),
            ("Torpedo Level", ('9"',)),
            ("Socket Set", ('1/4 in. Drive, 40-Piece', '3/8 in. Drive, 72-Piece')),
        ),
        ("Fiberglass Handle", "Chrome Vanadium", "Magnetic", "Rubber Grip", "Professional"),
        (4.5, 68.0),
    ),
    Department(
        "Power Tools", "PWR",
        (
            ("Cordless Drill/Driver",
             ("18V, Tool Only", "20V Max, Kit with 2 Batteries", "12V, Compact Kit")),
            ("Impact Driver", ("20V Max, Tool Only", "18V, Kit with Battery")),
            ("Circular Saw", ('7-1/4", 15 Amp', '6-1/2", 20V Cordless')),
            ("Random Orbit Sander", ('5", 3 Amp',)),
            ("Jigsaw", ("6.5 Amp", "20V, Tool Only")),
            ("Angle Grinder", ('4-1/2", 7.5 Amp', '4-1/2", 20V')),
            ("Oscillating Multi-Tool", ("2.5 Amp", "20V, Tool Only")),
            ("Brad Nailer", ("18 Gauge, Pneumatic", "18 Gauge, 20V")),
        ),
        ("Brushless", "Variable Speed", "Compact", "Heavy Duty"),
        (35.0, 240.0),
    ),
    Department(
        "Electrical", "ELE",
        (
            ("Extension Cord", ("25 ft, 16/3", "50 ft, 14/3", "100 ft, 12/3")),
            ("GFCI Outlet", ("15 Amp", "20 Amp")),
            ("Toggle Light Switch", ("15 Amp, Single-Pole", "15 Amp, 3-Way")),
            ("Wire Connectors", ("Pack of 25", "Pack of 100")),
            ("Electrical Tape", ('3/4" x 60 ft', '3/4" x 60 ft, Pack of 10')),
            ("Circuit Breaker", ("15 Amp, Single-Pole", "20 Amp, Single-Pole", "30 Amp, Double-Pole")),
            ("Junction Box", ("4 in. Square", "1-Gang, Old Work")),
            ("Power Strip", ("6-Outlet, 4 ft Cord", "8-Outlet with USB")),
            ("THHN Wire", ("12 AWG x 100 ft", "14 AWG x 500 ft")),
        ),
        ("White", "Ivory", "Outdoor Rated", "Tamper-Resistant", "Heavy Duty"),
        (0.9, 45.0),
    ),
    Department(
        "Plumbing", "PLB",
        (
            ("PVC 90-Degree Elbow", ('1/2"', '3/4"', '1-1/2"', '2"')),
            ("Ball Valve", ('1/2" Sweat', '3/4" FIP')),
            ("Compression Fitting", ('1/2" x 3/8"', '3/8" x 3/8"')),
            ("PEX Pipe", ('1/2" x 100 ft', '3/4" x 100 ft', '1/2" x 10 ft')),
            ("Toilet Flapper", ('2"', '3"')),
            ("Thread Seal Tape", ('1/2" x 520"',)),
            ("Faucet Supply Line", ('3/8" x 1/2" x 20"', '3/8" x 3/8" x 16"')),
            ("P-Trap Kit", ('1-1/2"', '1-1/4"')),
        ),
        ("Brass", "Schedule 40", "Lead-Free", "Braided Stainless", "Universal"),
        (0.8, 38.0),
    ),
    Department(
        "Paint & Supplies", "PNT",
        (
            ("Interior Latex Paint", ("1 Gallon", "1 Quart", "5 Gallon")),
            ("Exterior Acrylic Paint", ("1 Gallon", "5 Gallon")),
            ("Primer", ("1 Gallon", "1 Quart")),
            ("Paint Roller Cover", ('9" x 3/8" Nap, 3-Pack', '9" x 1/2" Nap')),
            ("Angled Sash Brush", ('1-1/2"', '2-1/2"')),
            ("Painter's Tape", ('1.41" x 60 yd', '1.88" x 60 yd')),
            ("Canvas Drop Cloth", ("9 ft x 12 ft", "4 ft x 15 ft")),
            ("Spray Paint", ("12 oz",)),
        ),
        ("Eggshell", "Semi-Gloss", "Flat", "Satin", "Antique White", "Navy Blue", "Sage Green"),
        (2.5, 55.0),
    ),
    Department(
        "Safety Equipment", "SAF",
        (
            ("Safety Glasses", ("Clear Lens", "Smoke Lens, 12-Pack")),
            ("Work Gloves", ("Large", "X-Large", "Medium, 3-Pack")),
            ("Disposable Respirator", ("N95, Pack of 10", "N95, Pack of 20")),
            ("Earmuffs", ("NRR 27 dB", "NRR 30 dB")),
            ("Hard Hat", ("Type 1, 4-Point Ratchet", "Type 1, 6-Point Ratchet")),
            ("High-Visibility Vest", ("ANSI Class 2, Large", "ANSI Class 2, X-Large")),
            ("Foam Earplugs", ("Pack of 50 Pairs", "Pack of 200 Pairs")),
            ("First Aid Kit", ("100-Piece", "250-Piece")),
        ),
        ("Anti-Fog", "Nitrile-Coated", "Cut-Resistant", "Lightweight", "Contractor Grade"),
        (1.5, 42.0),
    ),
    Department(
        "Adhesives & Sealants", "ADH",
        (
            ("Construction Adhesive", ("10 oz", "28 oz")),
            ("Silicone Sealant", ("10.1 oz", "2.8 oz")),
            ("Wood Glue", ("8 fl oz", "16 fl oz", "1 Gallon")),
            ("Two-Part Epoxy", ("0.85 oz",)),
            ("Acrylic Latex Caulk", ("10.1 oz",)),
            ("Expanding Foam Sealant", ("12 oz",)),
            ("Duct Tape", ('1.88" x 35 yd', '1.88" x 60 yd')),
            ("Hot Glue Sticks", ('4", Pack of 24', '10", Pack of 12')),
        ),
        ("Clear", "White", "Waterproof", "Fast-Setting", "Paintable"),
        (1.9, 19.0),
    ),
    Department(
        "Lighting", "LGT",
        (
            ("LED A19 Bulb", ("60W Equivalent, 4-Pack", "100W Equivalent, 2-Pack")),
            ("LED Shop Light", ("4 ft, 4000 Lumens", "4 ft, 5000 Lumens")),
            ("LED Flashlight", ("300 Lumens", "1000 Lumens")),
            ("LED Work Light", ("2000 Lumens", "5000 Lumens")),
            ("Motion Sensor Flood Light", ("Dual Head, 2500 Lumens",)),
            ("Under-Cabinet Light", ('12"', '24"')),
            ("LED Headlamp", ("350 Lumens",)),
            ("Recessed Downlight", ('6", 4-Pack', '4", 6-Pack')),
        ),
        ("Daylight 5000K", "Soft White 2700K", "Dimmable", "Rechargeable", "Weatherproof"),
        (3.0, 89.0),
    ),
    Department(
        "Storage & Organization", "STO",
        (
            ("Storage Tote", ("27 Gal", "18 Gal, 4-Pack")),
            ("Tool Box", ('19"', '22"')),
            ("Shelf Bracket", ('8" x 10", Pack of 2', '10" x 12"')),
            ("Pegboard", ('24" x 48"', '16" x 32"')),
            ("Utility Hook", ("Pack of 6", "Heavy Duty, Pack of 2")),
            ("Small Parts Organizer", ("20-Compartment", "39-Drawer")),
            ("Shelving Unit", ('5-Tier, 36" W x 72" H', '4-Tier, 48" W x 72" H')),
            ("Cable Ties", ('8", Pack of 100', '14", Pack of 50')),
            ("Bungee Cords", ('24", Pack of 4', "Assorted, 12-Piece")),
        ),
        ("Black", "Steel", "Clear", "Stackable", "Weather-Resistant", "Heavy Duty"),
        (1.5, 120.0),
    ),
)

BRANDS = (
    "Northfield", "IronRidge", "Keystone", "BlueCrest", "Summit Pro", "Harbor Line", "Granite Works",
    "Redwood Supply", "Atlas", "Pioneer", "Copperhead", "Stonebridge", "Timberline", "Bridgeport",
    "Lakeshore", "Ridgeway", "Evergreen", "Foundry Co.", "TrueMark", "Westbrook",
)

SUPPLIERS = (
    ("Midwest Fastener Distributors", 5), ("Great Lakes Tool Supply", 7), ("Pacific Coast Hardware", 10),
    ("Allied Electrical Wholesale", 4), ("Keystone Plumbing Supply", 6), ("Continental Paint Co.", 8),
    ("SafeWorks Industrial", 5), ("BondTech Adhesives", 9), ("Brightline Lighting", 12),
    ("Stackwell Storage Products", 14), ("Frontier Building Materials", 7), ("Metro Industrial Supply", 3),
    ("Cascade Tool & Die", 11), ("Heartland Wholesale", 6), ("Summit Trade Distributors", 8),
    ("Blue Ridge Supply Co.", 5), ("Gulf States Hardware", 9), ("Northern Lights Electric", 10),
    ("Riverbend Distribution", 4), ("Prairie Fastening Systems", 6),
)

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Karen",
    "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty", "Mark", "Sandra", "Luis", "Ashley",
    "Steven", "Kimberly", "Andrew", "Emily", "Kenji", "Donna", "Joshua", "Michelle", "Priya", "Carol",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez",
    "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Nguyen", "Patel", "Kim",
)
STREETS = (
    "Maple Ave", "Oak St", "Cedar Ln", "Elm St", "Washington Blvd", "Lakeview Dr", "Hillcrest Rd",
    "Pine St", "Main St", "Park Ave", "Sunset Blvd", "River Rd", "Church St", "Highland Ave",
    "Meadow Ln", "Forest Dr", "2nd St", "Mill Rd", "Willow Way", "Spring St",
)
CITIES = (
    ("Columbus", "OH", "432"), ("Madison", "WI", "537"), ("Boise", "ID", "837"), ("Austin", "TX", "787"),
    ("Raleigh", "NC", "276"), ("Portland", "OR", "972"), ("Denver", "CO", "802"), ("Omaha", "NE", "681"),
    ("Tucson", "AZ", "857"), ("Richmond", "VA", "232"), ("Spokane", "WA", "992"), ("Albany", "NY", "122"),
    ("Des Moines", "IA", "503"), ("Knoxville", "TN", "379"), ("Lansing", "MI", "489"),
    ("Savannah", "GA", "314"),
)
COMPANY_WORDS = ("Construction", "Builders", "Renovations", "Property Services", "Handyman Co.",
                 "Contracting", "Home Repair", "Remodeling")

REVIEW_TITLES = {
    5: ("Exactly what I needed", "Excellent quality", "Works great", "Would buy again", "Solid product"),
    4: ("Good value", "Does the job", "Pretty good", "Happy with it", "Nice, minor quibbles"),
    3: ("It's okay", "Average", "Decent for the price", "Mixed feelings"),
    2: ("Not great", "Disappointed", "Wore out quickly"),
    1: ("Broke on first use", "Would not recommend", "Poor quality"),
}
REVIEW_BODIES = {
    5: ("Used it on a weekend project and it performed perfectly.", "Sturdy, well made, arrived on time.",
        "Our crew uses these every day; no complaints."),
    4: ("Good overall, packaging could be better.", "Works as described; a bit pricier than expected.",
        "Fit our job well. Instructions were thin."),
    3: ("Does what it says, nothing special.", "Fine for light use, not for daily work."),
    2: ("Finish started to wear after a few weeks.", "Sizes ran smaller than listed."),
    1: ("Stopped working after one job.", "Threads stripped right away."),
}
