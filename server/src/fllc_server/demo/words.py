"""Word lists the demo catalog is built from: a hardware and home-improvement store's range."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Department:
    """A category: its SKU prefix, the product types it sells, their sizes and a cost range."""

    name: str
    code: str
    types: tuple[str, ...]
    sizes: tuple[str, ...]
    finishes: tuple[str, ...]
    cost_range: tuple[float, float]


DEPARTMENTS = (
    Department(
        "Fasteners", "FAS",
        ("Wood Screws", "Deck Screws", "Machine Bolts", "Hex Nuts", "Flat Washers", "Lag Screws",
         "Carriage Bolts", "Drywall Anchors", "Sheet Metal Screws", "Wing Nuts", "Threaded Rod"),
        ('#8 x 1-1/4"', '#10 x 2"', '#6 x 5/8"', "M6 x 30 mm", "M8 x 50 mm", '1/4"-20 x 2"',
         '3/8" x 4"', '5/16" x 3"', "M10 x 80 mm"),
        ("Zinc-Plated", "Stainless Steel", "Black Oxide", "Hot-Dip Galvanized", "Brass"),
        (1.2, 24.0),
    ),
    Department(
        "Hand Tools", "HTL",
        ("Claw Hammer", "Adjustable Wrench", "Screwdriver Set", "Tape Measure", "Utility Knife",
         "Locking Pliers", "Hex Key Set", "Torpedo Level", "Hacksaw", "Socket Set", "Wire Stripper"),
        ("16 oz", '10"', "6-Piece", "25 ft", "18-Piece", '8"', "40-Piece", '9"', '12"', "1/2 in. Drive"),
        ("Fiberglass Handle", "Chrome Vanadium", "Magnetic", "Rubber Grip", "Professional"),
        (4.5, 68.0),
    ),
    Department(
        "Power Tools", "PWR",
        ("Cordless Drill", "Impact Driver", "Circular Saw", "Random Orbit Sander", "Jigsaw",
         "Angle Grinder", "Oscillating Multi-Tool", "Rotary Hammer", "Heat Gun", "Brad Nailer"),
        ("18V", "20V Max", '7-1/4"', '5"', "6.5 Amp", '4-1/2"', "12V", "1500W", "18 Gauge"),
        ("Brushless", "Kit with 2 Batteries", "Tool Only", "Compact", "Variable Speed"),
        (35.0, 240.0),
    ),
    Department(
        "Electrical", "ELE",
        ("Extension Cord", "GFCI Outlet", "Light Switch", "Wire Nuts", "Electrical Tape",
         "Circuit Breaker", "Junction Box", "Power Strip", "Outlet Cover Plate", "THHN Wire"),
        ("25 ft", "15 Amp", "20 Amp", "Pack of 25", '3/4" x 60 ft', "1-Gang", "6-Outlet", "12 AWG",
         "2-Gang", "100 ft"),
        ("White", "Ivory", "Outdoor Rated", "Heavy Duty", "Tamper-Resistant"),
        (0.9, 45.0),
    ),
    Department(
        "Plumbing", "PLB",
        ("PVC Elbow", "Ball Valve", "Compression Fitting", "PEX Pipe", "Faucet Cartridge",
         "Toilet Flapper", "Plumber's Tape", "Supply Line", "P-Trap Kit", "Pipe Wrench"),
        ('1/2"', '3/4"', '1-1/2"', "10 ft", '3/8" x 20"', '2"', '1/2" x 100 ft', '14"', '18"'),
        ("Brass", "Schedule 40", "Lead-Free", "Braided Stainless", "Universal"),
        (0.8, 38.0),
    ),
    Department(
        "Paint & Supplies", "PNT",
        ("Interior Latex Paint", "Exterior Acrylic Paint", "Primer", "Paint Roller Cover",
         "Angled Sash Brush", "Painter's Tape", "Drop Cloth", "Wood Stain", "Spray Paint",
         "Paint Tray Liner"),
        ("1 Gallon", "1 Quart", "5 Gallon", '9" x 3/8"', '2-1/2"', '1.88" x 60 yd', "9 ft x 12 ft",
         "12 oz", "Pack of 3"),
        ("Eggshell", "Semi-Gloss", "Flat", "Satin", "Antique White", "Navy Blue", "Sage Green",
         "Charcoal Gray"),
        (2.5, 55.0),
    ),
    Department(
        "Safety Equipment", "SAF",
        ("Safety Glasses", "Work Gloves", "Dust Mask", "Ear Muffs", "Hard Hat", "Hi-Vis Vest",
         "Knee Pads", "Respirator Cartridge", "First Aid Kit", "Ear Plugs"),
        ("One Size", "Large", "X-Large", "Medium", "Pack of 10", "Pack of 50", "NRR 27 dB",
         "ANSI Class 2", "100-Piece"),
        ("Anti-Fog", "Nitrile Coated", "N95", "Cut Resistant", "Clear Lens", "Leather Palm"),
        (1.5, 42.0),
    ),
    Department(
        "Adhesives & Sealants", "ADH",
        ("Construction Adhesive", "Silicone Sealant", "Wood Glue", "Epoxy", "Super Glue",
         "Caulk", "Expanding Foam", "Duct Tape", "Thread Locker", "Hot Glue Sticks"),
        ("10 oz", "2.8 oz", "8 fl oz", "0.85 oz", "2 g", "12 oz", '1.88" x 35 yd', "6 ml",
         "Pack of 24"),
        ("Clear", "White", "Waterproof", "Fast-Setting", "Paintable", "Heavy Duty"),
        (1.9, 19.0),
    ),
    Department(
        "Lighting", "LGT",
        ("LED A19 Bulb", "LED Shop Light", "Flashlight", "Work Light", "Motion Sensor Flood Light",
         "Under-Cabinet Light", "LED Strip", "Headlamp", "Recessed Downlight", "Lantern"),
        ("60W Equivalent", "4 ft", "1000 Lumens", "5000 Lumens", '6"', "16 ft", "300 Lumens",
         "4-Pack", '12"'),
        ("Daylight 5000K", "Soft White 2700K", "Dimmable", "Rechargeable", "Linkable", "Weatherproof"),
        (3.0, 89.0),
    ),
    Department(
        "Storage & Organization", "STO",
        ("Storage Tote", "Tool Box", "Wall Shelf Bracket", "Pegboard", "Utility Hook",
         "Parts Organizer", "Shelving Unit", "Drawer Liner", "Cable Ties", "Bungee Cords"),
        ("27 Gal", '22"', '8" x 10"', '24" x 48"', "Pack of 6", "20-Compartment", "5-Tier",
         '12" x 5 ft', "Pack of 100", '24" Pack of 4'),
        ("Black", "Heavy Duty", "Steel", "Clear", "Stackable", "Weather-Resistant"),
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
