"""Small domain vocabularies: what people, shops and services actually write, for the values faker has no
provider for (support subjects, gift messages, special requests, event titles, product names, memos).

Each bank is a tuple of short strings; `{first}`, `{last}`, `{other}`, `{city}`, `{other_city}`,
`{company}`, `{brand}`, `{month}`, `{place}`, `{thing}` and `{number}` are filled in by `values.py`.
Nothing here is lorem ipsum: every entry is something a person could have typed into the field it is
used for.
"""

from __future__ import annotations

__all__ = [
    "ACCOUNT_NAMES",
    "CATEGORY_PRODUCTS",
    "CHARGE_DESCRIPTIONS",
    "COLLECTION_NAMES",
    "COLLECTION_QUALIFIERS",
    "COMMENTS",
    "DEPARTMENTS",
    "DESCRIPTIONS",
    "EVENT_TITLES",
    "GIFT_MESSAGES",
    "ICONS",
    "KIND_QUALIFIERS",
    "LANGUAGES",
    "MEMOS",
    "NAME_QUALIFIERS",
    "NOTES",
    "NOTE_TITLES",
    "PLACE_NAMES",
    "PRODUCTS",
    "PRODUCT_ADJECTIVES",
    "PROJECT_NAMES",
    "REASONS",
    "REVIEWS",
    "SETTING_WORDS",
    "SPECIAL_REQUESTS",
    "SUBJECTS",
    "TAGS",
    "THING_NAMES",
    "TIMEZONES",
    "TODO_TITLES",
    "TOPIC_DESCRIPTIONS",
    "USER_AGENTS",
    "WORK_NOTES",
]

SUBJECTS: dict[str, tuple[str, ...]] = {
    "billing": (
        "Charged twice for the same invoice", "Refund has not arrived yet", "Invoice shows the wrong plan",
        "Card was declined at renewal", "Need a copy of last month's invoice", "Unexpected fee on my bill",
        "VAT number missing from invoice", "Discount code was not applied",
    ),
    "technical": (
        "Cannot log in after password reset", "Export to CSV times out", "Mobile app crashes on start",
        "Sync stopped working overnight", "Error 500 when saving a report", "Two-factor code never arrives",
        "Dashboard charts are not loading", "Webhook deliveries failing", "Search returns no results",
        "Attachments fail to upload",
    ),
    "account": (
        "Change the email on my account", "Add a second admin user", "Close my old workspace",
        "Transfer ownership to a colleague", "Account locked after too many attempts", "Update our company address",
    ),
    "": (
        "Question about my order", "Delivery is running late", "Need help with my booking",
        "Item arrived damaged", "Wrong size sent", "Request for a callback", "Feedback on the new design",
        "How do I change my plan?", "Missing item in my parcel", "Problem with my last payment",
    ),
}  # fmt: skip
TOPIC_DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "billing": (
        "I noticed it on my latest statement and would like it looked into before the next billing date.",
        "The amount does not match what we agreed when we signed up. Could you check the last two invoices?",
        "Our finance team flagged it during the monthly close, so we need a corrected copy soon.",
    ),
    "technical": (
        "Since this morning I get an error whenever I try this; I already tried another browser.",
        "This started after the last update. It happens every time and blocks my team from finishing our work.",
        "The problem comes and goes, but today it happened three times in an hour.",
    ),
    "account": (
        "I am the workspace admin and want this done before our team changes next week.",
        "A colleague is leaving the company, so the account details need to change.",
        "I tried to do this from the settings page myself but could not find the option.",
    ),
    "": (
        "Could someone check this for me? I have attached what I could and can share more if needed.",
        "It worked fine last week. Nothing changed on our side as far as I know.",
        "This is the second time it has happened this month, so I would like it sorted out properly.",
    ),
}  # fmt: skip
COMMENTS: dict[str, tuple[str, ...]] = {
    "customer": (
        "Thanks, that fixed it.", "It is still happening on my side, sorry.", "I have attached a screenshot.",
        "Any update on this?", "Great, I will try that this afternoon.", "That works for me, thank you!",
    ),
    "agent": (
        "Thanks for the details, I am looking into it now.", "Could you send a screenshot of the error?",
        "We have pushed a fix; please try again and let us know.", "I have passed this to our billing team.",
        "Closing this for now; reply here if it comes back.", "I have refunded the duplicate charge.",
    ),
}  # fmt: skip
GIFT_MESSAGES: tuple[str, ...] = (
    "Happy birthday, {first}! Lots of love.", "Congratulations on the new home!", "Thinking of you. Get well soon!",
    "Happy anniversary to my favourite person.", "With love from all of us in {city}.",
    "Merry Christmas, {first}!", "Thank you for everything this year.", "Enjoy, and see you soon!",
    "Welcome to the world, little one!", "Happy retirement, {first}!",
)  # fmt: skip
SPECIAL_REQUESTS: tuple[str, ...] = (
    "Late arrival, around 11 pm", "A quiet room away from the elevator, please", "Extra pillows and a blanket",
    "Baby cot in the room", "Ground floor if possible", "Early check-in if available",
    "Celebrating our anniversary", "Two separate beds, please", "Gluten-free breakfast",
    "Parking space for one car",
)  # fmt: skip
REVIEWS: dict[str, tuple[str, ...]] = {
    "good": (
        "Friendly staff and a spotless room.", "Great location, we will be back.",
        "Excellent breakfast, comfortable bed.", "Everything went smoothly from start to finish.",
        "Lovely stay, quiet and clean.",
    ),
    "mixed": (
        "Good value, but the room was a bit small.", "Nice staff; the wifi kept dropping.",
        "Clean and central, though breakfast was basic.", "Fine for one night.",
    ),
    "bad": (
        "The room was noisy and the shower was cold.", "Check-in took almost an hour.",
        "Not as pictured; the pool was closed.", "Disappointing, would not stay again.",
    ),
}  # fmt: skip
REASONS: dict[str, tuple[str, ...]] = {
    "return": (
        "Arrived damaged", "Wrong size", "Not as described", "Changed my mind", "Arrived too late",
        "Received the wrong item", "Stopped working after a week", "Colour differs from the photo",
    ),
    "cancel": ("Plans changed", "Booked by mistake", "Found a better date", "No longer needed", "Duplicate booking"),
    "dispute": ("I do not recognise this charge", "Charged twice", "Service was never delivered", "Wrong amount"),
    "": ("Requested by the customer", "Follow-up after our call", "See the notes on the account"),
}  # fmt: skip
MEMOS: tuple[str, ...] = (
    "Rent for {month}", "Electricity bill", "Dinner with {first}", "Birthday present for {first}",
    "Gym membership", "Invoice {number}", "Car insurance", "School trip", "Water bill", "Books for the course",
    "Holiday deposit", "Phone bill {month}",
)  # fmt: skip
NOTES: dict[str, tuple[str, ...]] = {
    "money": (
        "Keep for tax records.", "Split with {first}.", "Reimbursable work expense.", "Paid in person at the desk.",
        "Shared cost for the flat.", "Deposit for the holiday.",
    ),
    "delivery": (
        "Leave the parcel with the neighbour.", "Use the side entrance.", "Ring the bell twice.",
        "Deliver after 5 pm, please.", "Call on arrival.",
    ),
    "person": (
        "Called the customer to confirm.", "Prefers email.", "Prefers calls in the morning.", "Follow up next week.",
    ),
    "": ("Follow up next week.", "Checked and confirmed.", "Discussed with {first}.", "Review at the end of the month."),
}  # fmt: skip
"""Notes a record holds, by what the record is: money moved, something delivered, a person, anything else."""
WORK_NOTES: tuple[str, ...] = (
    "Reproduced the problem and sent a fix.", "Called the customer to walk through the settings.",
    "Checked the logs; waiting on engineering.", "Updated the billing details and re-ran the charge.",
    "Wrote up the workaround for the knowledge base.", "Reviewed the account history.",
)  # fmt: skip
NOTE_TITLES: tuple[str, ...] = (
    "Trip ideas", "Grocery list", "Meeting notes with {first}", "Books to read", "Packing list for {city}",
    "Gift ideas", "Recipes to try", "Budget for {month}", "Weekly plan", "Garden to-do", "Reading notes",
    "Questions for the landlord",
)  # fmt: skip
TODO_TITLES: tuple[str, ...] = (
    "Call the plumber", "Renew passport", "Buy a birthday present for {first}", "Book the dentist",
    "Pay the water bill", "Return library books", "Pick up dry cleaning", "Send the invoice to {first}",
    "Plan the weekend in {city}", "Back up the laptop", "Water the plants", "Cancel the old gym membership",
)  # fmt: skip
EVENT_TITLES: dict[str, tuple[str, ...]] = {
    "concert": ("{last} Quartet Live", "{city} Symphony Night", "Jazz at the {place}", "Summer Sounds with {first} {last}",
                "Acoustic Evening at the {place}", "{city} Indie Showcase"),
    "theatre": ("Hamlet at the {place}", "A Midsummer Night's Dream", "The {city} Players: Our Town",
                "Death of a Salesman", "An Evening of One-Act Plays"),
    "comedy": ("Stand-up Night with {first} {last}", "{city} Comedy Club Live", "Improv Thursday",
               "Laugh Out Loud at the {place}"),
    "sports": ("{city} Marathon", "Harbor Cup Final", "{city} vs {other_city}", "Open Tennis Day",
               "Charity Five-a-Side"),
    "festival": ("{city} Food Festival", "Summer Lights Festival", "{city} Folk Weekend", "Street Art Fair",
                 "Harvest Market"),
    "conference": ("{city} Data Summit", "Future of Retail Conference", "Product Leaders Forum",
                   "{city} Developer Day"),
    "workshop": ("Pottery for Beginners", "Sourdough Baking Workshop", "Intro to Watercolour",
                 "Photography Walk in {city}"),
    "": ("{city} Spring Gala", "An Evening with {first} {last}", "Open House at the {place}",
         "{city} Charity Dinner", "Film Night: Classics", "Wine Tasting at the {place}"),
}  # fmt: skip
PLACE_NAMES: dict[str, tuple[str, ...]] = {
    "hotel": ("{brand} {city}", "{brand} Harbourside", "The {last} Hotel", "{city} Grand Hotel", "{brand} Old Town",
              "{brand} Riverside", "The {city} Inn", "{brand} Airport"),
    "restaurant": ("The {last} Kitchen", "Trattoria {first}", "{city} Oyster Bar", "The Green Fork", "Blue Door Bistro"),
    "store": ("{brand} {city}", "{brand} Downtown", "{brand} Outlet {city}", "{brand} Mall Store"),
    "shop": ("{brand} {city}", "{brand} Downtown", "{brand} Outlet {city}"),
    "branch": ("{city} Branch", "{city} Main Street", "{city} Central"),
    "office": ("{city} Office", "{city} HQ", "{city} Studio"),
    "warehouse": ("{city} Distribution Center", "{city} Warehouse", "North {city} Depot", "{city} Fulfilment Centre"),
    "clinic": ("{city} Family Clinic", "{last} Medical Centre", "{city} Health Centre"),
    "dock": ("{city} Dock", "North Dock", "South Dock", "East Dock", "West Dock", "Main Loading Dock"),
    "": ("{last} Hall", "The {city} Arena", "Riverside Theatre", "The Old Mill", "{city} Conference Centre",
         "Harbor Pavilion", "The Blue Room", "Victoria Park Stage", "Union Chapel", "The Corn Exchange"),
}  # fmt: skip
CATEGORY_PRODUCTS: dict[str, tuple[str, ...]] = {
    "kitchen": ("Kettle", "Chef's Knife", "Cast Iron Pan", "Cutting Board", "Salad Bowl", "Coffee Grinder",
                "Teapot", "Mixing Bowl Set", "Spice Rack", "Toaster"),
    "bath": ("Bath Towel", "Shower Curtain", "Soap Dispenser", "Bath Mat", "Toothbrush Holder", "Bathrobe"),
    "bedroom": ("Duvet Cover", "Pillow", "Bedside Lamp", "Throw Blanket", "Alarm Clock", "Fitted Sheet"),
    "living": ("Floor Lamp", "Cushion Cover", "Bookshelf", "Coffee Table", "Wall Clock", "Armchair", "Rug"),
    "garden": ("Watering Can", "Hose Reel", "Planter", "Garden Chair", "Pruning Shears", "Bird Feeder"),
    "electronics": ("Wireless Headphones", "Phone Charger", "Bluetooth Speaker", "USB-C Cable", "Smart Plug"),
    "clothing": ("Wool Sweater", "Rain Jacket", "Cotton T-Shirt", "Denim Jeans", "Scarf", "Sneakers"),
    "books": ("Cookbook", "Travel Guide", "Notebook", "Photo Album", "Sketchbook"),
    "toys": ("Building Blocks", "Puzzle", "Plush Bear", "Board Game", "Kite"),
    "sports": ("Yoga Mat", "Water Bottle", "Running Cap", "Tennis Racket", "Dumbbell Set"),
    "office": ("Desk Lamp", "Desk Organiser", "Office Chair", "Monitor Stand", "Planner"),
    "": ("Lamp", "Vase", "Mug", "Basket", "Candle", "Picture Frame", "Tray", "Storage Box", "Mirror", "Clock"),
}  # fmt: skip
PRODUCTS = CATEGORY_PRODUCTS[""]
PRODUCT_ADJECTIVES: tuple[str, ...] = ("Blue", "Green", "Grey", "White", "Black", "Red", "Oak", "Walnut", "Copper",
                                       "Brass", "Linen", "Cotton", "Ceramic", "Glass", "Bamboo", "Marble", "Large",
                                       "Small", "Classic", "Nordic")  # fmt: skip
CHARGE_DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "minibar": ("Two sodas and a chocolate bar", "Bottle of red wine", "Mineral water", "Snacks from the minibar"),
    "spa": ("60-minute massage", "Facial treatment", "Sauna access", "Manicure"),
    "restaurant": ("Dinner for two", "Room service breakfast", "Lunch at the terrace", "Late-night burger"),
    "parking": ("Parking, one night", "Valet parking", "Garage, two nights"),
    "laundry": ("Laundry, one bag", "Shirt pressing", "Dry cleaning of a suit"),
    "": ("Late checkout fee", "Extra bed", "Airport shuttle", "Pet fee", "Bike rental"),
}  # fmt: skip
ACCOUNT_NAMES: tuple[str, ...] = ("Everyday", "Rainy day fund", "Holiday savings", "Bills", "House deposit",
                                  "Joint account", "Car fund", "Emergency fund", "Travel card", "Kids' savings")  # fmt: skip
DEPARTMENTS: tuple[str, ...] = ("Finance", "Human Resources", "Engineering", "Sales", "Marketing", "Customer Support",
                                "Operations", "Legal", "Procurement", "Facilities", "Research", "Design")  # fmt: skip
PROJECT_NAMES: tuple[str, ...] = ("Website Redesign", "Mobile App Launch", "Q3 Budget Review", "Office Move",
                                  "Customer Survey", "Data Migration", "Holiday Campaign", "Onboarding Revamp",
                                  "Security Audit", "Warehouse Upgrade")  # fmt: skip
COLLECTION_NAMES: tuple[str, ...] = ("Groceries", "Work", "Weekend chores", "Travel", "Recipes", "Receipts",
                                     "Reading list", "Home", "Family", "Ideas", "Holidays", "Errands")  # fmt: skip
COLLECTION_QUALIFIERS: tuple[str, ...] = ("Personal", "Shared", "Team", "Family", "Old", "Summer", "Winter",
                                          "Weekly", "Monthly", "Spring")  # fmt: skip
"""What sets a second list of the same kind apart ('Shared groceries', 'Old receipts')."""
LANGUAGES: dict[str, str] = {"English": "en", "Spanish": "es", "French": "fr", "German": "de", "Portuguese": "pt",
                             "Italian": "it", "Dutch": "nl", "Japanese": "ja"}  # fmt: skip
"""Languages by name, with their ISO 639-1 codes."""
TIMEZONES: tuple[str, ...] = ("Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago",
                              "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney", "UTC")  # fmt: skip
PROJECT_NAMES: tuple[str, ...] = (
    "Website redesign", "Office move", "Customer portal", "Data migration", "Mobile app launch", "Annual report",
    "Warehouse upgrade", "Onboarding revamp", "Spring campaign", "Billing cleanup", "Support handbook",
    "Security audit",
)  # fmt: skip
THING_NAMES: dict[str, tuple[str, ...]] = {
    "holiday": ("New Year's Day", "Labour Day", "Christmas Day", "Boxing Day", "Easter Monday", "Independence Day",
                "Thanksgiving", "Midsummer Day"),
    "template": ("Employment contract", "Non-disclosure agreement", "Rental agreement", "Consent form",
                 "Purchase order", "Onboarding checklist", "Service agreement", "Photo release"),
    "campaign": ("Spring sale", "Black Friday", "Newsletter relaunch", "Summer promotion", "Back to school",
                 "Holiday giveaway"),
    **dict.fromkeys(("pet", "dog", "cat", "animal", "puppy", "kitten"),
                    ("Biscuit", "Luna", "Max", "Bella", "Charlie", "Milo", "Daisy", "Rocky", "Coco", "Oscar", "Pepper",
                     "Willow", "Teddy", "Nala", "Buddy", "Maple", "Ziggy", "Hazel", "Finn", "Olive")),
    "breed": ("Labrador Retriever", "Beagle", "Border Collie", "Golden Retriever", "Dachshund", "Boxer", "Poodle",
              "French Bulldog", "Shih Tzu", "Siamese", "Maine Coon", "Ragdoll", "Mixed breed"),
}  # fmt: skip
"""Names of things people name by what they are (a holiday, a document template), by the thing's noun."""
KIND_QUALIFIERS: tuple[str, ...] = ("Standard", "Special", "Annual", "Extended", "Flexible", "Temporary", "Regular",
                                    "Seasonal", "Basic", "Premium", "Priority", "Weekend", "Short-term", "Long-term",
                                    "Partial", "Occasional")  # fmt: skip
"""Words that name one kind of a thing before its noun ('Annual time off', 'Special membership')."""
USER_AGENTS: tuple[str, ...] = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:129.0) Gecko/20100101 Firefox/129.0",
)
"""Browsers a request came from (a booking's `user_agent`)."""
NAME_QUALIFIERS: tuple[str, ...] = ("Main", "Primary", "Backup", "Shared", "Internal", "Weekend", "Weekday", "Morning",
                                    "Evening", "Spring", "Summer", "Autumn", "Winter", "North", "South", "East", "West",
                                    "Central", "Pilot", "Legacy")  # fmt: skip
"""Words that set one thing apart from others of its kind when nothing is known of it ('Weekend submission')."""
TAGS: tuple[str, ...] = ("urgent", "travel", "receipts", "family", "work", "follow-up", "ideas", "finance",
                         "health", "reading", "home", "archive")  # fmt: skip
ICONS: tuple[str, ...] = (
    "folder", "star", "home", "tag", "box", "calendar", "bookmark", "bell", "flag", "heart", "archive", "wrench",
    "camera", "book", "car", "gift", "tool", "lamp", "key", "cart",
)  # fmt: skip
"""Names of icons, as apps that let a user pick one for a record name them."""
SETTING_WORDS: tuple[str, ...] = ("standard", "custom", "general", "primary", "default", "basic", "advanced", "other")
"""Values for a text field whose meaning is unknown (a `type`, a `mode`): a setting, not a sentence."""
DESCRIPTIONS: tuple[str, ...] = (
    "Kept up to date by {first} {last}.", "Used by the {city} team.", "Set up for the {month} launch.",
    "Shared with {company}.", "Reviewed every quarter.", "Main one for day-to-day use.",
)  # fmt: skip

CITIES: tuple[str, ...] = (
    "Austin", "Boston", "Chicago", "Denver", "Portland", "Seattle", "San Diego", "Phoenix", "Atlanta", "Nashville",
    "Minneapolis", "Pittsburgh", "Baltimore", "Sacramento", "Kansas City", "Salt Lake City", "Richmond", "Madison",
    "Savannah", "Charleston", "Santa Fe", "Boulder", "Asheville", "Burlington", "Providence", "Albany", "Tucson",
    "Omaha", "Raleigh", "Cleveland", "Toronto", "Vancouver", "Montreal", "Dublin", "Edinburgh", "Manchester",
    "Bristol", "Leeds", "Lisbon", "Porto", "Madrid", "Seville", "Barcelona", "Lyon", "Bordeaux", "Marseille",
    "Amsterdam", "Rotterdam", "Antwerp", "Hamburg", "Munich", "Cologne", "Vienna", "Zurich", "Geneva", "Milan",
    "Turin", "Florence", "Copenhagen", "Stockholm", "Oslo", "Helsinki", "Prague", "Krakow", "Budapest", "Athens",
    "Melbourne", "Sydney", "Auckland", "Wellington", "Singapore", "Osaka", "Kyoto", "Cape Town", "Buenos Aires",
)  # fmt: skip
"""Real cities for addresses, venues and trips: a made-up town ('Zacharyfurt') reads as noise."""
